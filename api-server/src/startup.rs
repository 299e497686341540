//! Builds the HTTP server: the routes, CORS, request logging and the shared
//! state, with the OpenAPI document rendered before it serves.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::configuration::Settings;
use crate::db::Database;
use crate::db::errors::ErrorDays;
use crate::db::session_index::SessionIndex;
use crate::error::error_response;
use crate::openapi::openapi_json;
use crate::request_log::RequestSpan;
use crate::routes::configure_routes;
use crate::state::{AppState, ResponseCache};

async fn no_such_route(request: HttpRequest) -> HttpResponse {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route {} {}", request.method(), request.path()),
        None,
    )
}

fn cors(settings: &Settings) -> Cors {
    settings
        .cors_origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([header::CONTENT_TYPE, header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::CONTENT_DISPOSITION])
        .max_age(3_600)
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(settings: Settings) -> std::io::Result<Application> {
        let listener = TcpListener::bind((settings.api_host.as_str(), settings.api_port)).map_err(
            |error| {
                std::io::Error::new(
                    error.kind(),
                    format!(
                        "cannot listen on CUPID_API_HOST={:?} CUPID_API_PORT={}: {error}",
                        settings.api_host, settings.api_port
                    ),
                )
            },
        )?;
        let port = listener.local_addr()?.port();
        let http = reqwest::Client::builder()
            .build()
            .map_err(std::io::Error::other)?;
        let state = web::Data::new(AppState {
            database: Arc::new(
                Database::with_max_connections(
                    settings.database_path.clone(),
                    settings.database_connections,
                )
                .recording_statements(settings.statement_log.clone()),
            ),
            cache: Arc::new(ResponseCache::default()),
            error_days: Arc::new(ErrorDays::default()),
            session_index: Arc::new(SessionIndex::default()),
            http,
            sync_control_url: settings.sync_control_url.clone(),
            // Rendered before serving so that a broken document fails at start.
            openapi_json: openapi_json(),
        });
        tracing::info!(
            port,
            host = %settings.api_host,
            database = %settings.database_path.display(),
            "api-server listening"
        );
        let workers = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        let blocking_threads_per_worker = settings.database_connections.div_ceil(workers);
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(configure_routes)
                .split_for_parts();
            app.app_data(state.clone())
                .app_data(web::PathConfig::default().error_handler(|error, _| {
                    actix_web::error::InternalError::from_response(
                        error.to_string(),
                        error_response(
                            StatusCode::BAD_REQUEST,
                            "bad_request",
                            format!("malformed path: {error}"),
                            None,
                        ),
                    )
                    .into()
                }))
                .default_service(web::to(no_such_route))
                .wrap(cors(&settings))
                .wrap(TracingLogger::<RequestSpan>::new())
        })
        // Every query holds one of `database_connections` connections on a
        // blocking thread: with as many blocking threads in all as there are
        // connections, none waits for one. A request beyond them waits in
        // its worker's queue, served in arrival order by the next thread
        // to finish, where threads waiting on the pool were woken in no
        // order. The p99 under load and the peak RSS (a stack and a malloc
        // cache per thread) both fell (docs/BENCHMARKS.md, twenty-seventh
        // step); tokio's default allows 512 threads.
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads_per_worker)
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
