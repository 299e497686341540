//! What the page-based legacy endpoints share: `page`/`limit` and `meta`.

use serde_json::{Value, json};

use super::query::QueryParams;

pub const MAX_LIMIT: i64 = 100;
pub const DEFAULT_LIMIT: i64 = 50;

#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: usize,
    pub limit: usize,
}

impl Paging {
    pub fn parse(params: &QueryParams) -> Result<Self, String> {
        Ok(Self {
            page: params.int_in("page", 1, 1, i64::from(u32::MAX))? as usize,
            limit: params.int_in("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)? as usize,
        })
    }

    /// The slice of `items` on this page and the `utilsMetaResponse`.
    pub fn apply<'a, T>(&self, items: &'a [T]) -> (&'a [T], Value) {
        let start = (self.page - 1).saturating_mul(self.limit).min(items.len());
        let end = (start + self.limit).min(items.len());
        let meta = json!({
            "page": self.page,
            "limit": self.limit,
            "totalItems": items.len(),
            "totalPages": items.len().div_ceil(self.limit),
        });
        (&items[start..end], meta)
    }
}
