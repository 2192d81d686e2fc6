//! Metric buckets: 10-second aggregates per service, version and region, merged with what is
//! stored when a flush brings more of the same bucket, and deleted after the retention period.

use super::{Store, StoreError};
use breakwater_domain::health::{Bucket, Histogram, Series, SeriesKey};
use breakwater_domain::run::Millis;
use sqlx::Row;

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
            let mut merged = match stored {
                Some(row) => bucket_of(&row)?,
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

    /// The stored buckets of `services` starting in `[from, to]`: one range scan per service.
    pub async fn buckets(
        &self,
        services: &[String],
        from: Millis,
        to: Millis,
    ) -> Result<Series, StoreError> {
        let mut series = Series::default();
        if services.is_empty() {
            return Ok(series);
        }
        let placeholders = vec!["?"; services.len()].join(", ");
        let sql = format!(
            "SELECT service, version, region, start, requests, errors, latency FROM metric_buckets
             WHERE service IN ({placeholders}) AND start BETWEEN ? AND ?"
        );
        let mut query = sqlx::query(&sql);
        for service in services {
            query = query.bind(service);
        }
        for row in query.bind(from).bind(to).fetch_all(&self.pool).await? {
            let region: String = row.get("region");
            let key = SeriesKey {
                service: row.get("service"),
                version: row.get("version"),
                region: (!region.is_empty()).then_some(region),
            };
            series
                .buckets
                .insert((key, row.get("start")), bucket_of(&row)?);
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
