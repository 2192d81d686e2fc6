//! Persistence: the repository over sqlx. Everything the app stores goes through [`Store`], so a
//! Postgres backend can be added beside SQLite without touching the API or the domain. Catalogs
//! are here; plans in [`plans`].

mod access;
mod calendar;
mod metrics;
mod plans;
mod reviews;
mod runs;
mod share;

pub use access::{Account, AuditFilter, Credential, NewAuditEvent, TokenLookup};
pub use metrics::Wanted;
pub use plans::{NewPlanRevision, StoredPlanRevision};
pub use runs::{Appended, StoredEvaluation, StoredRun};
pub use share::ShareLookup;

use crate::wire::catalog::RevisionInfo;
use breakwater_domain::catalog::{
    Catalog, Contract, Dependency, DependencyKind, Problem, Service, Tier,
};
use breakwater_domain::compatibility::{Histories, Matrix};
use breakwater_domain::contract::{ContractKind, Mode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long a statement waits for another connection's write lock (another process, such as the
/// CLI importing while the server runs) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The write conflicts with what is stored (a changed contract under an old version, a plan
    /// saved on a revision that is no longer the latest); the message says how.
    #[error("{0}")]
    Conflict(String),
    /// The write names a plan that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The write is not allowed from the stored state (an approval of a draft).
    #[error("{0}")]
    Refused(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<StoreError> for crate::wire::ApiError {
    fn from(e: StoreError) -> Self {
        use crate::wire::ApiError;
        match e {
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Refused(message) => ApiError::Invalid(message),
            e => ApiError::internal(e),
        }
    }
}

/// Who imported which catalog, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub source: String,
    pub service_count: i64,
    pub warnings: Vec<Problem>,
}

impl Revision {
    pub fn info(&self) -> RevisionInfo {
        RevisionInfo {
            id: self.id,
            imported_at: self.imported_at.clone(),
            imported_by: self.imported_by.clone(),
            source: self.source.clone(),
            service_count: self.service_count,
            warning_count: self.warnings.len(),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// SQLite has one writer at a time: writers of this process queue here, in order, instead of
    /// failing with "database is locked".
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`),
    /// with WAL and foreign keys on, and applies the embedded migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // An in-memory database exists once per connection: keep exactly one.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Starts a write transaction: queued behind this process's other writers (hold the guard
    /// until it commits), and `BEGIN IMMEDIATE` so it holds the write lock from its first
    /// statement (a deferred transaction that read first could not upgrade once another
    /// connection had committed).
    async fn begin_write(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'static, sqlx::Sqlite>,
        ),
        StoreError,
    > {
        let turn = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((turn, tx))
    }

    /// Waits for the connections to finish their work and closes them (at shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Stores `catalog` as a new revision, atomically: on any error nothing is written.
    pub async fn insert_revision(
        &self,
        catalog: &Catalog,
        warnings: &[Problem],
        source: &str,
        imported_by: &str,
        imported_at: &str,
    ) -> Result<Revision, StoreError> {
        let warnings_json = serde_json::to_string(warnings).expect("problems serialise");
        let (_turn, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO catalog_revisions (imported_at, imported_by, source, service_count, warnings)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(imported_at)
        .bind(imported_by)
        .bind(source)
        .bind(catalog.services.len() as i64)
        .bind(&warnings_json)
        .fetch_one(&mut *tx)
        .await?
        .get(0);

        for (position, service) in catalog.services.iter().enumerate() {
            sqlx::query(
                "INSERT INTO services (revision_id, position, id, name, owner, tier, regions, version)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(&service.id)
            .bind(&service.name)
            .bind(&service.owner)
            .bind(service.tier.as_str())
            .bind(serde_json::to_string(&service.regions).expect("strings serialise"))
            .bind(&service.version)
            .execute(&mut *tx)
            .await?;
        }
        for service in &catalog.services {
            for (position, contract) in service.provides.iter().enumerate() {
                insert_contract_version(&mut tx, contract, id).await?;
                sqlx::query(
                    "INSERT INTO contracts (revision_id, service_id, position, id, version, mode)
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&service.id)
                .bind(position as i64)
                .bind(&contract.id)
                .bind(&contract.version)
                .bind(contract.mode.as_str())
                .execute(&mut *tx)
                .await?;
            }
            for (position, dep) in service.depends_on.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO dependencies (revision_id, consumer_id, position, provider_id, contract_id, uses, contract_version, kind)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&service.id)
                .bind(position as i64)
                .bind(&dep.service)
                .bind(&dep.contract)
                .bind(serde_json::to_string(&dep.uses).expect("strings serialise"))
                .bind(&dep.contract_version)
                .bind(dep.kind.as_str())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Revision {
            id,
            imported_at: imported_at.to_string(),
            imported_by: imported_by.to_string(),
            source: source.to_string(),
            service_count: catalog.services.len() as i64,
            warnings: warnings.to_vec(),
        })
    }

    /// The newest revision with its catalog, or `None` before the first import.
    pub async fn current_catalog(&self) -> Result<Option<(Revision, Catalog)>, StoreError> {
        let Some(revision) = self.latest_revision().await? else {
            return Ok(None);
        };
        let catalog = self.catalog_at(revision.id).await?;
        Ok(Some((revision, catalog)))
    }

    /// The current revision's id: one indexed lookup, for caches keyed by revision.
    pub async fn latest_revision_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT max(id) FROM catalog_revisions")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn latest_revision(&self) -> Result<Option<Revision>, StoreError> {
        let rows = self.revisions(1).await?;
        Ok(rows.into_iter().next())
    }

    /// The newest `limit` revisions, newest first.
    pub async fn revisions(&self, limit: i64) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, imported_at, imported_by, source, service_count, warnings
             FROM catalog_revisions ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let warnings: String = row.get("warnings");
                Ok(Revision {
                    id: row.get("id"),
                    imported_at: row.get("imported_at"),
                    imported_by: row.get("imported_by"),
                    source: row.get("source"),
                    service_count: row.get("service_count"),
                    warnings: serde_json::from_str(&warnings)
                        .map_err(|e| StoreError::Corrupt(format!("revision warnings: {e}")))?,
                })
            })
            .collect()
    }

    /// The catalog of a stored revision (a plan is read against the one it was computed on).
    pub async fn catalog_at(&self, revision: i64) -> Result<Catalog, StoreError> {
        let service_rows = sqlx::query(
            "SELECT id, name, owner, tier, regions, version FROM services
             WHERE revision_id = ? ORDER BY position",
        )
        .bind(revision)
        .fetch_all(&self.pool)
        .await?;
        let contract_rows = sqlx::query(
            "SELECT c.service_id, c.id, c.version, c.mode, v.kind, v.document
             FROM contracts c JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.version
             WHERE c.revision_id = ? ORDER BY c.service_id, c.position",
        )
        .bind(revision)
        .fetch_all(&self.pool)
        .await?;
        let dependency_rows = sqlx::query(
            "SELECT consumer_id, provider_id, contract_id, uses, contract_version, kind FROM dependencies
             WHERE revision_id = ? ORDER BY consumer_id, position",
        )
        .bind(revision)
        .fetch_all(&self.pool)
        .await?;

        let mut services = service_rows
            .into_iter()
            .map(|row| {
                let tier: String = row.get("tier");
                let regions: String = row.get("regions");
                Ok(Service {
                    id: row.get("id"),
                    name: row.get("name"),
                    owner: row.get("owner"),
                    tier: parse_stored::<Tier>(&tier, "tier")?,
                    regions: serde_json::from_str(&regions)
                        .map_err(|e| StoreError::Corrupt(format!("regions: {e}")))?,
                    version: row.get("version"),
                    provides: Vec::new(),
                    depends_on: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let positions: HashMap<String, usize> = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let position = |id: &str| {
            positions
                .get(id)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("row for unknown service '{id}'")))
        };
        for row in contract_rows {
            let service_id: String = row.get("service_id");
            let kind: String = row.get("kind");
            let mode: String = row.get("mode");
            let at = position(&service_id)?;
            services[at].provides.push(Contract {
                id: row.get("id"),
                kind: kind.parse::<ContractKind>().map_err(StoreError::Corrupt)?,
                version: row.get("version"),
                mode: mode.parse::<Mode>().map_err(StoreError::Corrupt)?,
                document: row.get("document"),
            });
        }
        for row in dependency_rows {
            let consumer: String = row.get("consumer_id");
            let kind: String = row.get("kind");
            let uses: String = row.get("uses");
            let at = position(&consumer)?;
            services[at].depends_on.push(Dependency {
                service: row.get("provider_id"),
                contract: row.get("contract_id"),
                uses: serde_json::from_str(&uses)
                    .map_err(|e| StoreError::Corrupt(format!("uses: {e}")))?,
                contract_version: row.get("contract_version"),
                kind: parse_stored::<DependencyKind>(&kind, "dependency kind")?,
            });
        }
        Ok(Catalog { services })
    }

    /// Every stored version of every contract, each in the order they were first imported.
    pub async fn contract_histories(&self) -> Result<Histories, StoreError> {
        let rows = sqlx::query(
            "SELECT contract_id, version, document FROM contract_versions
             ORDER BY first_revision_id, rowid",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut histories = Histories::new();
        for row in rows {
            histories
                .entry(row.get("contract_id"))
                .or_default()
                .push((row.get("version"), row.get("document")));
        }
        Ok(histories)
    }

    /// The contract matrix stored for a revision, if it was computed already.
    pub async fn matrix(&self, revision: i64) -> Result<Option<Matrix>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT matrix FROM compatibility_matrices WHERE revision_id = ?")
                .bind(revision)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(json,)| {
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("matrix: {e}")))
        })
        .transpose()
    }

    pub async fn has_matrix(&self, revision: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM compatibility_matrices WHERE revision_id = ?)",
        )
        .bind(revision)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Stores a revision's matrix; a concurrent computation may have stored it already.
    pub async fn save_matrix(
        &self,
        revision: i64,
        matrix: &Matrix,
        computed_at: &str,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(matrix).expect("matrices serialise");
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "INSERT OR IGNORE INTO compatibility_matrices (revision_id, computed_at, matrix)
             VALUES (?, ?, ?)",
        )
        .bind(revision)
        .bind(computed_at)
        .bind(json)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A contract version is immutable: the same version with another document is refused, since
/// consumers and stored compatibility results refer to it by version.
async fn insert_contract_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    contract: &Contract,
    revision: i64,
) -> Result<(), StoreError> {
    let existing: Option<(String, String)> = sqlx::query_as(
        "SELECT kind, document FROM contract_versions WHERE contract_id = ? AND version = ?",
    )
    .bind(&contract.id)
    .bind(&contract.version)
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        Some((kind, document))
            if kind == contract.kind.as_str() && document == contract.document =>
        {
            Ok(())
        }
        Some(_) => Err(StoreError::Conflict(format!(
            "contract '{}' version {} is already stored with a different document; \
             give the changed contract a new version",
            contract.id, contract.version
        ))),
        None => {
            sqlx::query(
                "INSERT INTO contract_versions (contract_id, version, kind, document, first_revision_id)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&contract.id)
            .bind(&contract.version)
            .bind(contract.kind.as_str())
            .bind(&contract.document)
            .bind(revision)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
    }
}

fn parse_stored<T: serde::de::DeserializeOwned>(value: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("{what} '{value}': {e}")))
}

/// A stored value's JSON column text.
fn encode(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("stored types serialise")
}

/// The value stored as JSON in `row`'s `column`.
fn decode<T: serde::de::DeserializeOwned>(
    row: &sqlx::sqlite::SqliteRow,
    column: &str,
) -> Result<T, StoreError> {
    let text: String = row.get(column);
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}
