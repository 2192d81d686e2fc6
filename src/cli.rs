//! The `breakwater` command line: the server and the commands scripts use. Like the HTTP app it
//! composes the layers below it; domain work runs on a job thread with the server's stack size.

mod access;

use crate::server::access::sign_in::first_admin_link;
use crate::server::import::{self, SpecDir};
use crate::server::plans::{self, Base, Save, StagesReport};
use crate::server::store::{Store, StoreError};
use crate::server::work::{self, Workers};
use crate::server::{AppState, Settings};
use crate::wire::contracts::CandidateRequest;
use crate::wire::ApiError;
use breakwater_domain::calendar::document as calendar_document;
use breakwater_domain::calendar::schedule::{self as calendar_schedule, Rollout};
use breakwater_domain::calendar::{Calendar, Target};
use breakwater_domain::catalog::{self, Catalog, SpecSource};
use breakwater_domain::compatibility::{Histories, ServiceVerdict};
use breakwater_domain::contract::deploy::CellStatus;
use breakwater_domain::contract::{self, ContractKind, Finding, Mode, Report};
use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::plan::{self as planning, Plan, Step};
use clap::{Parser, Subcommand};
use include_dir::{include_dir, Dir};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The demo catalog a fresh database is seeded with.
static DEMO_CATALOG: Dir = include_dir!("$CARGO_MANIFEST_DIR/demo/boutique");

