//! Response shapes of the Langfuse endpoints the daemon reads, as in
//! openapi.yml. Lenient on purpose: every field but the identity and start
//! time is optional, unknown fields are ignored, and `type` / `level` are
//! open strings, so a newer Langfuse never breaks parsing.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

/// `ObservationV2` (v2 observations) and `ObservationsView` (legacy v1
/// observations) in one: the legacy names are accepted as aliases.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    #[serde(default)]
    pub trace_id: Option<String>,
    pub start_time: DateTime<Utc>,
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completion_start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub parent_observation_id: Option<String>,
    #[serde(rename = "type", default)]
    pub observation_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    /// The real server's key for the model group (and legacy v1's).
    #[serde(default)]
    pub model: Option<String>,
    /// The spec's key for the same.
    #[serde(default)]
    pub provided_model_name: Option<String>,
    #[serde(default)]
    pub usage_details: Option<Map<String, Value>>,
    /// The cost. `totalCost` / `calculatedTotalCost` are not read: the
    /// server renders them as `Number(costDetails.total ?? 0)`, 0 where the
    /// cost is unknown or has no `total` entry.
    #[serde(default)]
    pub cost_details: Option<Map<String, Value>>,
    /// When this version of the row was written (the `time` group); of
    /// several versions of one row, the latest is the truth.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub trace_name: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The Langfuse project (v2's `core` group; legacy v1 rows lack it).
    #[serde(default)]
    pub project_id: Option<String>,
    /// The trace's release (`trace_context` group; legacy v1 rows lack it).
    #[serde(default)]
    pub release: Option<String>,
    /// The observation's own version (`basic` group, legacy v1 too).
    #[serde(default)]
    pub version: Option<String>,
    /// The linked prompt (`prompt` group, legacy v1 too).
    #[serde(default)]
    pub prompt_name: Option<String>,
    /// An integer in the spec; anything else is read as no version.
    #[serde(default)]
    pub prompt_version: Option<Value>,
}

impl Observation {
    /// `model`, else `providedModelName`; empty is none.
    pub fn model_name(&self) -> Option<&str> {
        self.model.as_deref().filter(|m| !m.is_empty()).or_else(|| {
            self.provided_model_name
                .as_deref()
                .filter(|m| !m.is_empty())
        })
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CursorMeta {
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `ObservationsV2Response` and `GetScoresV3Response`.
#[derive(Debug, Clone, Deserialize)]
pub struct CursorPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: CursorMeta,
}

/// `utilsMetaResponse` of the page-based legacy endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    pub page: u32,
    #[serde(default)]
    pub total_pages: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NumberedPage<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

/// A legacy `Trace` (only the attributes v1 observations lack).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyTrace {
    pub id: String,
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub environment: Option<String>,
    /// `/project/{projectId}/traces/{traceId}`: the only place a legacy
    /// trace names its project.
    #[serde(default)]
    pub html_path: Option<String>,
    #[serde(default)]
    pub release: Option<String>,
}

impl LegacyTrace {
    /// The project named by `htmlPath`, if it has the expected shape.
    pub fn project_id(&self) -> Option<&str> {
        let rest = self.html_path.as_deref()?.strip_prefix("/project/")?;
        let (project, _) = rest.split_once('/')?;
        (!project.is_empty()).then_some(project)
    }
}

/// `ScoreV3` with the `subject` field group, or a v2 score
/// (`GetScoresResponseData`: subject as top-level ids, `stringValue`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub id: String,
    pub name: String,
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub string_value: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub subject: Option<ScoreSubject>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub observation_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSubject {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v2_page_with_every_field_group_parses() {
        let body = r#"{
          "data": [{
            "id": "obs-1", "traceId": "t-1", "startTime": "2026-11-20T10:00:00.000Z",
            "endTime": "2026-11-20T10:00:01.250Z", "projectId": "p", "parentObservationId": "obs-0",
            "type": "GENERATION", "name": "chat", "level": "WARNING", "statusMessage": "slow",
            "version": null, "environment": "production", "bookmarked": false, "public": false,
            "userId": "player-7", "sessionId": "game-3", "isRootObservation": false,
            "completionStartTime": "2026-11-20T10:00:00.400Z", "createdAt": "2026-11-20T10:00:00.000Z",
            "updatedAt": "2026-11-20T10:00:02.000Z", "input": "{\"q\":1}", "output": "hi",
            "metadata": {"agent": "persona-alice"}, "providedModelName": "gpt-4o",
            "internalModelId": "m1", "modelParameters": {"temperature": 0.2},
            "usageDetails": {"input": 100, "output": 20, "total": 120},
            "costDetails": {"input": 0.00025, "output": 0.0002, "total": 0.00045},
            "totalCost": 0.00045, "usagePricingTierName": null,
            "promptId": null, "promptName": null, "promptVersion": null,
            "latency": 1.25, "timeToFirstToken": 0.4, "modelId": "m1",
            "inputPrice": "0.0000025", "outputPrice": "0.00001", "totalPrice": null,
            "traceName": "persona-alice", "tags": ["cupid", "ranked"], "release": "1.2.0"
          }],
          "meta": {"cursor": "abc"}
        }"#;
        let page: CursorPage<Observation> = serde_json::from_str(body).unwrap();
        assert_eq!(page.meta.cursor.as_deref(), Some("abc"));
        let observation = &page.data[0];
        assert_eq!(observation.observation_type.as_deref(), Some("GENERATION"));
        assert_eq!(observation.model_name(), Some("gpt-4o"));
        assert!(observation.updated_at.is_some());
        assert_eq!(observation.tags.as_ref().unwrap().len(), 2);
        assert_eq!(observation.project_id.as_deref(), Some("p"));
        assert_eq!(observation.release.as_deref(), Some("1.2.0"));
    }

