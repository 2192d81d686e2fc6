//! The plan file keys of gates and webhooks: `relative`, `min_samples`, `objective`, data-check
//! URLs and `webhook: {url, secret_env}`; every bad value at its field, and a round trip that
//! keeps every value.

use breakwater_domain::plan::document::{self, LoadedPlan};
use breakwater_domain::plan::policy::{Webhook, DEFAULT_MIN_SAMPLES, DEFAULT_OBJECTIVE};
use breakwater_domain::plan::{Gate, PlanLocation, Signal};

fn load(text: &str) -> LoadedPlan {
    document::load(text, &mut |_: &str| Err("no spec files here".to_string()))
}

/// A plan whose policy has `lines` (indented by two), with one change that has `change_policy`.
fn plan(lines: &str, change_policy: &str) -> String {
    format!(
        "plan: checkout-v2\npolicy:\n{lines}changes:\n  - service: payment\n    to_version: 2.0.0\n{change_policy}"
    )
}

/// The errors of a load: code and field.
fn errors(text: &str) -> Vec<(String, String)> {
    let loaded = load(text);
    loaded
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| {
            assert!(!p.message.is_empty());
            let at = match &p.location {
                PlanLocation::Field { path } => path.clone(),
                other => other.to_string(),
            };
            (p.code.clone(), at)
        })
        .collect()
}

/// An expected problem: its code and field.
type Problem = (&'static str, &'static str);

fn check(name: &str, text: &str, expected: &[Problem]) {
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect();
    let mut got = errors(text);
    want.sort();
    got.sort();
    assert_eq!(got, want, "{name}\n{text}");
}

#[test]
fn gate_keys() {
    let gates = |list: &str| plan(&format!("  gates:\n{list}"), "");
    let cases: &[(&str, &str, &[Problem])] = &[
        (
            "valid",
            "    - { signal: error_rate, max: 1.5, relative: true, min_samples: 0 }
    - { signal: latency_p99, max: 2, relative: false, min_samples: 1000000000 }
    - { signal: burn_rate, max: 6, objective: 99.95, window: 1h }
    - { signal: data_check, check: 'https://checks.example/orders?x=1' }
    - { signal: data_check, check: 'HTTP://127.0.0.1:8080' }
",
            &[],
        ),
        (
            "relative on a burn rate or a data check",
            "    - { signal: burn_rate, max: 2, relative: true }
    - { signal: data_check, check: 'https://c.example/x', relative: true }
",
            &[
                ("INVALID_GATE", "policy.gates[0].relative"),
                ("INVALID_GATE", "policy.gates[1].relative"),
            ],
        ),
        (
            "relative not a boolean",
            "    - { signal: error_rate, max: 1, relative: sometimes }\n",
            &[("INVALID_GATE", "policy.gates[0].relative")],
        ),
        (
            "min_samples out of range or not whole",
            "    - { signal: error_rate, max: 1, min_samples: 1000000001 }
    - { signal: error_rate, max: 1, min_samples: -1 }
    - { signal: error_rate, max: 1, min_samples: 2.5 }
    - { signal: error_rate, max: 1, min_samples: many }
",
            &[
                ("INVALID_GATE", "policy.gates[1].min_samples"),
                ("INVALID_GATE", "policy.gates[2].min_samples"),
                ("INVALID_GATE", "policy.gates[3].min_samples"),
                ("INVALID_GATE", "policy.gates[0].min_samples"),
            ],
        ),
        (
            "objective out of range, not a number, or on another signal",
            "    - { signal: burn_rate, max: 2, objective: 100 }
    - { signal: burn_rate, max: 2, objective: 0 }
    - { signal: burn_rate, max: 2, objective: .nan }
    - { signal: burn_rate, max: 2, objective: high }
    - { signal: error_rate, max: 1, objective: 99 }
",
            &[
                ("INVALID_GATE", "policy.gates[3].objective"),
                ("INVALID_GATE", "policy.gates[0].objective"),
                ("INVALID_GATE", "policy.gates[1].objective"),
                ("INVALID_GATE", "policy.gates[2].objective"),
                ("INVALID_GATE", "policy.gates[4].objective"),
            ],
        ),
        (
            "data checks are URLs",
            "    - { signal: data_check, check: orders-reconciled }
    - { signal: data_check, check: 'ftp://c.example/x' }
    - { signal: data_check, check: 'https://' }
    - { signal: data_check, check: 'https://c.example/a b' }
",
            &[
                ("INVALID_GATE", "policy.gates[0].check"),
                ("INVALID_GATE", "policy.gates[1].check"),
                ("INVALID_GATE", "policy.gates[2].check"),
                ("INVALID_GATE", "policy.gates[3].check"),
            ],
        ),
    ];
    for (name, list, expected) in cases {
        check(name, &gates(list), expected);
    }
    let long = format!("https://c.example/{}", "x".repeat(2000));
    check(
        "an overlong URL",
        &gates(&format!(
            "    - {{ signal: data_check, check: '{long}' }}\n"
        )),
        &[("OVER_LIMIT", "policy.gates[0].check")],
    );
}

