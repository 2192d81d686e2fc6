//! Histogram properties: merging is associative and commutative, quantiles are within the
//! documented 10%, the text form round-trips, and decoding any text never panics.

use breakwater_domain::health::Histogram;
use proptest::prelude::*;

fn of(latencies: &[(f64, u64)]) -> Histogram {
    let mut h = Histogram::default();
    for &(ms, count) in latencies {
        h.record(ms, count);
    }
    h
}

fn latencies() -> impl Strategy<Value = Vec<(f64, u64)>> {
    prop::collection::vec((0.0f64..700_000.0, 0u64..1000), 0..40)
}

fn merged(a: &Histogram, b: &Histogram) -> Histogram {
    let mut out = a.clone();
    out.merge(b);
    out
}

proptest! {
    #[test]
    fn merge_is_commutative_and_associative(a in latencies(), b in latencies(), c in latencies()) {
        let (a, b, c) = (of(&a), of(&b), of(&c));
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
    }

    #[test]
    fn merging_equals_recording_everything(a in latencies(), b in latencies()) {
        let both: Vec<_> = a.iter().chain(&b).copied().collect();
        prop_assert_eq!(merged(&of(&a), &of(&b)), of(&both));
    }

    #[test]
    fn quantiles_are_within_ten_percent(
        samples in prop::collection::vec(1.0f64..600_000.0, 1..300),
        q in 0.0f64..=1.0,
    ) {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let h = of(&samples.iter().map(|&ms| (ms, 1)).collect::<Vec<_>>());
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        let truth = sorted[rank - 1];
        let seen = h.quantile(q).expect("not empty");
        prop_assert!((seen - truth).abs() <= truth * 0.1, "q {q}: {seen} for {truth}");
    }

    #[test]
    fn text_form_round_trips(a in latencies()) {
        let h = of(&a);
        prop_assert_eq!(Histogram::decode(&h.encode()), Some(h));
    }

    #[test]
    fn decoding_any_text_never_panics(text in ".{0,60}", digits in "[0-9:,]{0,40}") {
        for text in [text, digits] {
            if let Some(h) = Histogram::decode(&text) {
                // Whatever decodes is the canonical form of what it decodes to.
                prop_assert_eq!(h.encode(), text);
            }
        }
    }
}

#[test]
fn malformed_text_is_refused() {
    for text in [
        ",",
        "1",
        "1:",
        ":1",
        "1:0",
        "3:1,2:1",
        "3:1,3:1",
        "-1:2",
        "1:+2",
        "1:2,",
        " 1:2",
        "142:1",
        "99999999999999999999:1",
        "1:99999999999999999999",
        "a:b",
    ] {
        assert_eq!(Histogram::decode(text), None, "{text:?}");
    }
    assert_eq!(Histogram::decode(""), Some(Histogram::default()));
    assert_eq!(Histogram::decode("0:3,141:1").map(|h| h.total()), Some(4));
}

#[test]
fn edges_of_the_range() {
    assert_eq!(Histogram::default().quantile(0.5), None);
    let h = of(&[(0.2, 1), (f64::NAN, 1), (-5.0, 1)]);
    assert!(
        h.quantile(1.0).unwrap() <= 1.0,
        "sub-millisecond answers at most 1 ms"
    );
    let slow = of(&[(5_000_000.0, 3)]);
    let top = slow.quantile(0.99).unwrap();
    assert!(
        (600_000.0..700_000.0).contains(&top),
        "overflow answers the top bound: {top}"
    );
    assert_eq!(of(&[(100.0, 1)]).quantile(f64::NAN), None);
}
