//! `breakwater user …`, `breakwater token …` and `breakwater audit export`: accounts and tokens
//! are managed by whoever has the database (the operator), and every change is audited as
//! theirs.

use super::{open_store, CliError};
use crate::server::access::accounts::{self, NewToken, NewUser};
use crate::server::access::{new_secret, Actor};
use crate::server::json_api::access::parse_since;
use crate::server::store::AuditFilter;
use crate::server::work::Workers;
use crate::wire::access::AuditEvent;
use breakwater_domain::access::Role;
use clap::Subcommand;
use std::io::{BufRead, Write};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a new password once, or reads one line from stdin.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A team whose services a service owner acts on (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Read the password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their roles and teams.
    List,
    /// Give a user another role (their sessions end).
    SetRole {
        name: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Disable a user: no more sign-ins, sessions end.
    Disable { name: String },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token; prints it once (only its digest is stored).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires: Option<u32>,
        /// Read the token from stdin (`bw_` and 43 base64url characters) instead of generating
        /// one: for a secret a CI system must know before the server starts.
        #[arg(long)]
        secret_stdin: bool,
    },
    /// List tokens: role, expiry, revocation, last use.
    List,
    /// Revoke a token: it stops working at once.
    Revoke { name: String },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Print the audit trail, oldest first.
    Export {
        /// RFC 3339 or a date (2026-11-28, midnight UTC).
        #[arg(long)]
        since: Option<String>,
        /// A kind (plan.save) or a family ending in '.' (plan.).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One line of stdin, without its line ending.
fn stdin_line(what: &str) -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Refused(format!("cannot read the {what} from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn user(database: &str, command: UserCommand) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    let actor = Actor::cli();
    match command {
        UserCommand::Add {
            name,
            role,
            teams,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                (stdin_line("password")?, false)
            } else {
                (new_secret(""), true)
            };
            let workers = Workers::new(1);
            let shown = password.clone();
            let new = NewUser {
                name: name.clone(),
                role,
                teams,
                password,
                only_if_first: false,
            };
            accounts::add_user(&store, &workers, &actor, now(), new).await?;
            println!("added user {name} ({role})");
            if generated {
                println!("password (shown once): {shown}");
            }
        }
        UserCommand::List => {
            for user in store.users().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.name,
                    user.role,
                    if user.teams.is_empty() {
                        "-".into()
                    } else {
                        user.teams.join(",")
                    },
                    if user.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::SetRole { name, role } => {
            accounts::set_role(&store, &actor, now(), &name, role).await?;
            println!("{name} is now {role}");
        }
        UserCommand::Disable { name } => {
            accounts::disable_user(&store, &actor, now(), &name).await?;
            println!("{name} is disabled");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn token(database: &str, command: TokenCommand) -> Result<ExitCode, CliError> {
    let store = open_store(database).await?;
    let actor = Actor::cli();
    match command {
        TokenCommand::Create {
            name,
            role,
            teams,
            expires,
            secret_stdin,
        } => {
            let secret = secret_stdin.then(|| stdin_line("token")).transpose()?;
            let brought = secret.is_some();
            let new = NewToken {
                name,
                role,
                teams,
                expires_in_days: expires,
                secret,
            };
            let (token, secret) = accounts::create_token(&store, &actor, now(), new).await?;
            if brought {
                println!("created token {} ({})", token.name, token.role);
            } else {
                // The token alone on stdout, so `TOKEN=$(breakwater token create …)` works.
                println!("{secret}");
                eprintln!(
                    "created token {} ({}); it is shown once, keep it now",
                    token.name, token.role
                );
            }
        }
        TokenCommand::List => {
            for token in store.tokens().await? {
                let state = match (&token.revoked_at, token.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) if at <= now() => "expired".into(),
                    (None, Some(at)) => {
                        format!("expires {}", breakwater_domain::calendar::rfc3339(at))
                    }
                    (None, None) => "never expires".into(),
                };
                let used = token.last_used_at.map_or("never used".into(), |at| {
                    format!("used {}", breakwater_domain::calendar::rfc3339(at))
                });
                println!("{}\t{}\t{state}\t{used}", token.name, token.role);
            }
        }
        TokenCommand::Revoke { name } => {
            accounts::revoke_token(&store, &actor, now(), &name).await?;
            println!("token {name} is revoked");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(database: &str, command: AuditCommand) -> Result<ExitCode, CliError> {
    let AuditCommand::Export {
        since,
        kind,
        format,
    } = command;
    let store = open_store(database).await?;
    let filter = AuditFilter {
        since: since.as_deref().map(parse_since).transpose()?.unwrap_or(0),
        kind,
        ..AuditFilter::default()
    };
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock, line: String| match writeln!(out, "{line}") {
        // A reader that stopped early (`| head`) has all it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(CliError::Refused(format!("cannot write: {e}"))),
        Ok(()) => Ok(true),
    };
    let header = "id,at,actor,via,address,kind,subject,outcome,before,after";
    let mut open = !matches!(format, ExportFormat::Csv) || write(&mut out, header.into())?;
    let mut after = 0;
    while open {
        let page = store.audit(&filter, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for event in &page {
            let line = match format {
                ExportFormat::Jsonl => {
                    serde_json::to_string(event).map_err(|e| CliError::Refused(e.to_string()))?
                }
                ExportFormat::Csv => csv_row(event),
            };
            open = open && write(&mut out, line)?;
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One CSV row (RFC 4180: fields with commas, quotes or line breaks are quoted).
fn csv_row(event: &AuditEvent) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    [
        event.id.to_string(),
        breakwater_domain::calendar::rfc3339(event.at),
        field(&event.actor),
        field(&event.via),
        field(&event.address),
        field(&event.kind),
        field(&event.subject),
        event.outcome.to_string(),
        field(event.before.as_deref().unwrap_or("")),
        field(event.after.as_deref().unwrap_or("")),
    ]
    .join(",")
}
