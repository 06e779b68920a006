//! "Did you mean": the closest known name to a mistyped one, shared by every module
//! that reports an unknown name (cohorts, rules, metrics, parameter paths…).
//!
//! Names are compared as dotted paths: a candidate that shares more leading segments
//! with what was typed comes first, then the one fewest edits away. So a typo in the
//! component of `services.48.…` is corrected to a path of service 48, not to a path of
//! another service that happens to be one character closer. Names without dots (cohort
//! ids, rule ids, metrics) share no segments and are ranked by edits alone.

/// Suggest the closest known name, as ` (did you mean `NAME`?)`, or nothing when no
/// known name is close.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match closest(wanted, known) {
        Some(k) => format!(" (did you mean `{k}`?)"),
        None => String::new(),
    }
}

/// The known name closest to `wanted`: most leading path segments in common, then
/// fewest edits, then the first in text order; `None` when every name needs more
/// than about a third of its characters changed.
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (edit_distance(wanted, k), k))
        .filter(|(d, k)| *d <= (k.len().max(wanted.len()) / 3).max(2))
        .min_by_key(|(d, k)| (std::cmp::Reverse(shared_segments(wanted, k)), *d, *k))
        .map(|(_, k)| k)
}

/// How many leading `.`-separated segments `a` and `b` have in common.
fn shared_segments(a: &str, b: &str) -> usize {
    a.split('.')
        .zip(b.split('.'))
        .take_while(|(x, y)| x == y)
        .count()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_ranked_by_edits() {
        let known = ["pupils_primary", "pupils_junior", "pop_rural"];
        assert_eq!(closest("pupils_primray", known), Some("pupils_primary"));
        assert_eq!(closest("pop_rual", known), Some("pop_rural"));
        assert_eq!(closest("teachers", known), None);
        assert_eq!(did_you_mean("xyz", known), "");
    }

    #[test]
    fn paths_of_the_same_service_come_first() {
        // why: `services.48.urban.standard` is 10 edits from the path of service 48
        // but only 8 from `services.5.grant.standard`; the shared `services.48`
        // prefix must win.
        let known = [
            "services.5.grant.standard",
            "services.48.urban_allowance.standard",
            "services.48.urban_allowance.coverage",
            "services.45.urban.standard",
        ];
        assert_eq!(
            closest("services.48.urban.standard", known[..3].iter().copied()),
            Some("services.48.urban_allowance.standard")
        );
        // A path of the same service one segment further along wins over another
        // service's path that is fewer edits away.
        assert_eq!(
            closest("services.48.urban_alowance.standard", known),
            Some("services.48.urban_allowance.standard")
        );
        assert_eq!(
            closest("services.48.urban_allowance.standrd", known),
            Some("services.48.urban_allowance.standard")
        );
    }
}
