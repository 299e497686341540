use std::path::PathBuf;
use std::process::ExitCode;

use api_server::configuration::get_configuration;
use api_server::startup::Application;
use clap::Parser;

/// Serves the Cupid Dashboard's read-only API from the sync daemon's SQLite
/// database. Settings come from defaults, then `--config`, then the
/// environment (CUPID_DATABASE_PATH, CUPID_API_HOST, CUPID_API_PORT,
/// CUPID_SYNC_CONTROL_URL, CUPID_CORS_ORIGINS, CUPID_DATABASE_CONNECTIONS,
/// CUPID_LOG_FORMAT, RUST_LOG).
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML file with settings (environment variables override it).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print the OpenAPI document and exit.
    #[arg(long)]
    print_openapi: bool,
}

/// glibc gives each thread that allocates its own malloc arena, up to eight
/// per core, and each arena keeps what it has freed. The blocking threads
/// that run queries come and go under load, so the arenas, not the data,
/// grew the server's resident memory. Two arenas keep it flat; the
/// threads' work is SQLite's, which allocates little.
#[cfg(target_env = "gnu")]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(target_env = "gnu"))]
fn limit_malloc_arenas() {}

fn main() -> ExitCode {
    limit_malloc_arenas();
    serve()
}

#[actix_web::main]
async fn serve() -> ExitCode {
    let cli = Cli::parse();
    if cli.print_openapi {
        println!("{}", api_server::openapi::openapi_json());
        return ExitCode::SUCCESS;
    }
    let settings = match get_configuration(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("api-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    cupid_telemetry::init(settings.log_format, cupid_telemetry::Output::Stdout);
    let application = match Application::build(settings) {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(error = %error, "api-server could not start");
            return ExitCode::FAILURE;
        }
    };
    match application.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "api-server stopped with an error");
            ExitCode::FAILURE
        }
    }
}
