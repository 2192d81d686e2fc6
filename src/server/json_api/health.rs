//! Metric ingestion and the simulator's faults.

use crate::server::metrics::{self, IngestError};
use crate::server::routes::Routes;
use crate::server::simulator;
use crate::server::AppState;
use crate::wire::runs::FaultRequest;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use breakwater_domain::health::batch::MAX_BATCH_PROBLEMS;
use breakwater_domain::health::Sample;
use breakwater_domain::simulator::Fault;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::default()
        .post("/metrics", post_metrics)
        .post("/simulator/faults", post_fault)
        .get("/simulator/faults", get_faults)
        .delete("/simulator/faults", delete_faults)
}

/// `POST /metrics`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    samples: Vec<Sample>,
}

/// 202 with the number of samples accepted; 400 with every problem (checking stops at
/// [`MAX_BATCH_PROBLEMS`]) when the batch is refused, and then nothing of it is kept.
async fn post_metrics(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let read = move || super::json_body::<Batch>(&body).map(|batch| batch.samples);
    match metrics::ingest(&state, read).await {
        Ok(accepted) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "accepted": accepted })),
        )
            .into_response(),
        Err(IngestError::Refused(problems)) => {
            let count = match problems.len() {
                1 => "1 problem".to_string(),
                n if n >= MAX_BATCH_PROBLEMS => {
                    format!("at least {n} problems (checking stopped there)")
                }
                n => format!("{n} problems"),
            };
            let error = format!("the batch was refused, nothing of it was kept: {count}");
            let body = serde_json::json!({ "error": error, "problems": problems });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
        Err(IngestError::Failed(e)) => e.into_response(),
    }
}

/// Faults are accepted whether the simulator runs or not; `simulating` says whether it does.
#[derive(Serialize)]
struct Injected {
    fault: Fault,
    simulating: bool,
}

#[derive(Serialize)]
struct ActiveFaults {
    faults: Vec<Fault>,
    simulating: bool,
}

#[derive(Serialize)]
struct Cleared {
    cleared: usize,
    simulating: bool,
}

/// 201 with the fault; 400 for a value out of range, 404 for a service not in the catalog.
async fn post_fault(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, crate::wire::ApiError> {
    let request: FaultRequest = super::json_body(&body)?;
    let fault = simulator::add_fault(&state, request).await?;
    let simulating = state.settings.simulate;
    Ok((StatusCode::CREATED, Json(Injected { fault, simulating })).into_response())
}

async fn get_faults(State(state): State<AppState>) -> Json<ActiveFaults> {
    Json(ActiveFaults {
        faults: state.faults.active(state.settings.clock.now()),
        simulating: state.settings.simulate,
    })
}

async fn delete_faults(State(state): State<AppState>) -> Json<Cleared> {
    Json(Cleared {
        cleared: state.faults.clear(state.settings.clock.now()),
        simulating: state.settings.simulate,
    })
}
