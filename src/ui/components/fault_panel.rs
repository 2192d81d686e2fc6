//! "Run a drill": injects a fault into the traffic simulator (added latency, an error rate, for a
//! while) on one service, or one of its versions, to watch the gates catch it and the run react.

use crate::api::runs::inject_fault;
use crate::wire::runs::FaultRequest;
use leptos::prelude::*;

/// A service the drill may target and the versions it may be narrowed to.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillTarget {
    pub service: String,
    pub versions: Vec<String>,
}

/// The form's text as a fault, or what is wrong with it. The server checks the ranges again.
fn read_fault(
    service: &str,
    version: &str,
    latency: &str,
    error_rate: &str,
    duration: &str,
) -> Result<FaultRequest, String> {
    let number = |text: &str, what: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("{what} must be a number, 0 or more"))
    };
    let fault = FaultRequest {
        service: service.to_string(),
        version: (!version.is_empty()).then(|| version.to_string()),
        added_latency_ms: number(latency, "The added latency")?,
        error_rate: number(error_rate, "The error rate")?,
        duration_secs: duration
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|d| *d > 0)
            .ok_or("The duration must be a whole number of seconds")?,
    };
    if fault.error_rate > 1.0 {
        return Err("The error rate is a fraction from 0 to 1".to_string());
    }
    if fault.added_latency_ms == 0.0 && fault.error_rate == 0.0 {
        return Err("A fault adds latency, errors or both".to_string());
    }
    Ok(fault)
}

fn describe(fault: &FaultRequest) -> String {
    let target = match &fault.version {
        Some(version) => format!("{} {version}", fault.service),
        None => format!("{} (every version)", fault.service),
    };
    format!(
        "Fault injected into {target}: +{} ms, {}% errors, for {} s. Watch the gates.",
        fault.added_latency_ms,
        // To a tenth of a percent: 0.3 × 100 is not exactly 30.
        (fault.error_rate * 1000.0).round() / 10.0,
        fault.duration_secs
    )
}

#[component]
pub fn FaultPanel(targets: Vec<DrillTarget>) -> impl IntoView {
    let first = targets
        .first()
        .map(|t| t.service.clone())
        .unwrap_or_default();
    let targets = StoredValue::new(targets);
    let service = RwSignal::new(first);
    let version = RwSignal::new(String::new());
    let latency = RwSignal::new("1500".to_string());
    let error_rate = RwSignal::new("0.3".to_string());
    let duration = RwSignal::new("120".to_string());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<String, String>>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fault = read_fault(
            &service.get_untracked(),
            &version.get_untracked(),
            &latency.get_untracked(),
            &error_rate.get_untracked(),
            &duration.get_untracked(),
        );
        let fault = match fault {
            Ok(fault) => fault,
            Err(problem) => return result.set(Some(Err(problem))),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let text = describe(&fault);
            let outcome = inject_fault(fault).await;
            busy.set(false);
            result.set(Some(outcome.map(|_| text).map_err(|e| e.to_string())));
        });
    };
    let service_options = targets.with_value(|t| {
        t.iter()
            .map(|t| view! { <option value=t.service.clone()>{t.service.clone()}</option> })
            .collect_view()
    });
    let version_options = move || {
        let chosen = service.get();
        targets.with_value(|t| {
            t.iter()
                .find(|t| t.service == chosen)
                .map(|t| t.versions.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|v| view! { <option value=v.clone()>{v.clone()}</option> })
                .collect_view()
        })
    };
    let field = |label: &'static str,
                 name: &'static str,
                 value: RwSignal<String>,
                 step: &'static str| {
        view! {
            <label>{label}
                <input type="number" name=name min="0" step=step required
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <form class="fault-panel" on:submit=submit aria-label="Run a drill">
            <label>"Service"
                <select name="service" prop:value=move || service.get()
                    on:change=move |ev| { service.set(event_target_value(&ev)); version.set(String::new()); }>
                    {service_options}
                </select>
            </label>
            <label>"Version"
                <select name="version" prop:value=move || version.get() on:change=move |ev| version.set(event_target_value(&ev))>
                    <option value="">"every version"</option>
                    {version_options}
                </select>
            </label>
            {field("Added latency (ms)", "added_latency_ms", latency, "1")}
            {field("Error rate (0 to 1)", "error_rate", error_rate, "0.01")}
            {field("Duration (s)", "duration_secs", duration, "1")}
            <button type="submit" class="primary danger" disabled=move || busy.get()>"Inject the fault"</button>
            {move || result.get().map(|r| match r {
                Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_as_a_fault() {
        let fault = read_fault("payment", "2.0.0", "800", "0.25", "60").unwrap();
        assert_eq!(fault.version.as_deref(), Some("2.0.0"));
        assert_eq!(
            (
                fault.added_latency_ms,
                fault.error_rate,
                fault.duration_secs
            ),
            (800.0, 0.25, 60)
        );
        assert_eq!(
            read_fault("payment", "", "0", "1", "5").unwrap().version,
            None
        );
        assert!(
            describe(&read_fault("payment", "", "0", "0.3", "5").unwrap()).contains(" 30% errors")
        );
        assert_eq!(
            describe(&fault),
            "Fault injected into payment 2.0.0: +800 ms, 25% errors, for 60 s. Watch the gates."
        );
    }

    #[test]
    fn bad_values_are_refused_before_sending() {
        assert!(read_fault("payment", "", "slow", "0", "5")
            .unwrap_err()
            .contains("latency"));
        assert!(read_fault("payment", "", "10", "1.5", "5")
            .unwrap_err()
            .contains("0 to 1"));
        assert!(read_fault("payment", "", "10", "0", "0")
            .unwrap_err()
            .contains("duration"));
        assert!(read_fault("payment", "", "0", "0", "5")
            .unwrap_err()
            .contains("latency, errors"));
        assert!(read_fault("payment", "", "-1", "0", "5").is_err());
    }
}
