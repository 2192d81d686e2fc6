//! Metric buckets: 10-second aggregates per service, version and region, merged with what is
//! stored when a flush brings more of the same bucket, and deleted after the retention period.

use super::{Store, StoreError};
use breakwater_domain::health::{Bucket, Histogram, Series, SeriesKey};
use breakwater_domain::run::Millis;
use sqlx::Row;

/// Ranges read by one statement: far below SQLite's limits on a compound SELECT's terms (500)
/// and on a statement's parameters (32,766) for plans of up to a few hundred services.
const RANGES_PER_QUERY: usize = 50;

/// Buckets a reader needs: these services' buckets starting in `[from, to]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub services: Vec<String>,
    pub from: Millis,
    pub to: Millis,
}

impl Store {
    /// Adds every bucket of `series` to the stored ones in one transaction: counts are summed and
    /// histograms merged with a bucket already stored for the same series and start.
    pub async fn merge_buckets(&self, series: &Series) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        for ((key, start), bucket) in &series.buckets {
            let region = key.region.as_deref().unwrap_or("");
            let stored = sqlx::query(
                "SELECT requests, errors, latency FROM metric_buckets
                 WHERE service = ? AND start = ? AND version = ? AND region = ?",
            )
            .bind(&key.service)
            .bind(start)
            .bind(&key.version)
            .bind(region)
            .fetch_optional(&mut *tx)
            .await?;
            // A stored bucket that no longer decodes is replaced, not merged: failing here
            // would fail every later flush.
            let mut merged = match stored.as_ref().map(bucket_of) {
                Some(Ok(stored)) => stored,
                Some(Err(error)) => {
                    tracing::error!(?key, start, %error, "undecodable metric bucket replaced");
                    Bucket::default()
                }
                None => Bucket::default(),
            };
            merged.merge(bucket);
            sqlx::query(
                "INSERT OR REPLACE INTO metric_buckets
                 (service, version, region, start, requests, errors, latency)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&key.service)
            .bind(&key.version)
            .bind(region)
            .bind(start)
            .bind(count(merged.requests))
            .bind(count(merged.errors))
            .bind(merged.latency.encode())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored buckets starting in each of `wanted`'s ranges, for its services: one indexed
    /// range scan per range (`UNION ALL`; a bucket in two overlapping ranges is kept once). A
    /// bucket whose histogram does not decode is logged and skipped.
    pub async fn buckets(&self, wanted: &[Wanted]) -> Result<Series, StoreError> {
        let mut series = Series::default();
        let wanted: Vec<&Wanted> = wanted.iter().filter(|w| !w.services.is_empty()).collect();
        for chunk in wanted.chunks(RANGES_PER_QUERY) {
            let sql = chunk
                .iter()
                .map(|w| {
                    let placeholders = vec!["?"; w.services.len()].join(", ");
                    format!(
                        "SELECT service, version, region, start, requests, errors, latency
                         FROM metric_buckets
                         WHERE service IN ({placeholders}) AND start BETWEEN ? AND ?"
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            let mut query = sqlx::query(&sql);
            for w in chunk {
                for service in &w.services {
                    query = query.bind(service);
                }
                query = query.bind(w.from).bind(w.to);
            }
            for row in query.fetch_all(&self.pool).await? {
                let region: String = row.get("region");
                let key = SeriesKey {
                    service: row.get("service"),
                    version: row.get("version"),
                    region: (!region.is_empty()).then_some(region),
                };
                let start: Millis = row.get("start");
                match bucket_of(&row) {
                    Ok(bucket) => {
                        series.buckets.insert((key, start), bucket);
                    }
                    Err(error) => {
                        tracing::error!(?key, start, %error, "stored metric bucket skipped")
                    }
                }
            }
        }
        Ok(series)
    }

    /// Deletes at most `limit` buckets that started before `before`, oldest first: the number
    /// deleted (fewer than `limit` when none are left). Small batches keep the write lock short.
    pub async fn delete_buckets_before(
        &self,
        before: Millis,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let deleted = sqlx::query(
            "DELETE FROM metric_buckets WHERE (service, start, version, region) IN (
                 SELECT service, start, version, region FROM metric_buckets
                 WHERE start < ? ORDER BY start LIMIT ?)",
        )
        .bind(before)
        .bind(limit)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }
}

fn bucket_of(row: &sqlx::sqlite::SqliteRow) -> Result<Bucket, StoreError> {
    let latency: String = row.get("latency");
    let requests: i64 = row.get("requests");
    let errors: i64 = row.get("errors");
    Ok(Bucket {
        requests: requests.max(0) as u64,
        errors: errors.max(0) as u64,
        latency: Histogram::decode(&latency)
            .ok_or_else(|| StoreError::Corrupt(format!("latency histogram '{latency}'")))?,
    })
}

/// SQLite integers are signed; a count past `i64::MAX` (never reached by validated samples)
/// is kept at the maximum rather than wrapping.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
