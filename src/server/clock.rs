//! The one clock the server reads: the system's, or one a test sets and moves (a run blocked by
//! a freeze can then be walked past it without waiting for December).

use breakwater_domain::run::Millis;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that reads `at` until it is set or advanced.
    pub fn manual(at: Millis) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(at))))
    }

    pub fn now(&self) -> Millis {
        match &self.0 {
            Some(at) => at.load(Ordering::SeqCst),
            None => chrono::Utc::now().timestamp_millis(),
        }
    }

    /// The current time as stored in the database (RFC 3339, UTC, to the second).
    pub fn stamp(&self) -> String {
        breakwater_domain::calendar::rfc3339(self.now())
    }

    /// Moves a manual clock to `at` (the system clock cannot be moved: ignored).
    pub fn set(&self, at: Millis) {
        if let Some(clock) = &self.0 {
            clock.store(at, Ordering::SeqCst);
        }
    }
}