#[derive(Parser)]
#[command(
    name = "breakwater",
    version,
    about = "Dependency-aware rollout orchestrator"
)]
pub struct Cli {
    /// Database URL (`sqlite://path/to/file.db`).
    #[arg(
        long,
        global = true,
        env = "BREAKWATER_DATABASE_URL",
        default_value = "sqlite://data/breakwater.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app.
    Serve {
        #[arg(long, env = "BREAKWATER_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Do not import the demo catalog into an empty database.
        #[arg(long)]
        no_seed: bool,
        /// Run the built-in traffic simulator (the demo does).
        #[arg(long, env = "BREAKWATER_SIMULATE")]
        simulate: bool,
        /// How often the executor evaluates running steps, in milliseconds.
        #[arg(long, env = "BREAKWATER_EVALUATE_EVERY_MS", default_value_t = 5000,
              value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
        evaluate_every_ms: u64,
        /// How long metric buckets are kept, in hours.
        #[arg(long, env = "BREAKWATER_METRICS_RETENTION_HOURS", default_value_t = 168,
              value_parser = clap::value_parser!(u64).range(1..=8760))]
        metrics_retention_hours: u64,
    },
    /// Validate, import and export service catalogs.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Compare contract versions.
    Contracts {
        #[command(subcommand)]
        command: ContractsCommand,
    },
    /// Check, import, export and list rollout plans.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Ask the cadence calendar: may a service activate at a time, when are a plan's stages.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Add users, list them, change their roles, disable them.
    User {
        #[command(subcommand)]
        command: access::UserCommand,
    },
    /// Create, list and revoke API tokens.
    Token {
        #[command(subcommand)]
        command: access::TokenCommand,
    },
    /// Export the audit trail.
    Audit {
        #[command(subcommand)]
        command: access::AuditCommand,
    },
    /// Can this version of a service be deployed without breaking a consumer?
    /// Exit 0 when it can, 1 when a consumer would break, 2 on a usage or input error.
    CanIDeploy {
        #[arg(long)]
        service: String,
        #[arg(long)]
        version: String,
        /// The contract the spec is for (when the service provides several).
        #[arg(long)]
        contract: Option<String>,
        /// The candidate spec; without it, the stored contract version `--version` is used.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Check against this catalog file instead of the database.
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Override the contract's compatibility mode.
        #[arg(long)]
        mode: Option<Mode>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ContractsCommand {
    /// Compare two versions of a contract. Exit 0 when compatible, 1 when breaking, 2 on a
    /// usage or parse error.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = KindArg::Auto)]
        kind: KindArg,
        #[arg(long, default_value = "backward")]
        mode: Mode,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Auto,
    Openapi,
    JsonSchema,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Plan a change set and print its stages, their explanations and every problem. Exit 0
    /// when there is no error, 1 when there are errors, 2 on a usage or parse error.
    Check {
        file: PathBuf,
        /// Plan against this catalog file instead of the current catalog in the database.
        #[arg(long)]
        catalog: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Validate a plan against the current catalog and store it as the plan's next revision.
    /// Exit 1, storing nothing, when it is refused.
    Import {
        file: PathBuf,
        /// Who saves it (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Print a plan's latest revision as a self-contained plan file (documents inline).
    Export { name: String },
    /// List the stored plans, the most recently changed first.
    List,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// May a service (in a region) activate at a time? Prints {"allowed", "rules",
    /// "next_allowed"}; exit 0 when allowed, 1 when not, 2 on a usage or parse error.
    Check {
        calendar: PathBuf,
        /// RFC 3339, e.g. 2026-12-18T16:00:00Z.
        #[arg(long)]
        at: String,
        /// The service (its team and tier come from the catalog).
        #[arg(long)]
        service: Option<String>,
        #[arg(long)]
        region: Option<String>,
        /// The catalog file to read the service from, instead of the database.
        #[arg(long)]
        catalog: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Place a plan's stages on the calendar from a time: each stage's activation, monitoring
    /// span and go / no-go point. Exit 0 when every stage is placed, 1 when not, 2 on errors.
    Schedule {
        plan: PathBuf,
        #[arg(long)]
        calendar: PathBuf,
        /// RFC 3339: not before this time.
        #[arg(long)]
        from: String,
        /// Plan against this catalog file instead of the current catalog in the database.
        #[arg(long)]
        catalog: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Validate a catalog file and print every problem; exit 1 when it has errors.
    Check { file: PathBuf },
    /// Validate and import a catalog file as the new current catalog.
    Import { file: PathBuf },
    /// Print the current catalog as self-contained YAML (specs inline).
    Export,
}

/// Why a command could not do its work (exit status 2); "the answer is no" is exit status 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("cannot open the database {url}: {source}")]
    Database { url: String, source: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    /// The input was refused (an invalid request, an unparsable spec, an invalid catalog).
    #[error("{0}")]
    Refused(String),
    #[error("the embedded demo catalog cannot be imported: {0}")]
    Demo(String),
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError::Refused(e.to_string())
    }
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

async fn execute(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Serve {
            addr,
            no_seed,
            simulate,
            evaluate_every_ms,
            metrics_retention_hours,
        } => {
            let settings = Settings {
                evaluate_every: Duration::from_millis(evaluate_every_ms),
                simulate,
                metrics_retention: Duration::from_secs(metrics_retention_hours * 3600),
                ..Settings::default()
            };
            serve(&cli.database, addr, !no_seed, settings).await
        }
        Command::User { command } => access::user(&cli.database, command).await,
        Command::Token { command } => access::token(&cli.database, command).await,
        Command::Audit { command } => access::audit(&cli.database, command).await,
        Command::Catalog { command } => match command {
            CatalogCommand::Check { file } => check(&file),
            CatalogCommand::Import { file } => import_file(&cli.database, &file).await,
            CatalogCommand::Export => export(&cli.database).await,
        },
        Command::Plan { command } => match command {
            PlanCommand::Check {
                file,
                catalog,
                format,
            } => plan_check(&cli.database, &file, catalog.as_deref(), format).await,
            PlanCommand::Import { file, by } => plan_import(&cli.database, &file, by).await,
            PlanCommand::Export { name } => plan_export(&cli.database, &name).await,
            PlanCommand::List => plan_list(&cli.database).await,
        },
        Command::Calendar { command } => match command {
            CalendarCommand::Check {
                calendar,
                at,
                service,
                region,
                catalog,
                format,
            } => {
                let target = (service, region);
                calendar_check(
                    &cli.database,
                    &calendar,
                    &at,
                    target,
                    catalog.as_deref(),
                    format,
                )
                .await
            }
            CalendarCommand::Schedule {
                plan,
                calendar,
                from,
                catalog,
                format,
            } => {
                calendar_schedule(
                    &cli.database,
                    &plan,
                    &calendar,
                    &from,
                    catalog.as_deref(),
                    format,
                )
                .await
            }
        },
        Command::Contracts {
            command:
                ContractsCommand::Diff {
                    old,
                    new,
                    kind,
                    mode,
                    format,
                },
        } => contracts_diff(&old, &new, kind, mode, format),
        Command::CanIDeploy {
            service,
            version,
            contract,
            spec,
            catalog,
            mode,
            format,
        } => {
            let request = CandidateRequest {
                service,
                version,
                contract,
                document: spec.as_deref().map(read_file).transpose()?,
                mode,
            };
            run_can_i_deploy(&cli.database, catalog.as_deref(), request, format).await
        }
    }
}

async fn open_store(url: &str) -> Result<Store, CliError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| CliError::File {
                path: parent.to_path_buf(),
                reason: format!("cannot create the folder: {e}"),
            })?;
        }
    }
    Store::open(url).await.map_err(|source| CliError::Database {
        url: url.to_string(),
        source,
    })
}

