//! Comparing service versions: dotted numbers with an optional pre-release, as in semver
//! (`1.10.0` > `1.9.3`, `2.0.0-rc.1` < `2.0.0`). Build metadata (`+...`) is ignored and a
//! leading `v` is allowed. Anything else cannot be compared.

use std::cmp::Ordering;

/// `a` against `b`; `None` when either is not a dotted numeric version.
pub(super) fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (Version::parse(a)?, Version::parse(b)?);
    let width = a.numbers.len().max(b.numbers.len());
    let number = |v: &Version, i: usize| v.numbers.get(i).copied().unwrap_or(0);
    let release = (0..width)
        .map(|i| number(&a, i).cmp(&number(&b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal);
    Some(release.then_with(|| compare_pre_release(&a.pre, &b.pre)))
}

struct Version<'v> {
    numbers: Vec<u64>,
    /// Dot-separated pre-release identifiers; empty for a release.
    pre: Vec<&'v str>,
}

impl<'v> Version<'v> {
    fn parse(text: &'v str) -> Option<Version<'v>> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let text = text.split_once('+').map_or(text, |(v, _build)| v);
        let (release, pre) = match text.split_once('-') {
            Some((release, pre)) => (release, pre.split('.').collect()),
            None => (text, Vec::new()),
        };
        let numbers = release
            .split('.')
            .map(|part| {
                let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                digits.then(|| part.parse::<u64>().ok()).flatten()
            })
            .collect::<Option<Vec<u64>>>()?;
        if pre.iter().any(|p: &&str| p.is_empty()) {
            return None;
        }
        Some(Version { numbers, pre })
    }
}

/// A release is newer than any of its pre-releases; identifiers compare numerically when both
/// are numbers, numbers before words, and a longer list wins a tie (semver §11).
fn compare_pre_release(a: &[&str], b: &[&str]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}
