//! Run updates pushed to the pages that follow a run (server-sent events).
//!
//! The hub carries run ids only: a follower rebuilds the run's view when its id comes by, so a
//! message is never stale and a follower that fell behind (a lagging receiver) simply rebuilds
//! once, which is the same resync a reconnecting client gets.

use std::sync::Arc;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};

/// Ids a slow follower may fall behind by before it is told it lagged (and resyncs).
const BACKLOG: usize = 1024;
/// Most run streams open at once: each holds a connection and rebuilds views, so a client
/// opening streams in a loop must not exhaust the server.
pub const MAX_FOLLOWERS: usize = 256;

/// Where the executor and the actions publish that a run changed.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<i64>,
    followers: Arc<Semaphore>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(BACKLOG).0,
            followers: Arc::new(Semaphore::new(MAX_FOLLOWERS)),
        }
    }
}

impl Hub {
    /// Tells every follower that run `run` changed (nobody following is fine).
    pub fn publish(&self, run: i64) {
        // An error only means there is no receiver right now.
        let _ = self.sender.send(run);
    }

    /// Every run id published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.sender.subscribe()
    }

    /// A place among the open streams, held for the stream's life; `None` when all are taken.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        self.followers.clone().try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_receive_what_is_published_after_they_subscribe() {
        let hub = Hub::default();
        hub.publish(1);
        let mut receiver = hub.subscribe();
        hub.publish(2);
        hub.publish(3);
        assert_eq!(receiver.recv().await.unwrap(), 2);
        assert_eq!(receiver.recv().await.unwrap(), 3);
    }

    #[test]
    fn streams_are_bounded_and_freed_when_dropped() {
        let hub = Hub::default();
        let held: Vec<_> = (0..MAX_FOLLOWERS).map(|_| hub.admit().unwrap()).collect();
        assert!(hub.admit().is_none());
        drop(held);
        assert!(hub.admit().is_some());
    }
}