async fn serve(
    database: &str,
    addr: SocketAddr,
    seed: bool,
    settings: Settings,
) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    if seed && store.latest_revision_id().await?.is_none() {
        let text = DEMO_CATALOG
            .get_file("catalog.yaml")
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| CliError::Demo("catalog.yaml is missing".into()))?;
        let outcome = import::validate_and_store(
            &store,
            &Workers::new(1),
            text.to_string(),
            EmbeddedSpecs,
            "demo: online boutique",
            "seed",
        )
        .await
        .map_err(|e| CliError::Demo(e.to_string()))?;
        if outcome.revision.is_none() {
            return Err(CliError::Demo(format!("{:?}", outcome.problems)));
        }
        seed_demo_plan(&store).await?;
        seed_demo_calendar(&store).await?;
        tracing::info!("seeded the database with the demo catalog, its rollout plan and calendar");
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| CliError::Listen { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| CliError::Listen { addr, source })?;
    let state = AppState::with_settings(store.clone(), crate::app::leptos_options(local), settings);
    state.start_background();
    // Checks that did not finish before the last stop run again, without delaying the first page,
    // on the same job slots as the requests.
    let (checking, workers) = (store.clone(), state.workers.clone());
    let app = crate::app::router(state.clone());
    tokio::spawn(async move {
        if let Err(e) = crate::server::compat::check_current_revision(&checking, &workers).await {
            tracing::error!(%e, "checking the current revision's contracts failed");
        }
    });
    println!("Breakwater is listening on http://{local}");
    if let Some(link) = first_admin_link(&state, &format!("http://{local}")).await? {
        println!("No user exists yet. Create the first admin (this link works once): {link}");
    }
    crate::app::serve(listener, app, crate::app::shutdown_signal())
        .await
        .map_err(CliError::Serve)?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The demo's rollout plan (`demo/boutique/plan.yaml`), so a newcomer finds a plan to open.
async fn seed_demo_plan(store: &Store) -> Result<(), CliError> {
    let text = DEMO_CATALOG
        .get_file("plan.yaml")
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| CliError::Demo("plan.yaml is missing".into()))?;
    let save = Save {
        base: Base::New,
        name: None,
        author: "seed",
    };
    let outcome = plans::save_text(
        store,
        &Workers::new(1),
        text.to_string(),
        EmbeddedSpecs,
        save,
    )
    .await
    .map_err(|e| CliError::Demo(e.to_string()))?;
    match outcome.saved {
        Some(_) => Ok(()),
        None => Err(CliError::Demo(format!("{:?}", outcome.problems))),
    }
}

/// The demo's cadence calendar (`demo/boutique/calendar.yaml`), unless one was saved already.
async fn seed_demo_calendar(store: &Store) -> Result<(), CliError> {
    let text = DEMO_CATALOG
        .get_file("calendar.yaml")
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| CliError::Demo("calendar.yaml is missing".into()))?;
    if store.calendar_revision().await?.is_some() {
        return Ok(());
    }
    let loaded = calendar_document::load(text);
    if !loaded.is_ok() {
        return Err(CliError::Demo(format!("{:?}", loaded.problems)));
    }
    let at = crate::server::clock::Clock::system().stamp();
    store
        .insert_calendar_revision(text, None, "seed", &at)
        .await?;
    Ok(())
}

struct EmbeddedSpecs;

impl SpecSource for EmbeddedSpecs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        DEMO_CATALOG
            .get_file(path)
            .and_then(|f| f.contents_utf8())
            .map(str::to_string)
            .ok_or_else(|| format!("'{path}' is not in the demo catalog"))
    }
}

/// A catalog, plan or spec file, refused over the 10 MB every one of them is limited to.
fn read_file(file: &Path) -> Result<String, CliError> {
    let fail = |reason: String| CliError::File {
        path: file.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(file).map_err(|e| fail(e.to_string()))?;
    if meta.len() as usize > catalog::MAX_CATALOG_BYTES {
        return Err(fail(format!(
            "{:.1} MB; files are limited to 10 MB",
            meta.len() as f64 / 1e6
        )));
    }
    std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))
}

