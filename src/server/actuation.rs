//! How a step reaches the world: signed outbound webhooks with retries, and data checks.
//!
//! # Webhooks
//! Every actuation that awaits an acknowledgement (a step requested, a stage rolled back, a step
//! retried) is POSTed to each webhook of the services it moves, once per webhook with every
//! service of that webhook in the body ([`Announcement`]). Headers:
//! - `X-Breakwater-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes under the
//!   secret in the server's environment variable the webhook names (`secret_env`);
//! - `X-Breakwater-Idempotency-Key: run-<id>-event-<seq>`: the event that asked for the
//!   actuation, so a delivery repeated after a timeout or a restart is recognisable;
//! - `X-Breakwater-Event`: `step_requested`, `stage_rolled_back` or `retried`.
//!
//! Any 2xx answer acknowledges. Anything else is retried with exponential backoff (250 ms,
//! doubling, at most 4 s between attempts) up to [`ATTEMPTS`] attempts.
//!
//! # Data checks
//! A data-check gate names a URL. The executor GETs it (2 s timeout) at each evaluation:
//! - **pass**: a 2xx answer whose body is `pass` (any case, surrounding white space ignored) or
//!   the JSON object `{"pass": true}`;
//! - **fail**: any other answer the endpoint chose to give: a 2xx with another body (`fail`,
//!   `{"pass": false}`, ...) or a 4xx;
//! - **could not be asked** (`Err`, with the reason): no connection, a timeout, a 5xx, or a body
//!   over 4 KB. The gate decides what that means (it never passes).

use breakwater_domain::run::Millis;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

/// Most attempts at one webhook delivery.
pub const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
const DATA_CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// A data check's answer is a word or a tiny object; more is not an answer.
const MAX_DATA_CHECK_BODY: usize = 4096;

pub const SIGNATURE_HEADER: &str = "x-breakwater-signature";
pub const IDEMPOTENCY_HEADER: &str = "x-breakwater-idempotency-key";
pub const EVENT_HEADER: &str = "x-breakwater-event";

/// The body of a webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Announcement {
    pub run: i64,
    pub plan: String,
    pub plan_revision: i64,
    /// `step_requested`, `stage_rolled_back` or `retried` (as the event header).
    pub event: &'static str,
    /// The event's sequence number in the run's log.
    pub seq: u64,
    /// 0-based, like the API.
    pub stage: usize,
    /// The step being applied; `None` for a rollback.
    pub step: Option<usize>,
    pub services: Vec<ServiceExposure>,
    /// When the event was recorded, ms since the epoch.
    pub at: Millis,
}

/// One service's split after the actuation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceExposure {
    pub service: String,
    pub from_version: String,
    pub to_version: String,
    pub exposure: Vec<RegionPercent>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPercent {
    pub region: Option<String>,
    /// Percent of traffic on `to_version`.
    pub percent: u8,
}

/// Why a delivery was not acknowledged, for the run's log ("failed after 5 attempts: HTTP 500").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub attempts: u32,
    pub last: String,
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.attempts {
            0 => write!(f, "failed: {}", self.last),
            1 => write!(f, "failed after 1 attempt: {}", self.last),
            n => write!(f, "failed after {n} attempts: {}", self.last),
        }
    }
}

/// The HTTP client webhooks and data checks share (one connection pool).
#[derive(Clone)]
pub struct Actuator {
    client: reqwest::Client,
}

impl Actuator {
    /// The client with its timeouts. Panics when the TLS backend cannot start: at startup, since
    /// a client without timeouts would let one silent webhook hold a run forever.
    pub fn new() -> Actuator {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(WEBHOOK_TIMEOUT)
            // A webhook or check answers itself; following redirects would sign for elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the webhook HTTP client (TLS backend) could not be built");
        Actuator { client }
    }

    /// POSTs `announcement` to `url`, signed with the secret in `secret_env`, until a 2xx
    /// answer or [`ATTEMPTS`] attempts.
    pub async fn deliver(
        &self,
        url: &str,
        secret_env: &str,
        announcement: &Announcement,
    ) -> Result<(), DeliveryError> {
        let refused = |last: String| DeliveryError { attempts: 0, last };
        let secret = std::env::var(secret_env).map_err(|_| {
            refused(format!(
                "the secret's environment variable {secret_env} is not set"
            ))
        })?;
        let body = serde_json::to_vec(announcement).map_err(|e| refused(e.to_string()))?;
        let key = format!("run-{}-event-{}", announcement.run, announcement.seq);
        let signature = format!("sha256={}", sign(secret.as_bytes(), &body));
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
            let sent = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .header(IDEMPOTENCY_HEADER, &key)
                .header(EVENT_HEADER, announcement.event)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => last = format!("HTTP {}", response.status().as_u16()),
                Err(error) => last = transport_error(error),
            }
            tracing::warn!(
                url,
                key,
                attempt = attempt + 1,
                last,
                "webhook not acknowledged"
            );
        }
        Err(DeliveryError {
            attempts: ATTEMPTS,
            last,
        })
    }

    /// Asks every URL at once; each answer by its URL (see the module doc for the rules).
    pub async fn data_checks(
        &self,
        urls: BTreeSet<String>,
    ) -> BTreeMap<String, Result<bool, String>> {
        let answers = futures_util::future::join_all(urls.iter().map(|url| self.data_check(url)));
        urls.iter().cloned().zip(answers.await).collect()
    }

    pub async fn data_check(&self, url: &str) -> Result<bool, String> {
        let asked = async {
            let mut response = self.client.get(url).send().await.map_err(transport_error)?;
            let status = response.status();
            if status.is_server_error() {
                return Err(format!("the data check answered HTTP {}", status.as_u16()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_DATA_CHECK_BODY {
                    return Err("the data check's answer is over 4 KB".to_string());
                }
            }
            Ok(status.is_success() && says_pass(&body))
        };
        tokio::time::timeout(DATA_CHECK_TIMEOUT, asked)
            .await
            .unwrap_or_else(|_| Err("the data check did not answer within 2 s".to_string()))
    }
}

impl Default for Actuator {
    fn default() -> Self {
        Actuator::new()
    }
}

/// The wait before retry `n` (0-based): 250 ms doubling, capped.
fn backoff(n: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1u32.checked_shl(n).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF)
}

/// Hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn says_pass(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    text.eq_ignore_ascii_case("pass")
        || serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("pass") == Some(&serde_json::Value::Bool(true)))
}

/// A transport failure in a few words (reqwest's text names the URL, which the log has).
fn transport_error(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".to_string()
    } else if error.is_connect() {
        "connection failed".to_string()
    } else {
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_250_ms_up_to_4_s() {
        let waits: Vec<u64> = (0..7).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 4000, 4000]);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pass_is_the_word_or_the_object() {
        for body in [
            "pass",
            " PASS\n",
            r#"{"pass": true}"#,
            r#"{"pass":true,"rows":3}"#,
        ] {
            assert!(says_pass(body.as_bytes()), "{body}");
        }
        for body in [
            "fail",
            "",
            "passed",
            r#"{"pass": false}"#,
            r#"{"pass": "true"}"#,
            "[true]",
        ] {
            assert!(!says_pass(body.as_bytes()), "{body}");
        }
    }

    #[test]
    fn delivery_errors_read_as_a_sentence_end() {
        let error = DeliveryError {
            attempts: 5,
            last: "HTTP 500".into(),
        };
        assert_eq!(error.to_string(), "failed after 5 attempts: HTTP 500");
    }
}
