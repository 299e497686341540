//! Links into Langfuse's UI: `{host}/project/{projectId}/traces/{traceId}`
//! and `.../sessions/{sessionId}` (the shapes of Langfuse's own trace URLs
//! and of the legacy traces' `htmlPath`). The host and the project are
//! what the sync daemon recorded; without either there is no link.

use url::Url;

use crate::db::sync_status::LangfuseRow;

/// Where the synced project lives in Langfuse's UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangfuseProject {
    host: Url,
    project_id: String,
}

impl LangfuseProject {
    /// None unless both are known and the host is an http(s) URL that can
    /// take a path.
    pub fn new(host: Option<&str>, project_id: Option<&str>) -> Option<LangfuseProject> {
        let project_id = project_id.filter(|id| !id.is_empty())?;
        let host = Url::parse(host?)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base())?;
        Some(LangfuseProject {
            host,
            project_id: project_id.to_string(),
        })
    }

    pub fn from_row(row: &LangfuseRow) -> Option<LangfuseProject> {
        Self::new(row.host.as_deref(), row.project_id.as_deref())
    }

    fn url(&self, kind: &str, id: &str) -> String {
        let mut url = self.host.clone();
        url.set_query(None);
        url.set_fragment(None);
        // Each id is one path segment, percent-encoded ('/' included).
        url.path_segments_mut()
            .expect("checked: the host can be a base")
            .pop_if_empty()
            .extend(["project", self.project_id.as_str(), kind, id]);
        url.into()
    }

    pub fn trace_url(&self, trace_id: &str) -> String {
        self.url("traces", trace_id)
    }

    pub fn session_url(&self, session_id: &str) -> String {
        self.url("sessions", session_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_have_langfuse_shapes_and_encode_ids() {
        let cases = [
            (
                "https://cloud.langfuse.com",
                "t-1",
                "https://cloud.langfuse.com/project/p1/traces/t-1",
            ),
            (
                "https://lf.example.com/langfuse/",
                "t-1",
                "https://lf.example.com/langfuse/project/p1/traces/t-1",
            ),
            (
                "http://127.0.0.1:3100",
                "a/b c?d#e",
                "http://127.0.0.1:3100/project/p1/traces/a%2Fb%20c%3Fd%23e",
            ),
        ];
        for (host, trace, expected) in cases {
            let project = LangfuseProject::new(Some(host), Some("p1")).unwrap();
            assert_eq!(project.trace_url(trace), expected, "{host} {trace}");
        }
        let project = LangfuseProject::new(Some("https://cloud.langfuse.com"), Some("p1")).unwrap();
        assert_eq!(
            project.session_url("game-7"),
            "https://cloud.langfuse.com/project/p1/sessions/game-7"
        );
    }

    #[test]
    fn no_link_without_a_host_or_a_project() {
        let cases = [
            (None, Some("p1")),
            (Some("https://cloud.langfuse.com"), None),
            (Some("https://cloud.langfuse.com"), Some("")),
            (Some("not a url"), Some("p1")),
            (Some("mailto:x@example.com"), Some("p1")),
        ];
        for (host, project) in cases {
            assert_eq!(
                LangfuseProject::new(host, project),
                None,
                "{host:?} {project:?}"
            );
        }
    }
}