/// Runs domain work on a job thread (the stack the engines' depth limits were chosen for).
fn on_job_thread<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CliError> {
    work::run_now(job).map_err(CliError::Refused)
}

fn load_file(file: &Path) -> Result<catalog::Loaded, CliError> {
    let text = read_file(file)?;
    let mut specs = SpecDir::beside(file);
    on_job_thread(move || catalog::load(&text, &mut specs))
}

/// Catalog or plan problems, one a line, after the file's name.
fn print_problems(file: &Path, problems: &[impl std::fmt::Display]) {
    for problem in problems {
        println!("{}: {problem}", file.display());
    }
}

fn check(file: &Path) -> Result<ExitCode, CliError> {
    let loaded = load_file(file)?;
    print_problems(file, &loaded.problems);
    if loaded.is_valid() {
        let services = loaded.catalog.map_or(0, |c| c.services.len());
        println!("{}: valid ({services} services)", file.display());
        Ok(ExitCode::SUCCESS)
    } else {
        let errors = loaded.problems.iter().filter(|p| p.is_error()).count();
        println!("{}: invalid ({errors} errors)", file.display());
        Ok(ExitCode::from(1))
    }
}

async fn import_file(database: &str, file: &Path) -> Result<ExitCode, CliError> {
    let text = read_file(file)?;
    let store = open_store(database).await?;
    let by = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    let outcome = import::validate_and_store(
        &store,
        &Workers::new(1),
        text,
        SpecDir::beside(file),
        &file.display().to_string(),
        &by,
    )
    .await?;
    print_problems(file, &outcome.problems);
    match outcome.revision {
        Some(revision) => {
            println!("imported {} as revision {}", file.display(), revision.id);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!(
                "{}: not imported; the current catalog is unchanged",
                file.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

async fn export(database: &str) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    match store.current_catalog().await? {
        Some((_, catalog)) => {
            print!("{}", catalog.to_yaml());
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::Refused("no catalog has been imported yet".into())),
    }
}

fn contracts_diff(
    old: &Path,
    new: &Path,
    kind: KindArg,
    mode: Mode,
    format: Format,
) -> Result<ExitCode, CliError> {
    let (old_text, new_text) = (read_file(old)?, read_file(new)?);
    let (old, new) = (old.to_path_buf(), new.to_path_buf());
    let report = on_job_thread(move || -> Result<Report, CliError> {
        let parse = |file: &Path, text: &str| {
            contract::parse_document(text).map_err(|e| CliError::File {
                path: file.to_path_buf(),
                reason: e.to_string(),
            })
        };
        let (old_doc, new_doc) = (parse(&old, &old_text)?, parse(&new, &new_text)?);
        let kind = match kind {
            KindArg::Openapi => ContractKind::OpenApi,
            KindArg::JsonSchema => ContractKind::JsonSchema,
            KindArg::Auto => {
                let (a, b) = (
                    ContractKind::detect(&old_doc),
                    ContractKind::detect(&new_doc),
                );
                if a != b {
                    return Err(CliError::Refused(format!(
                        "{} looks like {a} but {} like {b}; pass --kind",
                        old.display(),
                        new.display()
                    )));
                }
                a
            }
        };
        let earlier = [old_doc];
        match kind {
            ContractKind::OpenApi => contract::openapi::check(&earlier, &new_doc, mode),
            ContractKind::JsonSchema => contract::json_schema::check(&earlier, &new_doc, mode),
        }
        .map_err(|e| CliError::Refused(e.to_string()))
    })??;
    match format {
        Format::Json => println!("{}", report_json(&report)),
        Format::Text => print_report(&report),
    }
    Ok(if report.compatible {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `{"compatible", "kind", "mode", "changes": [{"code", "level", "path", "message", "operation"?}]}`
fn report_json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "compatible": report.compatible,
        "kind": report.kind,
        "mode": report.mode,
        "changes": report.findings,
    })
}

fn print_findings(findings: &[Finding], indent: &str) {
    for f in findings {
        let operation = f
            .operation
            .as_deref()
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        println!(
            "{indent}{:<9} {}{operation} at {}\n{indent}          {}",
            f.level.as_str().to_uppercase(),
            f.code,
            f.path,
            f.message
        );
    }
}

fn print_report(report: &Report) {
    print_findings(&report.findings, "");
    let breaking = report
        .findings
        .iter()
        .filter(|f| f.level == contract::Level::Breaking)
        .count();
    let verdict = if report.compatible {
        "compatible"
    } else {
        "NOT compatible"
    };
    println!(
        "{verdict} ({} {}): {} changes, {breaking} breaking",
        report.kind,
        report.mode,
        report.findings.len()
    );
}

/// The catalog a check runs against: a catalog file (its contracts' only versions are the
/// ones it names) or the current catalog in the database with every stored version.
async fn catalog_for_check(
    database: &str,
    catalog_file: Option<&Path>,
) -> Result<(Catalog, Histories), CliError> {
    match catalog_file {
        Some(file) => {
            let loaded = load_file(file)?;
            match (loaded.is_valid(), loaded.catalog) {
                (true, Some(catalog)) => Ok((catalog, Histories::new())),
                _ => {
                    print_problems(file, &loaded.problems);
                    Err(CliError::Refused(format!(
                        "{} is not a valid catalog",
                        file.display()
                    )))
                }
            }
        }
        None => {
            let store = open_store(database).await?;
            let (_, catalog) = store.current_catalog().await?.ok_or_else(|| {
                CliError::Refused("no catalog has been imported yet; pass --catalog FILE".into())
            })?;
            Ok((catalog, store.contract_histories().await?))
        }
    }
}

/// A calendar file, or every problem printed and a refusal (exit 2).
fn load_calendar(file: &Path) -> Result<Calendar, CliError> {
    let text = read_file(file)?;
    let loaded = on_job_thread(move || calendar_document::load(&text))?;
    print_problems(file, &loaded.problems);
    match (loaded.is_ok(), loaded.calendar) {
        (true, Some(calendar)) => Ok(calendar),
        _ => Err(CliError::Refused(format!(
            "{} is not a valid calendar",
            file.display()
        ))),
    }
}

async fn calendar_check(
    database: &str,
    file: &Path,
    at: &str,
    (service, region): (Option<String>, Option<String>),
    catalog_file: Option<&Path>,
    format: Format,
) -> Result<ExitCode, CliError> {
    let at = crate::server::calendar::parse_instant(at)?;
    let calendar = load_calendar(file)?;
    let target = match &service {
        Some(id) => {
            let (catalog, _) = catalog_for_check(database, catalog_file).await?;
            let service = catalog
                .services
                .iter()
                .find(|s| s.id == *id)
                .ok_or_else(|| {
                    CliError::Refused(format!("service '{id}' is not in the catalog"))
                })?;
            Target::of(service, region.as_deref())
        }
        None => Target {
            service: String::new(),
            team: String::new(),
            tier: catalog::Tier::Standard,
            regions: region.into_iter().collect(),
        },
    };
    let decision = on_job_thread(move || calendar.check(at, &target))?;
    let allowed = decision.allowed;
    let answer = crate::server::calendar::answer(decision);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&answer).expect("answers serialise")
        ),
        Format::Text => {
            let verdict = if allowed { "allowed" } else { "not allowed" };
            println!("{verdict}: {}", answer.reason);
            if let (false, Some(next)) = (allowed, &answer.next_allowed) {
                println!("next allowed: {next}");
            }
        }
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn calendar_schedule(
    database: &str,
    plan_file: &Path,
    calendar_file: &Path,
    from: &str,
    catalog_file: Option<&Path>,
    format: Format,
) -> Result<ExitCode, CliError> {
    let from = crate::server::calendar::parse_instant(from)?;
    let calendar = load_calendar(calendar_file)?;
    let text = read_file(plan_file)?;
    let (catalog, histories) = catalog_for_check(database, catalog_file).await?;
    let mut specs = SpecDir::beside(plan_file);
    let computed = on_job_thread(move || {
        let loaded = planning::load(&text, &mut specs);
        let spec = loaded.spec.ok_or(loaded.problems.clone())?;
        let (_, plan) = plans::compute(&catalog, &histories, &spec, loaded.problems);
        if plan.has_errors() {
            return Err(plan.problems);
        }
        let rollout = Rollout {
            plan: &plan.name,
            revision: 0,
            stages: &plan.stages,
            from,
            progress: None,
        };
        Ok(calendar_schedule::schedule(
            &calendar,
            &catalog,
            &[rollout],
            from,
        ))
    })?;
    let schedule = match computed {
        Ok(schedule) => schedule,
        Err(problems) => {
            print_problems(plan_file, &problems);
            return Err(CliError::Refused(format!(
                "{} cannot be planned",
                plan_file.display()
            )));
        }
    };
    let placed = schedule.plans.iter().all(|p| p.unscheduled.is_none());
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&schedule).expect("schedules serialise")
        ),
        Format::Text => print_schedule(&schedule),
    }
    Ok(if placed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_schedule(schedule: &calendar_schedule::Schedule) {
    use breakwater_domain::calendar::rfc3339;
    for plan in &schedule.plans {
        for slot in &plan.stages {
            println!(
                "stage {} ({}): activation {}, monitoring until {}, go / no-go {}",
                slot.stage,
                slot.services.join(", "),
                rfc3339(slot.activation),
                rfc3339(slot.monitoring.end),
                rfc3339(slot.evaluation)
            );
            for region in &slot.regions {
                println!(
                    "  {}: activation {}, monitoring until {}",
                    region.region.as_deref().unwrap_or("all regions"),
                    rfc3339(region.activation),
                    rfc3339(region.monitoring.end)
                );
            }
        }
        if let Some(why) = &plan.unscheduled {
            println!("not scheduled: {why}");
        }
    }
    for conflict in &schedule.conflicts {
        println!("conflict [{}]: {}", conflict.code, conflict.message);
    }
}

async fn run_can_i_deploy(
    database: &str,
    catalog_file: Option<&Path>,
    request: CandidateRequest,
    format: Format,
) -> Result<ExitCode, CliError> {
    let (catalog, histories) = catalog_for_check(database, catalog_file).await?;
    let request = request.validate()?;
    let verdict = on_job_thread(move || {
        crate::server::compat::verdict_against(&catalog, &histories, request)
    })??;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&verdict).expect("verdicts serialise")
        ),
        Format::Text => print_verdict(&verdict),
    }
    Ok(if verdict.deployable {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_verdict(verdict: &ServiceVerdict) {
    for v in &verdict.verdicts {
        let from = v.from_version.as_deref().unwrap_or("(none)");
        println!("{} {from} -> {} ({}):", v.contract, v.to_version, v.mode);
        for consumer in &v.consumers {
            let status = match consumer.status {
                CellStatus::Compatible => "ok",
                CellStatus::Warning => "WARNING",
                CellStatus::Breaking => "BREAKS",
                CellStatus::Unknown => "unknown",
            };
            println!("  {status:<8} {}", consumer.consumer);
            let shown: Vec<Finding> = consumer
                .findings
                .iter()
                .filter(|f| f.level != contract::Level::Info)
                .cloned()
                .collect();
            print_findings(&shown, "           ");
        }
        if !v.unused_breaking.is_empty() {
            println!("  breaking changes no consumer uses (not blocking):");
            print_findings(&v.unused_breaking, "           ");
        }
    }
    let answer = if verdict.deployable { "yes" } else { "NO" };
    println!(
        "can {} deploy version {}? {answer}",
        verdict.service, verdict.version
    );
}

async fn plan_check(
    database: &str,
    file: &Path,
    catalog_file: Option<&Path>,
    format: Format,
) -> Result<ExitCode, CliError> {
    let text = read_file(file)?;
    let (catalog, histories) = catalog_for_check(database, catalog_file).await?;
    let mut specs = SpecDir::beside(file);
    let (plan, problems) = on_job_thread(move || {
        let loaded = planning::load(&text, &mut specs);
        match loaded.spec {
            Some(spec) => {
                let (_, plan) = plans::compute(&catalog, &histories, &spec, loaded.problems);
                let problems = plan.problems.clone();
                (Some(plan), problems)
            }
            None => (None, loaded.problems),
        }
    })?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&StagesReport::of(plan.as_ref(), &problems))
                .expect("plans serialise")
        ),
        Format::Text => {
            if let Some(plan) = &plan {
                print_stages(plan);
            }
            print_problems(file, &problems);
        }
    }
    Ok(match plan {
        // The file is not a plan at all (not YAML, too large or too deep).
        None => ExitCode::from(2),
        Some(plan) if plan.has_errors() => ExitCode::from(1),
        Some(_) => ExitCode::SUCCESS,
    })
}