    #[test]
    fn a_legacy_trace_names_its_project_only_through_a_well_formed_html_path() {
        let cases = [
            (Some("/project/cl-42/traces/t-1"), Some("cl-42")),
            (Some("/project//traces/t-1"), None),
            (Some("/traces/t-1"), None),
            (Some("/project/cl-42"), None),
            (None, None),
        ];
        for (html_path, expected) in cases {
            let mut body = serde_json::json!({"id": "t-1", "timestamp": "2026-11-20T10:00:00Z"});
            if let Some(path) = html_path {
                body["htmlPath"] = path.into();
            }
            let trace: LegacyTrace = serde_json::from_value(body).unwrap();
            assert_eq!(trace.project_id(), expected, "{html_path:?}");
        }
    }

    #[test]
    fn the_version_and_the_linked_prompt_parse_from_v2_and_legacy_rows() {
        let body = r#"{"data": [
            {"id": "a", "traceId": "t", "startTime": "2026-11-20T10:00:00Z", "version": "2.4.0",
             "promptId": "p-1", "promptName": "matchmaker-opening", "promptVersion": 3,
             "release": "cupid@1.8.1"},
            {"id": "b", "traceId": "t", "startTime": "2026-11-20T10:00:00Z", "version": null,
             "promptName": null, "promptVersion": null}
        ], "meta": {}}"#;
        let page: CursorPage<Observation> = serde_json::from_str(body).unwrap();
        let first = &page.data[0];
        assert_eq!(first.version.as_deref(), Some("2.4.0"));
        assert_eq!(first.prompt_name.as_deref(), Some("matchmaker-opening"));
        assert_eq!(first.prompt_version, Some(Value::from(3)));
        assert_eq!(first.release.as_deref(), Some("cupid@1.8.1"));
        assert_eq!(page.data[1].prompt_version, None);
    }

    #[test]
    fn unknown_types_levels_and_fields_do_not_break_parsing() {
        let body = r#"{"data": [
            {"id": "a", "traceId": "t", "startTime": "2026-11-20T10:00:00Z", "endTime": null,
             "projectId": "p", "parentObservationId": null, "type": "QUANTUM_ORACLE",
             "level": "CATASTROPHIC", "someFutureField": {"x": [1, 2]},
             "modelId": null, "inputPrice": null, "outputPrice": null, "totalPrice": null}
        ], "meta": {}}"#;
        let page: CursorPage<Observation> = serde_json::from_str(body).unwrap();
        assert_eq!(page.meta.cursor, None);
        assert_eq!(
            page.data[0].observation_type.as_deref(),
            Some("QUANTUM_ORACLE")
        );
    }

    #[test]
    fn a_legacy_observation_names_its_model_under_model() {
        let body = r#"{"data": [{"id": "a", "traceId": "t", "type": "GENERATION", "name": null,
            "startTime": "2026-11-20T10:00:00.000Z", "endTime": null, "completionStartTime": null,
            "model": "claude-haiku-4", "modelParameters": null, "input": {"a": 1}, "version": null,
            "metadata": null, "output": null, "usage": {"input": 1}, "level": "DEFAULT",
            "statusMessage": null, "parentObservationId": null, "promptId": null,
            "usageDetails": {"input": 1}, "costDetails": {}, "environment": "default",
            "calculatedTotalCost": 0.5, "latency": null}],
            "meta": {"page": 1, "limit": 100, "totalItems": 1, "totalPages": 1}}"#;
        let page: NumberedPage<Observation> = serde_json::from_str(body).unwrap();
        assert_eq!(page.meta.total_pages, 1);
        assert_eq!(page.data[0].model_name(), Some("claude-haiku-4"));
    }

    #[test]
    fn the_model_comes_under_model_or_provided_model_name_and_both_parse() {
        let body = r#"{"data": [
            {"id": "a", "traceId": "t", "startTime": "2026-11-20T10:00:00Z", "model": "gpt-4o"},
            {"id": "b", "traceId": "t", "startTime": "2026-11-20T10:00:00Z",
             "providedModelName": "claude-haiku-4"},
            {"id": "c", "traceId": "t", "startTime": "2026-11-20T10:00:00Z",
             "model": "", "providedModelName": "gpt-4o-mini"}
        ], "meta": {}}"#;
        let page: CursorPage<Observation> = serde_json::from_str(body).unwrap();
        let models: Vec<Option<&str>> = page.data.iter().map(Observation::model_name).collect();
        assert_eq!(
            models,
            [Some("gpt-4o"), Some("claude-haiku-4"), Some("gpt-4o-mini")]
        );
    }

    #[test]
    fn v3_scores_of_every_data_type_parse() {
        let body = r#"{"data": [
          {"id": "s1", "projectId": "p", "name": "match_quality", "source": "API",
           "timestamp": "2026-11-20T10:00:00.000Z", "environment": "default",
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
           "dataType": "NUMERIC", "value": 0.75, "subject": {"kind": "session", "id": "game-1"}},
          {"id": "s2", "projectId": "p", "name": "win", "source": "EVAL",
           "timestamp": "2026-11-20T10:00:00.000Z", "environment": "default",
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
           "dataType": "BOOLEAN", "value": true,
           "subject": {"kind": "observation", "id": "o1", "traceId": "t1"}},
          {"id": "s3", "projectId": "p", "name": "match_outcome", "source": "API",
           "timestamp": "2026-11-20T10:00:00.000Z", "environment": "default",
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
           "dataType": "CATEGORICAL", "value": "match"},
          {"id": "s4", "projectId": "p", "name": "notes", "source": "ANNOTATION",
           "timestamp": "2026-11-20T10:00:00.000Z", "environment": "default",
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
           "dataType": "TEXT", "value": "fine", "subject": {"kind": "experiment", "id": "x"}},
          {"id": "s5", "projectId": "p", "name": "fix", "source": "ANNOTATION",
           "timestamp": "2026-11-20T10:00:00.000Z", "environment": "default",
           "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
           "dataType": "CORRECTION", "value": "better"}
        ], "meta": {"limit": 100}}"#;
        let page: CursorPage<Score> = serde_json::from_str(body).unwrap();
        assert_eq!(page.data.len(), 5);
        assert_eq!(
            page.data[1].subject.as_ref().unwrap().trace_id.as_deref(),
            Some("t1")
        );
    }

    #[test]
    fn a_row_without_an_id_makes_the_page_malformed() {
        let body =
            r#"{"data": [{"traceId": "t", "startTime": "2026-11-20T10:00:00Z"}], "meta": {}}"#;
        let error = serde_json::from_str::<CursorPage<Observation>>(body).unwrap_err();
        assert!(error.to_string().contains("id"), "{error}");
    }
}
