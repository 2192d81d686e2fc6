//! Server-sent events of a run's updates: `GET /api/v1/runs/{id}/live`.
//!
//! The first event is the run's current view (what a reconnecting client resynchronises from),
//! then a fresh view each time the run is published. Every event is named `run` and carries a
//! whole `RunView` as JSON, so a client never has to merge partial updates.

use crate::server::routes::Routes;
use crate::server::{runs, AppState};
use crate::wire::ApiError;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio::sync::OwnedSemaphorePermit;

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn routes() -> Routes {
    Routes::default().get("/runs/{id}/live", get_live)
}

async fn get_live(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = super::runs::run_id(&id)?;
    let permit = state.live.admit().ok_or(ApiError::Busy)?;
    // Subscribed before the first view is read, so no update between the two is lost.
    let updates = state.live.subscribe();
    let first = run_event(&runs::view(&state, id).await?)?;
    let follower = Follower {
        state,
        id,
        updates,
        _permit: permit,
    };
    let rest = stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok::<_, Infallible>(event), follower))
    });
    let events = stream::once(async move { Ok(first) }).chain(rest);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

/// One open stream: the run it follows and its place among the open streams.
struct Follower {
    state: AppState,
    id: i64,
    updates: Receiver<i64>,
    _permit: OwnedSemaphorePermit,
}

impl Follower {
    /// The run's next view, once it has been published; `None` when the server shuts the hub.
    async fn next(&mut self) -> Option<Event> {
        loop {
            match self.updates.recv().await {
                Ok(id) if id == self.id => {}
                Ok(_) => continue,
                // Missed ids may have included this run: rebuild, as a reconnect would.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
            self.skip_queued();
            match runs::view(&self.state, self.id).await {
                Ok(view) => match run_event(&view) {
                    Ok(event) => return Some(event),
                    Err(error) => tracing::error!(run = self.id, %error, "run view not sent"),
                },
                Err(error) => tracing::warn!(run = self.id, %error, "run view not rebuilt"),
            }
        }
    }

    /// Drops the ids already queued: the view about to be built includes their changes, so a
    /// burst of events costs one view.
    fn skip_queued(&mut self) {
        loop {
            match self.updates.try_recv() {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty | TryRecvError::Closed) => return,
            }
        }
    }
}

fn run_event(view: &crate::wire::runs::RunView) -> Result<Event, ApiError> {
    Event::default()
        .event("run")
        .json_data(view)
        .map_err(ApiError::internal)
}