fn print_stages(plan: &Plan) {
    for stage in &plan.stages {
        let coordinated = if stage.coordinated {
            " (coordinated: switch together behind a flag)"
        } else {
            ""
        };
        println!(
            "Stage {}: {}{coordinated}, about {}",
            stage.index,
            stage.services.join(", "),
            format_duration(stage.estimated_secs)
        );
        for (service, region, steps) in steps_by_service_and_region(&stage.steps) {
            let place = region.map(|r| format!(" in {r}")).unwrap_or_default();
            println!("  {service}{place}: {}", exposure(steps));
        }
        let tiers = stage.blast_by_tier;
        let radius = if stage.blast_radius.is_empty() {
            "none".to_string()
        } else {
            format!(
                "{} ({} critical, {} standard, {} low)",
                stage.blast_radius.join(", "),
                tiers.critical,
                tiers.standard,
                tiers.low
            )
        };
        println!("  blast radius: {radius}");
        println!(
            "  rollback order: {}; on a failed gate: {}",
            stage.rollback_order.join(", "),
            stage.on_failure.as_str()
        );
        for explanation in &stage.explanations {
            println!("  - {}", explanation.text);
        }
    }
    let services: usize = plan.stages.iter().map(|s| s.services.len()).sum();
    let errors = plan.problems.iter().filter(|p| p.is_error()).count();
    println!(
        "{}: {} stages, {services} services, about {}; {errors} errors, {} warnings",
        plan.name,
        plan.stages.len(),
        format_duration(plan.estimated_secs),
        plan.problems.len() - errors
    );
}

