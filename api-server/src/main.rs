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

/// mimalloc, not glibc's malloc. Requests run on blocking threads, and
/// glibc's arenas either grew resident memory (one arena per thread) or,
/// capped at two, made the threads queue on their locks. glibc's malloc
/// and free took a fifth of the CPU of `GET /api/errors`, whose groups
/// allocate per observation (docs/BENCHMARKS.md, sixteenth step).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Options of mimalloc 3 by their number in its `mi_option_e`
/// (`mimalloc.h`), which libmimalloc-sys does not name.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// With its defaults mimalloc tripled the server's peak resident memory
/// under load: its arenas, committed whole, were backed by transparent
/// huge pages, and freed pages went back to the system only after a
/// delay. Without huge pages, committing on demand and returning pages at
/// once, the peak stays under the 100-MB aim of docs/BENCHMARKS.md.
fn keep_resident_memory_small() {
    // SAFETY: prctl sets a flag of this process, and mi_option_set records
    // an option's value; neither touches memory of ours.
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    keep_resident_memory_small();
    // SAFETY: no thread has started yet.
    if !unsafe { api_server::db::database::configure_sqlite_process() } {
        eprintln!("api-server: SQLite started before its settings were made; reads run slower");
    }
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
