//! `/calendar?span=week|month&at=YYYY-MM-DD&zone=IANA`: the cadence calendar. The server renders
//! the whole page (the grid, conflicts, feeds and rules), so it reads the same without
//! JavaScript: moving between weeks and months are plain links and the zone picker is a GET
//! form. In the browser the rule editor saves and the page refetches its view.

mod editor;
mod grid;

use crate::api::calendar::load_calendar_view;
use crate::ui::access::{allows, WithUser};
use crate::ui::pages::LoadError;
use crate::wire::access::Me;
use crate::wire::calendar::{CalendarQuery, CalendarSpan, CalendarView};
use breakwater_domain::access::Need;
use breakwater_domain::calendar::local;
use breakwater_domain::calendar::schedule::{Conflict, UNSCHEDULABLE};
use breakwater_domain::run::Millis;
use editor::RuleEditor;
use grid::{MonthGrid, WeekGrid};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CalendarPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| CalendarQuery {
            span: q
                .get("span")
                .and_then(|s| CalendarSpan::parse(&s))
                .unwrap_or(CalendarSpan::Week),
            at: q.get("at").filter(|a| !a.is_empty()),
            zone: q.get("zone").filter(|z| !z.is_empty()),
        })
    });
    // Bumped after the editor saved: the same query, fetched again.
    let saved = RwSignal::new(0u32);
    let view_data = Resource::new(
        move || (asked.get(), saved.get()),
        |(query, _)| load_calendar_view(query),
    );
    let on_saved = Callback::new(move |()| saved.update(|n| *n += 1));
    view! {
        <Title text="Calendar"/>
        <section class="page calendar-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the calendar…"</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(view) => view! { <CalendarBody view on_saved/> }.into_any(),
                        Err(error) => view! {
                            <LoadError error what="the calendar"/>
                            <p><a href="/calendar">"Back to this week"</a></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// `/calendar?…` for a span, a day in it (`None`: today) and a zone.
fn calendar_href(span: CalendarSpan, at: Option<&str>, zone: &str) -> String {
    let mut href = format!("/calendar?span={}", span.as_str());
    if let Some(at) = at {
        href.push_str(&format!("&at={}", query_value(at)));
    }
    href.push_str(&format!("&zone={}", query_value(zone)));
    href
}

/// A query value with what a query string would misread escaped (`Etc/GMT+5` has a `+`).
fn query_value(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '/' => c.to_string(),
            _ => {
                let mut bytes = [0u8; 4];
                c.encode_utf8(&mut bytes)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// A moment in the zone the grid is drawn in, as `format` (chrono's) says; UTC when the zone
/// is unknown, which the server never sends.
fn in_zone(zone: &str, at: Millis, format: &str) -> String {
    match zone.parse() {
        Ok(zone) => local(zone, at).format(format).to_string(),
        Err(_) => breakwater_domain::calendar::utc(at)
            .format(format)
            .to_string(),
    }
}

#[component]
fn CalendarBody(view: CalendarView, on_saved: Callback<()>) -> impl IntoView {
    let span = view.span;
    let zone = view.zone.clone();
    let link = |span: CalendarSpan, at: Option<&str>| calendar_href(span, at, &zone);
    let zone_options = view
        .zones
        .iter()
        .map(|z| view! { <option value=z.clone() selected=*z == view.zone>{z.clone()}</option> })
        .collect_view();
    let grid = match span {
        CalendarSpan::Week => view! { <WeekGrid view=view.clone()/> }.into_any(),
        CalendarSpan::Month => view! { <MonthGrid view=view.clone()/> }.into_any(),
    };
    let revision = match view.revision.revision {
        Some(n) => format!(
            "Calendar revision {n}, saved by {} on {}",
            view.revision.saved_by,
            crate::ui::components::run_status::utc_text(&view.revision.saved_at)
        ),
        None => "No calendar saved yet: every time is open".to_string(),
    };
    let mut plans: Vec<String> = view.blocks.iter().map(|b| b.plan.clone()).collect();
    plans.sort();
    plans.dedup();
    let (rules, based_on) = (view.rules.clone(), view.revision.revision);
    view! {
        <div class="page-head">
            <div>
                <h1 data-testid="calendar-title">{view.title.clone()}</h1>
                <p class="muted" data-testid="calendar-revision">{revision}</p>
            </div>
            <nav class="calendar-nav" aria-label="Calendar">
                <a class="button" data-testid="calendar-previous" href=link(span, Some(&view.previous))>"← Previous"</a>
                <a class="button" data-testid="calendar-today" href=link(span, None)>"Today"</a>
                <a class="button" data-testid="calendar-next" href=link(span, Some(&view.next))>"Next →"</a>
                <a class="button" class:current=span == CalendarSpan::Week data-testid="calendar-week-link"
                    aria-current=(span == CalendarSpan::Week).then_some("page")
                    href=link(CalendarSpan::Week, Some(&view.at))>"Week"</a>
                <a class="button" class:current=span == CalendarSpan::Month data-testid="calendar-month-link"
                    aria-current=(span == CalendarSpan::Month).then_some("page")
                    href=link(CalendarSpan::Month, Some(&view.at))>"Month"</a>
            </nav>
        </div>
        <div class="calendar-toolbar">
            // A plain GET form: choosing a zone works without JavaScript.
            <form class="zone-form" method="get" action="/calendar" data-testid="zone-form">
                <input type="hidden" name="span" value=span.as_str()/>
                <input type="hidden" name="at" value=view.at.clone()/>
                <label>"Time zone "
                    <select name="zone" data-testid="zone-select">{zone_options}</select>
                </label>
                <button type="submit">"Show"</button>
            </form>
            <Legend/>
        </div>
        {grid}
        <div class="calendar-columns">
            <section aria-labelledby="conflicts-title">
                <h2 id="conflicts-title">"Conflicts"</h2>
                <Conflicts view=view.clone()/>
                <h2>"Subscribe"</h2>
                <p class="hint">"Every scheduled stage and the freezes of the next 90 days, for the calendar tools people already use."</p>
                <ul class="feeds" data-testid="feeds">
                    <li><a href="/api/v1/calendar.ics" data-testid="feed-all">"All rollouts (calendar.ics)"</a></li>
                    {plans.into_iter().map(|plan| view! {
                        <li><a href=format!("/api/v1/plans/{plan}/calendar.ics") data-feed=plan.clone()>
                            {format!("{plan} (calendar.ics)")}
                        </a></li>
                    }).collect_view()}
                </ul>
            </section>
            <section aria-labelledby="rules-title">
                <h2 id="rules-title">"Rules"</h2>
                <WithUser children={move |me: Option<Me>| view! {
                    <RuleEditor rules=rules.clone() based_on on_saved editable=allows(me.as_ref(), Need::Release)/>
                }}/>
            </section>
        </div>
    }
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend calendar-legend">
            <li><span class="swatch band-swatch activation"></span>"activation window"</li>
            <li><span class="swatch band-swatch monitoring"></span>"monitoring"</li>
            <li><span class="swatch band-swatch evaluation"></span>"evaluation"</li>
            <li><span class="swatch band-swatch freeze"></span>"freeze"</li>
            <li><span class="eval-swatch"></span>"go / no-go"</li>
            <li><span class="now-swatch"></span>"now"</li>
        </ul>
    }
}

/// Every conflict of the schedule and every plan that could not be placed (once: a plan the
/// schedule already names as unschedulable is not listed again).
#[component]
fn Conflicts(view: CalendarView) -> impl IntoView {
    let unscheduled: Vec<String> = view
        .unscheduled
        .into_iter()
        .filter(|text| !named_unschedulable(&view.conflicts, text))
        .collect();
    if view.conflicts.is_empty() && unscheduled.is_empty() {
        return view! { <p class="empty" data-testid="no-conflicts">"No conflicts: every plan fits the calendar."</p> }
            .into_any();
    }
    view! {
        <ul class="conflicts" data-testid="conflicts">
            {view.conflicts.into_iter().map(|c| view! {
                <li data-code=c.code.clone()>
                    <code>{c.code.clone()}</code>" "{c.message.clone()}
                </li>
            }).collect_view()}
            {unscheduled.into_iter().map(|text| view! {
                <li data-code=UNSCHEDULABLE><code>{UNSCHEDULABLE}</code>" "{text}</li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Whether `unscheduled` ("checkout-v2: why") is about a plan an unschedulable conflict names.
fn named_unschedulable(conflicts: &[Conflict], unscheduled: &str) -> bool {
    conflicts.iter().any(|c| {
        c.code == UNSCHEDULABLE
            && c.plans
                .iter()
                .any(|plan| unscheduled.starts_with(&format!("{plan}: ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_span_day_and_zone() {
        assert_eq!(
            calendar_href(CalendarSpan::Month, Some("2026-12-14"), "Etc/GMT+5"),
            "/calendar?span=month&at=2026-12-14&zone=Etc/GMT%2B5"
        );
        assert_eq!(
            calendar_href(CalendarSpan::Week, None, "America/New_York"),
            "/calendar?span=week&zone=America/New_York"
        );
    }

    #[test]
    fn an_unschedulable_plan_is_listed_once() {
        let conflict = |code: &str| Conflict {
            code: code.to_string(),
            plans: vec!["checkout-v2".to_string()],
            services: Vec::new(),
            message: "plan checkout-v2: stage 1 cannot be placed".to_string(),
        };
        let why = "checkout-v2: stage 1 cannot be placed";
        assert!(named_unschedulable(&[conflict(UNSCHEDULABLE)], why));
        assert!(!named_unschedulable(&[conflict("SERVICE_OVERLAP")], why));
        assert!(!named_unschedulable(
            &[conflict(UNSCHEDULABLE)],
            "checkout-v3: stage 1 cannot be placed"
        ));
    }

    #[test]
    fn moments_show_in_the_zone_of_the_grid() {
        // 2026-03-29 01:30 UTC: 03:30 in Berlin, after the clocks went forward.
        let at = 1_774_747_800_000;
        assert_eq!(in_zone("Europe/Berlin", at, "%H:%M"), "03:30");
        assert_eq!(in_zone("UTC", at, "%a %-d %H:%M"), "Sun 29 01:30");
    }
}
