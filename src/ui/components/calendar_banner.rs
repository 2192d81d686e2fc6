//! What the calendar does to a run, on every view of it: the banner on the run page while the
//! calendar holds the run or a break-glass override is (or was) in force, and the badges on the
//! run list.

use super::run_status::utc;
use crate::wire::runs::RunSummary;
use breakwater_domain::calendar::rfc3339;
use breakwater_domain::run::{CalendarOverride, Millis, Waiting};
use leptos::prelude::*;

/// A moment in the reader's own time zone once the page is live; in UTC from the server (and
/// without JavaScript), which knows no reader's zone.
#[component]
pub fn LocalTime(at: Millis) -> impl IntoView {
    let text = RwSignal::new(utc(at));
    // Effects run only in the browser.
    Effect::new(move |_| {
        let date = js_sys::Date::new_0();
        date.set_time(at as f64);
        // "Sun, Nov 29, 5:20 PM GMT+1": the day, the time and the reader's zone.
        let options = js_sys::Object::new();
        for (key, value) in [
            ("weekday", "short"),
            ("month", "short"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
            ("timeZoneName", "short"),
        ] {
            let _ = js_sys::Reflect::set(
                &options,
                &js_sys::JsString::from(key),
                &js_sys::JsString::from(value),
            );
        }
        text.set(String::from(date.to_locale_string("default", &options)));
    });
    view! { <time datetime=rfc3339(at) title=utc(at)>{move || text.get()}</time> }
}

/// The run page's banners; `now` is the server's clock of the view. `hold`: why the calendar
/// withholds a person's start, advance or retry right now (shown when the executor is not
/// already waiting, e.g. before a run starts).
#[component]
pub fn CalendarBanner(
    waiting: Option<Waiting>,
    hold: Option<String>,
    calendar_override: Option<CalendarOverride>,
    now: Millis,
) -> impl IntoView {
    let held = hold.filter(|_| waiting.is_none()).map(|reason| {
        view! {
            <p class="banner calendar-waiting" role="status" data-testid="calendar-hold">
                <strong>"The calendar holds this run: "</strong>{reason}
                ". A break-glass override lets it through."
            </p>
        }
    });
    let waiting = waiting.map(|w| {
        let opens = match w.opens_at {
            Some(at) => view! { " The window opens " <LocalTime at/> "; the run then continues on its own." }
                .into_any(),
            None => view! { " No window opens within two years." }.into_any(),
        };
        view! {
            <p class="banner calendar-waiting" role="status" data-testid="calendar-waiting">
                <strong>"Waiting for the calendar: "</strong>{w.reason}"."{opens}
            </p>
        }
    });
    let overridden = calendar_override.map(|o| {
        let in_force = o.in_force(now);
        let (until, state) = if in_force {
            (" until ", "in force")
        } else {
            (" expired ", "expired")
        };
        view! {
            <p class="banner calendar-override" class:expired=!in_force role="status"
                data-testid="calendar-override" data-state=state>
                <strong>{format!("Break-glass override by {}", o.by)}</strong>
                {until}<LocalTime at=o.until/>": "{o.reason}
            </p>
        }
    });
    view! { {held}{waiting}{overridden} }
}

/// The run list's small badges for the same.
#[component]
pub fn CalendarBadges(run: RunSummary) -> impl IntoView {
    let waiting = run.waiting.map(|w| {
        view! { <span class="cal-badge waiting" title=w.reason data-testid="badge-waiting">"waiting for the calendar"</span> }
    });
    let overridden = run.calendar_override.map(|o| {
        let title = format!("by {} until {}: {}", o.by, utc(o.until), o.reason);
        view! { <span class="cal-badge override" title=title data-testid="badge-override">"break-glass"</span> }
    });
    view! { {waiting}{overridden} }
}
