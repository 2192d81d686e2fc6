//! Server-only code (the `ssr` feature): persistence, import, contract checks over stored
//! versions, the views pages read, the JSON API and where heavy work runs. It uses the domain and
//! the wire types; it never imports `api`, `ui`, `app` or `cli` (see ARCHITECTURE.md).

pub mod access;
pub mod actuation;
pub mod calendar;
pub mod clock;
pub mod compat;
pub mod executor;
pub mod import;
pub mod json_api;
pub mod live;
pub mod metrics;
pub mod plans;
pub mod reviews;
pub mod routes;
pub mod runs;
pub mod share;
pub mod simulator;
pub mod store;
pub mod views;
pub mod work;

use std::sync::Arc;
use std::time::Duration;
use store::Store;
use views::ViewCache;
use work::Workers;

/// How the server's background work is set up (`breakwater serve` flags).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often the executor evaluates the gates of every running step.
    pub evaluate_every: Duration,
    /// Run the built-in traffic simulator (the demo does; nothing else unless asked).
    pub simulate: bool,
    /// How long metric buckets are kept.
    pub metrics_retention: Duration,
    /// What the executor, the runs, the metrics and the calendar take as now.
    pub clock: clock::Clock,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            evaluate_every: Duration::from_secs(5),
            simulate: false,
            metrics_retention: Duration::from_secs(7 * 24 * 3600),
            clock: clock::Clock::system(),
        }
    }
}

/// What every request handler and server function can reach.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: leptos::config::LeptosOptions,
    pub store: Store,
    pub workers: Workers,
    pub views: Arc<ViewCache>,
    pub settings: Arc<Settings>,
    /// Metric samples aggregated in memory until the next flush.
    pub metrics: metrics::Ingest,
    /// Run updates for the pages that follow them (server-sent events).
    pub live: live::Hub,
    /// Faults injected into the simulator.
    pub faults: simulator::Faults,
    /// The calendar in force, parsed once per revision.
    pub calendar: calendar::CalendarCache,
    /// Failed sign-in counters and the first-admin link.
    pub sign_in: Arc<access::sign_in::SignIn>,
}

impl AppState {
    pub fn new(store: Store, leptos_options: leptos::config::LeptosOptions) -> AppState {
        AppState::with_settings(store, leptos_options, Settings::default())
    }

    pub fn with_settings(
        store: Store,
        leptos_options: leptos::config::LeptosOptions,
        settings: Settings,
    ) -> AppState {
        AppState {
            leptos_options,
            store,
            workers: Workers::for_this_machine(),
            views: Arc::default(),
            settings: Arc::new(settings),
            metrics: metrics::Ingest::default(),
            live: live::Hub::default(),
            faults: simulator::Faults::default(),
            calendar: calendar::CalendarCache::default(),
            sign_in: Arc::default(),
        }
    }

    /// Starts the background work: the metric flush and retention, the executor, and the
    /// simulator when the settings ask for it.
    pub fn start_background(&self) {
        metrics::spawn(self.clone());
        executor::spawn(self.clone());
        if self.settings.simulate {
            simulator::spawn(self.clone());
        }
    }
}

/// The current time as stored in the database (RFC 3339, UTC). Only the server reads the clock.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