#[test]
fn webhooks() {
    let cases: &[(&str, &str, &str, &[Problem])] = &[
        (
            "valid everywhere",
            "  webhook: { url: 'https://deploy.example/hooks/bw', secret_env: BW_SECRET }\n  stages:\n    - { stage: 1, webhook: { url: 'http://10.0.0.1:9000/', secret_env: _S1 } }\n",
            "    policy:\n      webhook: { url: 'https://pay.example/hook', secret_env: PAYMENT_HOOK_2 }\n",
            &[],
        ),
        (
            "bad url and secret name",
            "  webhook: { url: 'deploy.example/hooks', secret_env: bw-secret }\n",
            "",
            &[
                ("INVALID_WEBHOOK", "policy.webhook.url"),
                ("INVALID_WEBHOOK", "policy.webhook.secret_env"),
            ],
        ),
        (
            "missing and non-text values",
            "  webhook: { url: 12 }\n",
            "    policy:\n      webhook: { secret_env: [A] }\n",
            &[
                ("INVALID_WEBHOOK", "policy.webhook.url"),
                ("INVALID_WEBHOOK", "policy.webhook.secret_env"),
                ("INVALID_WEBHOOK", "changes[0].policy.webhook.url"),
                ("INVALID_WEBHOOK", "changes[0].policy.webhook.secret_env"),
            ],
        ),
        (
            "secret names",
            "  webhook: { url: 'https://d.example', secret_env: 1ABC }\n",
            "    policy:\n      webhook: { url: 'https://d.example', secret_env: 'A B' }\n",
            &[
                ("INVALID_WEBHOOK", "policy.webhook.secret_env"),
                ("INVALID_WEBHOOK", "changes[0].policy.webhook.secret_env"),
            ],
        ),
    ];
    for (name, policy, change, expected) in cases {
        check(name, &plan(policy, change), expected);
    }
    let long_env = "A".repeat(101);
    check(
        "an overlong secret name",
        &plan(
            &format!("  webhook: {{ url: 'https://d.example', secret_env: {long_env} }}\n"),
            "",
        ),
        &[("OVER_LIMIT", "policy.webhook.secret_env")],
    );
    assert!(
        load(&plan(
            "  webhook: { url: 'https://d.example', secret_env: S, token: x }\n",
            ""
        ))
        .spec
        .is_none(),
        "unknown webhook keys are refused like every other unknown key"
    );
}

#[test]
fn round_trip_keeps_every_value_and_omits_defaults() {
    let text = plan(
        "  gates:
    - { signal: error_rate, max: 1.5, relative: true, min_samples: 500 }
    - { signal: burn_rate, max: 6, objective: 99.5, window: 2h }
    - { signal: data_check, check: 'https://checks.example/orders' }
  webhook: { url: 'https://deploy.example/hooks/bw', secret_env: BW_SECRET }
",
        "    policy:\n      webhook: { url: 'https://pay.example/hook', secret_env: PAY }\n",
    );
    let loaded = load(&text);
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    let spec = loaded.spec.unwrap();
    let gates = &spec.policy.gates;
    assert!(gates[0].relative && gates[0].min_samples == 500);
    assert_eq!(gates[1].objective, 99.5);
    assert_eq!(
        spec.policy.webhook,
        Some(Webhook {
            url: "https://deploy.example/hooks/bw".into(),
            secret_env: "BW_SECRET".into()
        })
    );
    let written = document::to_yaml(&spec);
    let again = load(&written);
    assert!(again.is_valid(), "{written}\n{:?}", again.problems);
    assert_eq!(again.spec.as_ref(), Some(&spec), "{written}");
    // Defaults are not written.
    let defaults = Gate::new(Signal::ErrorRate, 1.0);
    assert_eq!(
        (defaults.min_samples, defaults.objective),
        (DEFAULT_MIN_SAMPLES, DEFAULT_OBJECTIVE)
    );
    let plain = document::to_yaml(&load(&plan("  bake: 5m\n", "")).spec.unwrap());
    for key in ["relative", "min_samples", "objective", "webhook"] {
        assert!(!plain.contains(key), "{key} written as a default:\n{plain}");
    }
    for key in [
        "relative: true",
        "min_samples: 500",
        "objective: 99.5",
        "secret_env: PAY",
    ] {
        assert!(written.contains(key), "{key} missing:\n{written}");
    }
}
