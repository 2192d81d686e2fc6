//! `/runs/:id`: one run, live. The server renders its whole state (it reads the same without
//! JavaScript; refresh to update); in the browser the page follows the run's server-sent events
//! (`/api/v1/runs/{id}/live`, each a whole `RunView`), ticks the countdown to the next automatic
//! advance each second, and offers the controls, a break-glass override of the calendar and a
//! fault drill.

use crate::api::runs::get_run;
use crate::ui::access::{run_commands, Can, WithUser};
use crate::ui::components::calendar_banner::CalendarBanner;
use crate::ui::components::exposure_table::{exposure_rows, ExposureTable};
use crate::ui::components::fault_panel::{DrillTarget, FaultPanel};
use crate::ui::components::gate_sparkline::{verdict_label, GateTable};
use crate::ui::components::override_form::OverrideForm;
use crate::ui::components::run_controls::RunControls;
use crate::ui::components::run_status::{countdown, position, utc, utc_text, RunStatusBadge};
use crate::ui::components::run_timeline::RunTimeline;
use crate::ui::components::share_links::ShareLinks;
use crate::ui::pages::LoadError;
use crate::wire::access::Me;
use crate::wire::runs::RunView;
use crate::wire::share::ShareKind;
use crate::wire::ApiError;
use breakwater_domain::access::Need;
use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::run::{Millis, RunStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let run = Resource::new(
        move || id.get(),
        |id| async move {
            match id.parse::<i64>() {
                Ok(id) => get_run(id).await,
                Err(_) => Err(ApiError::NotFound(format!("run '{id}'"))),
            }
        },
    );
    view! {
        <Title text=move || format!("Run {}", id.get())/>
        <section class="page run-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the run…"</p> }>
                {move || Suspend::new(async move {
                    match run.await {
                        Ok(initial) => view! { <RunBody initial/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the run"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The browser's clock, to tick countdowns between updates. The server renders at the view's own
/// `now` and needs none.
fn local_clock() -> Millis {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as Millis
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[component]
fn RunBody(initial: RunView) -> impl IntoView {
    let id = initial.summary.id;
    // Every service the run changes or could hurt, with the versions of the changed ones.
    let targets: Vec<DrillTarget> = initial
        .run
        .services
        .iter()
        .map(|s| DrillTarget {
            service: s.service.clone(),
            versions: vec![s.from_version.clone(), s.to_version.clone()],
        })
        .chain(
            initial
                .run
                .plan
                .stages
                .iter()
                .flat_map(|s| &s.blast_radius)
                .filter(|id| initial.run.service(id).is_none())
                .map(|id| DrillTarget {
                    service: id.clone(),
                    versions: Vec::new(),
                }),
        )
        .fold(Vec::new(), |mut all: Vec<DrillTarget>, target| {
            if !all.iter().any(|t| t.service == target.service) {
                all.push(target);
            }
            all
        });
    let run = RwSignal::new(initial);
    // When the shown view arrived and the clock now, by the browser's clock: the countdown is the
    // view's `next_advance_at - now` less what has passed since.
    let loaded = local_clock();
    let received = RwSignal::new(loaded);
    let clock = RwSignal::new(loaded);
    // `try_set`: an answer may arrive after the page went away.
    let show = move |view: RunView| {
        let now = local_clock();
        received.try_set(now);
        clock.try_set(now);
        run.try_set(view);
    };
    #[cfg(feature = "hydrate")]
    {
        let ticker = set_interval_with_handle(
            move || clock.set(local_clock()),
            std::time::Duration::from_secs(1),
        );
        if let Ok(ticker) = ticker {
            on_cleanup(move || ticker.clear());
        }
        live::follow(id, show);
    }
    let refresh = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            if let Ok(view) = get_run(id).await {
                show(view);
            }
        });
    });

    let head = move || {
        run.with(|v| {
            let s = &v.summary;
            view! {
                <h1>{format!("Run #{} of {}", s.id, s.plan)}</h1>
                <p class="run-meta">
                    <RunStatusBadge status=s.status/>
                    " · plan "<a href=format!("/plans/{}?revision={}", s.plan, s.plan_revision)>{s.plan.clone()}</a>
                    {format!(" revision {} · started by {} on {} · updated {} · run revision {}",
                        s.plan_revision, s.created_by, utc_text(&s.created_at), utc_text(&s.updated_at), s.revision)}
                </p>
            }
        })
    };
    let failure = move || {
        run.with(|v| {
            v.summary.failure.clone().map(|text| {
                view! { <p class="banner failure" role="alert"><strong>"Automatic action: "</strong>{text}</p> }
            })
        })
    };
    let calendar = move || {
        run.with(|v| {
            view! {
                <CalendarBanner waiting=v.summary.waiting.clone() hold=v.calendar_hold.clone()
                    calendar_override=v.summary.calendar_override.clone() now=v.now/>
            }
        })
    };
    // Break-glass only while the run can still act.
    let unfinished = move || run.with(|v| !v.summary.status.is_finished());
    let now = move || {
        run.with(|v| {
            let s = &v.summary;
            let step = s.step.map(|j| v.run.step_words(s.stage, j));
            let bake = s.step.map(|j| format_duration((v.run.bake_millis(s.stage, j) / 1000) as u64));
            let verdict = match &v.verdict {
                Some(verdict) => {
                    let label = verdict_label(verdict.verdict);
                    let at = v.evaluated_at.map(|at| format!(" at {}", utc(at))).unwrap_or_default();
                    view! {
                        <span class=format!("verdict-badge {label}")>{label}</span>
                        <span class="muted">{format!(" last evaluated{at}")}</span>
                    }
                    .into_any()
                }
                None => view! { <span class="muted">"not evaluated yet"</span> }.into_any(),
            };
            view! {
                <div class="run-now" data-status=s.status.as_str() data-stage=s.stage + 1
                    data-step=s.step.map(|j| j + 1)>
                    <p class="position">{position(&v.run, s.stage, s.step)}</p>
                    {step.map(|step| view! { <p class="targets">{step}{bake.map(|b| format!(" · bakes {b}"))}</p> })}
                    <p class="gates-verdict">"Gates: "{verdict}</p>
                </div>
            }
        })
    };
    let next_advance = move || {
        let elapsed = (clock.get() - received.get()).max(0);
        run.with(|v| match (&v.summary.waiting, v.next_advance_at) {
            (Some(waiting), _) => match waiting.opens_at {
                Some(at) => format!(
                    "Held by the calendar: opens in {}",
                    countdown(at - v.now - elapsed)
                ),
                None => "Held by the calendar".to_string(),
            },
            (None, Some(at)) => format!(
                "Next automatic advance in {}",
                countdown(at - v.now - elapsed)
            ),
            (None, None) => match v.summary.status {
                RunStatus::Pending => "Waiting to be started".to_string(),
                RunStatus::Running => "No automatic advance until the gates hold".to_string(),
                RunStatus::Paused => "Paused: no automatic advance".to_string(),
                RunStatus::RollingBack => "Rolling back".to_string(),
                RunStatus::RolledBack | RunStatus::Completed | RunStatus::Aborted => {
                    "Finished".to_string()
                }
            },
        })
    };
    let exposure = move || {
        run.with(|v| {
            let current = (!v.summary.status.is_finished()).then_some(v.summary.stage);
            view! { <ExposureTable rows=exposure_rows(&v.run, &v.state) current_stage=current/> }
        })
    };
    let gates = move || {
        run.with(|v| match &v.verdict {
            Some(verdict) => view! {
                <GateTable evaluations=verdict.evaluations.clone() sparklines=v.sparklines.clone()/>
            }
            .into_any(),
            None => view! { <p class="empty">"No gate evaluated for the current step yet."</p> }
                .into_any(),
        })
    };
    let timeline =
        move || run.with(|v| view! { <RunTimeline run=v.run.clone() events=v.events.clone()/> });

    view! {
        <div class="page-head">
            <div>{head}</div>
            <a class="button" href="/runs">"All runs"</a>
        </div>
        {failure}
        {calendar}
        <div class="run-summary">
            {now}
            <p class="countdown" data-next-advance=move || run.with(|v| v.next_advance_at.map(|at| at.to_string()))>
                {next_advance}
            </p>
        </div>
        <WithUser children={move |me: Option<Me>| {
            let offered = run_commands(me.as_ref());
            (!offered.is_empty()).then(|| view! {
                <RunControls
                    id
                    offered
                    commands=Signal::derive(move || run.with(|v| v.commands.clone()))
                    revision=Signal::derive(move || run.with(|v| v.summary.revision))
                    on_changed=refresh
                />
            })
        }}/>
        <Can need=Need::Release>
            <Show when=unfinished>
                <details class="break-glass" data-testid="break-glass">
                    <summary>"Break-glass: override the calendar for this run"</summary>
                    <OverrideForm id on_changed=refresh/>
                </details>
            </Show>
        </Can>
        <div class="run-columns">
            <section aria-labelledby="exposure-title">
                <h2 id="exposure-title">"Exposure"</h2>
                {exposure}
                <h2>"Gates of the current step"</h2>
                {gates}
                <Can need=Need::Release>
                    <h2>"Run a drill"</h2>
                    <p class="hint">"Inject a fault into the simulated traffic of a service and watch the gates catch it."</p>
                    <FaultPanel targets=targets.clone()/>
                </Can>
            </section>
            <section aria-labelledby="timeline-title">
                <h2 id="timeline-title">"Timeline"</h2>
                {timeline}
            </section>
        </div>
        <Can need=Need::Release>
            <ShareLinks kind=ShareKind::Run subject=id.to_string()/>
        </Can>
    }
}

/// Following the run's server-sent events in the browser.
#[cfg(feature = "hydrate")]
mod live {
    use crate::wire::runs::RunView;
    use futures_util::future::{select, Either};
    use futures_util::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    /// How long to wait before opening a new stream once the browser gave up on one (it retries
    /// by itself while the server is merely unreachable).
    const RECONNECT_MILLIS: i32 = 3_000;

    /// Shows each `run` event's view until the page goes away. The stream's first event is the
    /// run's current state, so a reconnection resynchronises the page.
    pub fn follow(id: i64, show: impl Fn(RunView) + 'static) {
        let mut left = page_left();
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/runs/{id}/live");
            loop {
                // Dropping the source closes it: leaving the page returns from here.
                let Ok(mut source) = EventSource::new(&url) else {
                    return;
                };
                let Ok(mut events) = source.subscribe("run") else {
                    return;
                };
                // A closed stream yields an error and may never end, so every wait also
                // watches for the page leaving.
                loop {
                    match select(events.next(), &mut left).await {
                        Either::Left((Some(Ok((_, message))), _)) => {
                            let view = message
                                .data()
                                .as_string()
                                .and_then(|json| serde_json::from_str::<RunView>(&json).ok());
                            if let Some(view) = view {
                                show(view);
                            }
                        }
                        // The browser gave up reconnecting.
                        Either::Left(_) => break,
                        Either::Right(_) => return,
                    }
                }
                if let Either::Right(_) = select(sleep(RECONNECT_MILLIS), &mut left).await {
                    return;
                }
            }
        });
    }

    /// Completes once the current owner (the page) is cleaned up.
    fn page_left() -> JsFuture {
        let resolve = StoredValue::new_local(None::<js_sys::Function>);
        let promise = js_sys::Promise::new(&mut |done, _| resolve.set_value(Some(done)));
        // Cleanups run before the owner disposes its values, so `resolve` is still there.
        on_cleanup(move || {
            resolve.try_with_value(|done| {
                done.as_ref()
                    .map(|done| done.call0(&wasm_bindgen::JsValue::UNDEFINED))
            });
        });
        JsFuture::from(promise)
    }

    fn sleep(millis: i32) -> JsFuture {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = leptos::web_sys::window() {
                let _ =
                    window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
            }
        });
        JsFuture::from(promise)
    }
}
