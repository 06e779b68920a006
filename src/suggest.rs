//! "Did you mean": the closest known name to a mistyped one, shared by every module
//! that reports an unknown name (cohorts, rules, metrics, parameter paths…).
//!
//! Names are compared as dotted paths. When what was typed shares two or more leading
//! segments with known paths (the same service, rule, cohort or unit:
//! `services.48.…`), only the paths that share the most are candidates, however close
//! another service's path is: a typo in the component of `services.48.…` is corrected
//! to a path of service 48, never to one of service 45. Among candidates, one that
//! completes what was typed comes first (`services.48.urban` → `services.48.urban_allowance`),
//! then the one fewest edits away. When none is close, the paths under the shared
//! prefix are listed instead, if there are few. Names without dots (cohort ids, rule
//! ids, metrics) share no segments and are ranked by edits alone.

use std::cmp::Reverse;

/// Candidates listed by [`did_you_mean`] when none is close but they share a prefix.
const LISTED: usize = 12;

/// Suggest the closest known name, as ` (did you mean `NAME`?)`; or, for a path whose
/// service (rule, cohort, unit) is right but nothing under it is close, the paths under
/// it; or nothing.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    if let Some(k) = closest(wanted, known.iter().copied()) {
        return format!(" (did you mean `{k}`?)");
    }
    let (depth, pool) = sharing_most(wanted, &known);
    if depth >= 2 && pool.len() <= LISTED {
        let prefix: Vec<&str> = wanted.split('.').take(depth).collect();
        let list: Vec<String> = pool.iter().map(|k| format!("`{k}`")).collect();
        return format!(
            " (the paths under `{}` are {})",
            prefix.join("."),
            list.join(", ")
        );
    }
    String::new()
}

/// The deepest number of leading segments `wanted` shares with a known name, and the
/// known names that share that many (all of them when it is under two).
fn sharing_most<'a>(wanted: &str, known: &[&'a str]) -> (usize, Vec<&'a str>) {
    let depth = known
        .iter()
        .map(|k| shared_segments(wanted, k))
        .max()
        .unwrap_or(0);
    if depth < 2 {
        return (depth, known.to_vec());
    }
    let pool = known
        .iter()
        .copied()
        .filter(|k| shared_segments(wanted, k) == depth)
        .collect();
    (depth, pool)
}

/// The part of `name` after its first `depth` segments.
fn tail(name: &str, depth: usize) -> &str {
    let mut rest = name;
    for _ in 0..depth {
        rest = rest.split_once('.').map_or("", |(_, r)| r);
    }
    rest
}

/// The known name closest to `wanted` (see the module doc), or `None` when every
/// candidate needs too many edits: more than about a third of the name's characters,
/// or, among paths sharing a service (rule …), half of the differing tail.
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let known: Vec<&str> = known.into_iter().collect();
    let (depth, pool) = sharing_most(wanted, &known);
    pool.into_iter()
        .filter(|k| *k != wanted)
        .map(|k| {
            let completes = k.starts_with(wanted);
            let d = if depth >= 2 {
                edit_distance(tail(wanted, depth), tail(k, depth))
            } else {
                edit_distance(wanted, k)
            };
            (completes, d, k)
        })
        .filter(|(completes, d, k)| {
            let limit = if depth >= 2 {
                (tail(k, depth).len().max(tail(wanted, depth).len()) / 2).max(3)
            } else {
                (k.len().max(wanted.len()) / 3).max(2)
            };
            *completes || *d <= limit
        })
        .min_by_key(|(completes, d, k)| {
            (
                Reverse(shared_segments(wanted, k)),
                !completes,
                if *completes { k.len() } else { *d },
                *k,
            )
        })
        .map(|(_, _, k)| k)
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
        // why: `services.48.urban.standard` is 1 edit from service 45's
        // `services.45.urban.standard` and 10 from service 48's path: the service wins.
        assert_eq!(
            closest("services.48.urban.standard", known),
            Some("services.48.urban_allowance.standard")
        );
    }

    #[test]
    fn prefixes_are_completed_and_far_typos_list_the_service() {
        let known = [
            "services.48",
            "services.48.urban_allowance",
            "services.48.urban_allowance.standard",
            "services.48.urban_allowance_difficult",
            "services.45.reward",
        ];
        assert_eq!(
            closest("services.48.urban", known),
            Some("services.48.urban_allowance")
        );
        let leaves = [
            "services.48.rural_allowance.standard",
            "services.48.urban_allowance.standard",
            "services.45.reward.standard",
        ];
        // why: nothing under `services.48` is near `xyz`, and service 45's path is no
        // better: the two paths of service 48 are listed rather than a wrong guess.
        assert_eq!(
            did_you_mean("services.48.xyz.standard", leaves),
            " (the paths under `services.48` are `services.48.rural_allowance.standard`, `services.48.urban_allowance.standard`)"
        );
        // A typo in the service number itself is corrected by edits.
        assert_eq!(
            closest("services.4.reward.standard", leaves),
            Some("services.45.reward.standard")
        );
        assert_eq!(
            closest(
                "splits.compulsry_edu.central",
                ["splits.compulsory_edu.central"]
            ),
            Some("splits.compulsory_edu.central")
        );
    }
}
