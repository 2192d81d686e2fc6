//! Where CPU-heavy work runs: parsing and validating catalogs, diffing contracts, laying out the
//! graph. Never on the async workers (one slow request would stall every other), and never more
//! than `slots` at once, so the async runtime always keeps a core for everyone else. Each job gets
//! its own thread with a known, large stack: the engines bound their depth, and this stack is what
//! those bounds were chosen against.

use crate::wire::ApiError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Semaphore};

/// Stack of each job's thread. Only the pages a job touches are committed, so this costs address
/// space, not memory.
pub const JOB_STACK_BYTES: usize = 64 * 1024 * 1024;
/// How long a request waits for a free slot before it is answered 503.
pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Workers {
    slots: Arc<Semaphore>,
}

impl Workers {
    /// `slots` jobs at most at once (at least one).
    pub fn new(slots: usize) -> Workers {
        Workers {
            slots: Arc::new(Semaphore::new(slots.max(1))),
        }
    }

    /// One slot per core but one, so the runtime keeps a core: a single slot on 2 cores.
    pub fn for_this_machine() -> Workers {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Workers::new(cores.saturating_sub(1))
    }

    /// Runs `job` on its own thread once a slot is free. A job that panics is an internal error,
    /// not a crash. The slot stays taken until the job ends, even if the caller gives up waiting.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Busy)?
            .map_err(ApiError::internal)?;
        let (send, receive) = oneshot::channel();
        std::thread::Builder::new()
            .name("breakwater-job".into())
            .stack_size(JOB_STACK_BYTES)
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                drop(permit);
                let _ = send.send(outcome);
            })
            .map_err(ApiError::internal)?;
        match receive.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ApiError::internal("a job panicked")),
            Err(e) => Err(ApiError::internal(e)),
        }
    }
}

/// Runs `job` on a thread with the jobs' stack and waits for it: for the command line, which has
/// no runtime to keep free but must not overflow its main thread's stack either.
pub fn run_now<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    std::thread::Builder::new()
        .name("breakwater-job".into())
        .stack_size(JOB_STACK_BYTES)
        .spawn(job)
        .map_err(|e| format!("cannot start a worker thread: {e}"))?
        .join()
        .map_err(|_| "the check failed unexpectedly (a bug: please report it)".to_string())
}
