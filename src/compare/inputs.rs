//! Why two runs differ, from their manifests: the input files (by SHA-256, the same plan
//! recognised when it sits in two places) and the parameters (by their dated values).
//! Kept apart from the tables of differences in `compare.rs`, which say by how much.

use std::collections::{BTreeMap, BTreeSet};

/// One input that differs between the runs: a file (by SHA-256) or a parameter (by its
/// dated values). `None` when the run does not have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub item: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// How the inputs of two runs differ, from their manifests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputDiff {
    pub files: Vec<Difference>,
    pub parameters: Vec<Difference>,
}

pub(super) fn differences(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| Difference {
            item: k.clone(),
            a: a.get(k).cloned(),
            b: b.get(k).cloned(),
        })
        .collect()
}

/// The place of an input file within its plan: `services/01-education.yaml` for
/// `seeds/services/01-education.yaml` and `my-plan/services/01-education.yaml`.
fn place_in_plan(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [.., "services", file] => format!("services/{file}"),
        [.., file] => (*file).to_owned(),
        [] => String::new(),
    }
}

/// [`differences`] of input files, where the same plan may sit in two places (the
/// embedded `seeds/` and a folder `fendan init` wrote): a file only one run names is
/// not a difference when the other run has a file with the same content, and two
/// files in the same place of their plans (`units.csv`) are compared with each other,
/// shown as `A's name → B's name`.
pub(super) fn file_differences(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut only_a: Vec<(&String, &String)> = Vec::new();
    let mut only_b: Vec<(&String, &String)> =
        b.iter().filter(|(k, _)| !a.contains_key(*k)).collect();
    for (k, ha) in a {
        match b.get(k) {
            Some(hb) if hb != ha => out.push(Difference {
                item: k.clone(),
                a: Some(ha.clone()),
                b: Some(hb.clone()),
            }),
            Some(_) => {}
            None => only_a.push((k, ha)),
        }
    }
    let hashes_a: BTreeSet<&String> = only_a.iter().map(|(_, h)| *h).collect();
    let hashes_b: BTreeSet<&String> = only_b.iter().map(|(_, h)| *h).collect();
    only_a.retain(|(_, h)| !hashes_b.contains(h));
    only_b.retain(|(_, h)| !hashes_a.contains(h));
    let count = |list: &[(&String, &String)], place: &str| {
        list.iter()
            .filter(|(k, _)| place_in_plan(k) == place)
            .count()
    };
    let mut paired_b = BTreeSet::new();
    for (ka, ha) in &only_a {
        let place = place_in_plan(ka);
        let partner = only_b
            .iter()
            .find(|(kb, _)| place_in_plan(kb) == place)
            .filter(|_| count(&only_a, &place) == 1 && count(&only_b, &place) == 1);
        match partner {
            Some((kb, hb)) => {
                paired_b.insert((*kb).clone());
                out.push(Difference {
                    item: format!("{ka} → {kb}"),
                    a: Some((*ha).clone()),
                    b: Some((*hb).clone()),
                });
            }
            None => out.push(Difference {
                item: (*ka).clone(),
                a: Some((*ha).clone()),
                b: None,
            }),
        }
    }
    for (kb, hb) in only_b {
        if !paired_b.contains(kb) {
            out.push(Difference {
                item: kb.clone(),
                a: None,
                b: Some(hb.clone()),
            });
        }
    }
    out.sort_by(|x, y| x.item.cmp(&y.item));
    out
}
