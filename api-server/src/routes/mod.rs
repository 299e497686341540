//! The HTTP handlers, one module per resource: each parses its request
//! (`crate::params`), reads through `crate::db` and answers with
//! `crate::wire` types. Route modules never import each other; this module
//! only wires them up.

pub mod agents;
pub mod alerts;
pub mod compare;
pub mod distributions;
pub mod environments;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod outcomes;
pub mod overview;
pub mod scores;
pub mod sessions;
pub mod sync;
pub mod traces;
pub mod versions;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route; the OpenAPI document is collected from here.
pub fn configure_routes(config: &mut ServiceConfig) {
    config
        .service(health::get_health)
        .service(openapi::get_openapi)
        .service(sync::get_sync_status)
        .service(sync::trigger_sync)
        .service(environments::get_environments)
        .service(overview::get_overview)
        .service(metrics::get_daily_metrics)
        .service(sessions::get_sessions)
        .service(sessions::get_session)
        .service(traces::get_trace)
        .service(agents::get_agents)
        .service(agents::get_agent)
        .service(models::get_models)
        .service(models::get_model_daily)
        .service(scores::get_scores)
        .service(outcomes::get_outcomes)
        .service(errors::get_errors)
        .service(distributions::get_session_distributions)
        .service(compare::get_agent_comparison)
        .service(alerts::get_alerts)
        .service(versions::get_versions);
}
