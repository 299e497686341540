//! Pages fetched but not yet stored, kept as files beside the database
//! (`<database>-fetched/`) until the transaction holding them commits. A
//! daemon killed while it stores a page, or with pages fetched ahead, finds
//! them there when it asks the same request again on its restart, and does
//! not spend the quota on them twice: a kill costs at most the one request
//! in flight.
//!
//! A file holds the request (path and query) on its first line and the
//! body Langfuse answered after it. It is written under a temporary name
//! and renamed, so a file is whole or absent; a file that does not hold
//! the asked request, or does not parse, is ignored. Keeping is an
//! economy, never a condition: a directory that cannot be written costs
//! only the requests again.

use std::path::{Path, PathBuf};

/// The request a kept page answers: its path and query, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest(String);

impl PageRequest {
    pub fn new(path: &str, query: &[(&str, String)]) -> PageRequest {
        let query: Vec<String> = query
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        PageRequest(format!("{path}?{}", query.join("&")))
    }

    /// A file name of the request. The hasher's fixed keys give the same
    /// name across runs of one build; a build that names it otherwise only
    /// misses the file, and the request on the file's first line is checked.
    fn file_name(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        self.0.hash(&mut hasher);
        format!("{:016x}.json", hasher.finish())
    }
}

pub struct KeptPages {
    directory: PathBuf,
}

impl KeptPages {
    /// The pages kept for the database at `database`.
    pub fn beside(database: &Path) -> KeptPages {
        let mut directory = database.as_os_str().to_owned();
        directory.push("-fetched");
        KeptPages {
            directory: PathBuf::from(directory),
        }
    }

    /// The body kept for `request`, if a whole one is.
    pub fn body_of(&self, request: &PageRequest) -> Option<Vec<u8>> {
        let kept = std::fs::read(self.directory.join(request.file_name())).ok()?;
        let newline = kept.iter().position(|byte| *byte == b'\n')?;
        (kept[..newline] == *request.0.as_bytes()).then(|| kept[newline + 1..].to_vec())
    }

    /// Keeps `body` as the answer to `request` until `forget`.
    pub fn keep(&self, request: &PageRequest, body: &[u8]) {
        if let Err(error) = self.write(request, body) {
            tracing::warn!(
                directory = %self.directory.display(),
                error = %error,
                "could not keep a fetched page on disk; a restart before it is stored fetches it again"
            );
        }
    }

    fn write(&self, request: &PageRequest, body: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.directory)?;
        let name = request.file_name();
        let partial = self.directory.join(format!("{name}.partial"));
        let mut contents = Vec::with_capacity(request.0.len() + 1 + body.len());
        contents.extend_from_slice(request.0.as_bytes());
        contents.push(b'\n');
        contents.extend_from_slice(body);
        std::fs::write(&partial, contents)?;
        std::fs::rename(&partial, self.directory.join(name))
    }

    /// Drops the pages of `requests`, once stored.
    pub fn forget<'a>(&self, requests: impl IntoIterator<Item = &'a PageRequest>) {
        for request in requests {
            // Absent already (never kept, or a failed write): nothing to do.
            let _ = std::fs::remove_file(self.directory.join(request.file_name()));
        }
    }

    /// Drops every kept page: at the end of a window, whose requests are not
    /// asked again, any left over (from a store that failed) is stale.
    pub fn forget_all(&self) {
        let Ok(entries) = std::fs::read_dir(&self.directory) else {
            return;
        };
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cursor: &str) -> PageRequest {
        PageRequest::new(
            "/api/public/v2/observations",
            &[("limit", "100".into()), ("cursor", cursor.into())],
        )
    }

    #[test]
    fn a_kept_page_is_found_by_its_request_until_forgotten() {
        let directory = tempfile::tempdir().unwrap();
        let kept = KeptPages::beside(&directory.path().join("cupid.db"));
        let (first, second) = (request("a"), request("b"));
        assert_eq!(kept.body_of(&first), None);

        kept.keep(&first, br#"{"data":[1]}"#);
        kept.keep(&second, b"{\"data\":\n[2]}");

        assert_eq!(kept.body_of(&first).unwrap(), br#"{"data":[1]}"#);
        assert_eq!(kept.body_of(&second).unwrap(), b"{\"data\":\n[2]}");
        assert!(directory.path().join("cupid.db-fetched").is_dir());
        kept.forget([&first]);
        assert_eq!(kept.body_of(&first), None);
        assert!(kept.body_of(&second).is_some());
        kept.forget_all();
        assert_eq!(kept.body_of(&second), None);
    }

    #[test]
    fn a_file_holding_another_request_or_none_is_not_taken() {
        let directory = tempfile::tempdir().unwrap();
        let kept = KeptPages::beside(&directory.path().join("cupid.db"));
        let asked = request("a");
        kept.keep(&asked, b"{}");
        let file = directory
            .path()
            .join("cupid.db-fetched")
            .join(asked.file_name());
        for contents in [
            &b"/api/public/v2/observations?limit=100&cursor=b\n{}"[..],
            b"{}",
        ] {
            std::fs::write(&file, contents).unwrap();
            assert_eq!(kept.body_of(&asked), None, "{contents:?}");
        }
    }

    #[test]
    fn an_unwritable_directory_only_costs_the_keeping() {
        let directory = tempfile::tempdir().unwrap();
        let occupied = directory.path().join("cupid.db-fetched");
        std::fs::write(&occupied, b"a file where the directory would be").unwrap();
        let kept = KeptPages::beside(&directory.path().join("cupid.db"));

        kept.keep(&request("a"), b"{}");

        assert_eq!(kept.body_of(&request("a")), None);
        kept.forget_all();
    }
}