/// A stage's steps, grouped by service and region (they come in that order).
fn steps_by_service_and_region(steps: &[Step]) -> Vec<(&str, Option<&str>, &[Step])> {
    steps
        .chunk_by(|a, b| a.service == b.service && a.region == b.region)
        .map(|group| (group[0].service.as_str(), group[0].region.as_deref(), group))
        .collect()
}

/// "1% → 5% → 100%, 10m bake per step", or each step's bake when they differ.
fn exposure(steps: &[Step]) -> String {
    let same_bake = steps.windows(2).all(|w| w[0].bake_secs == w[1].bake_secs);
    let percents: Vec<String> = steps
        .iter()
        .map(|s| match same_bake {
            true => format!("{}%", s.percent),
            false => format!("{}% ({})", s.percent, format_duration(s.bake_secs)),
        })
        .collect();
    match (same_bake, steps.first()) {
        (true, Some(first)) => format!(
            "{}, {} bake per step",
            percents.join(" → "),
            format_duration(first.bake_secs)
        ),
        _ => percents.join(" → "),
    }
}

/// `1h 30m`, `10m`, `45s`.
async fn plan_import(
    database: &str,
    file: &Path,
    by: Option<String>,
) -> Result<ExitCode, CliError> {
    let text = read_file(file)?;
    let store = open_store(database).await?;
    let by = by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into());
    let save = Save {
        base: Base::Any,
        name: None,
        author: &by,
    };
    let outcome =
        plans::save_text(&store, &Workers::new(1), text, SpecDir::beside(file), save).await?;
    print_problems(file, &outcome.problems);
    match outcome.saved {
        Some(saved) => {
            println!(
                "imported plan {} as revision {} ({} stages, {} errors, {} warnings)",
                saved.name,
                saved.revision,
                saved.stage_count,
                saved.error_count,
                saved.warning_count
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("{}: not imported; nothing was saved", file.display());
            Ok(ExitCode::from(1))
        }
    }
}

async fn plan_export(database: &str, name: &str) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    print!("{}", plans::export(&store, name).await?);
    Ok(ExitCode::SUCCESS)
}

async fn plan_list(database: &str) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    let summaries = store.plan_summaries().await?;
    if summaries.is_empty() {
        println!("no plans yet: `breakwater plan import PLAN.yaml` stores one");
    }
    for plan in summaries {
        println!(
            "{:<30} {:<10} revision {:<4} {} by {}: {} stages, {} services, {} errors, {} warnings",
            plan.name,
            plan.state.label(),
            plan.revision,
            plan.updated_at,
            plan.author,
            plan.stage_count,
            plan.service_count,
            plan.error_count,
            plan.warning_count
        );
    }
    Ok(ExitCode::SUCCESS)
}
