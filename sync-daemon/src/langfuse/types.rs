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
    #[serde(default, alias = "model")]
    pub provided_model_name: Option<String>,
    #[serde(default)]
    pub usage_details: Option<Map<String, Value>>,
    #[serde(default)]
    pub cost_details: Option<Map<String, Value>>,
    #[serde(default, alias = "calculatedTotalCost")]
    pub total_cost: Option<f64>,
    #[serde(default)]
    pub trace_name: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
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
}

/// `ScoreV3` with the `subject` field group.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub id: String,
    pub name: String,
    pub timestamp: DateTime<Utc>,
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
    #[serde(default)]
    pub environment: Option<String>,
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
        assert_eq!(observation.provided_model_name.as_deref(), Some("gpt-4o"));
        assert_eq!(observation.total_cost, Some(0.00045));
        assert_eq!(observation.tags.as_ref().unwrap().len(), 2);
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
    fn a_legacy_observation_uses_model_and_calculated_total_cost() {
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
        assert_eq!(
            page.data[0].provided_model_name.as_deref(),
            Some("claude-haiku-4")
        );
        assert_eq!(page.data[0].total_cost, Some(0.5));
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
           "dataType": "CATEGORICAL", "value": "match"}
        ], "meta": {"limit": 100}}"#;
        let page: CursorPage<Score> = serde_json::from_str(body).unwrap();
        assert_eq!(page.data.len(), 3);
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
