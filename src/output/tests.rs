//! The transaction on a temporary folder: replacement, rollback, refusals.

use super::*;

#[test]
fn temporary_names_parse() {
    assert_eq!(leftover(".out.tmp-123"), Some(("out", false, 123)));
    assert_eq!(leftover(".a.b.csv.old-7"), Some(("a.b.csv", true, 7)));
    assert_eq!(leftover(".spill.tmp-9"), Some(("spill", false, 9)));
    assert_eq!(leftover("out.tmp-1"), None);
    assert_eq!(leftover(".out.tmp-x"), None);
    assert_eq!(leftover(".out.new-1"), None);
}

#[test]
fn a_folder_replaces_its_old_self_and_keeps_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let files = |v: &str| vec![("a.csv".to_owned(), v.as_bytes().to_vec())];
    write_folder(&dir, &files("1"), "s", false, Protected::default()).unwrap();
    // Without a manifest the folder is foreign once it has files.
    fs::write(dir.join("note.txt"), "mine").unwrap();
    let e = write_folder(&dir, &files("2"), "s", false, Protected::default()).unwrap_err();
    assert!(e.to_string().contains("files fendan did not write"), "{e}");
    write_folder(&dir, &files("2"), "s", true, Protected::default()).unwrap();
    assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "2");
    assert_eq!(fs::read_to_string(dir.join("note.txt")).unwrap(), "mine");
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out"]);
}

#[test]
fn a_failed_second_output_rolls_the_first_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    fs::create_dir(&dir).unwrap();
    let mut tx = Transaction::new(Protected::default(), false);
    let s = tx.folder(&dir, Owner::Scenario("s")).unwrap();
    s.write("a.csv", b"new").unwrap();
    let book = tmp.path().join("book.xlsx");
    let f = tx.file(&book, Owner::Part).unwrap();
    f.write_whole(b"x").unwrap();
    // The workbook's temporary file vanishes before the commit: its rename fails.
    fs::remove_file(f.path("")).unwrap();
    assert!(tx.commit().is_err());
    assert!(dir.is_dir());
    assert!(
        fs::read_dir(&dir).unwrap().next().is_none(),
        "the old (empty) folder is back"
    );
    assert!(!book.exists());
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out"]);
}

#[test]
fn inputs_and_files_are_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in").join("s.yaml");
    fs::create_dir(tmp.path().join("in")).unwrap();
    fs::write(&input, "x").unwrap();
    let mut tx = Transaction::new(Protected::new([&input]), true);
    assert!(
        tx.folder(&tmp.path().join("in"), Owner::Scenario("s"))
            .is_err()
    );
    assert!(tx.file(&input, Owner::Part).is_err());
    assert!(tx.folder(&input, Owner::Scenario("s")).is_err());
    drop(tx);
    assert_eq!(fs::read_to_string(&input).unwrap(), "x");
}

/// A manifest read once is not read again while its file is the same, and a manifest
/// replaced (as a run replaces its folder: a new file) or rewritten is read anew.
#[test]
fn a_manifest_is_read_again_when_its_file_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("manifest.json");
    let manifest = |name: &str, outputs: &[&str]| {
        let listed: Vec<String> = outputs
            .iter()
            .map(|o| format!(r#"{{"name":"{o}"}}"#))
            .collect();
        format!(
            r#"{{"scenario":{{"name":"{name}"}},"outputs":[{}]}}"#,
            listed.join(",")
        )
    };
    let whose = |name: &str, outputs: &[&str]| {
        Some((
            "scenario",
            name.to_owned(),
            outputs.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>(),
        ))
    };
    fs::write(&path, manifest("a", &["x.csv"])).unwrap();
    assert_eq!(manifest_of(tmp.path()), whose("a", &["x.csv"]));
    assert_eq!(manifest_of(tmp.path()), whose("a", &["x.csv"]));
    // Replaced by another file under the same name (another inode).
    let new = tmp.path().join("manifest.json.new");
    fs::write(&new, manifest("b", &["x.csv"])).unwrap();
    fs::rename(&new, &path).unwrap();
    assert_eq!(manifest_of(tmp.path()), whose("b", &["x.csv"]));
    // Rewritten in place with another length.
    fs::write(&path, manifest("b", &["x.csv", "y.csv"])).unwrap();
    assert_eq!(manifest_of(tmp.path()), whose("b", &["x.csv", "y.csv"]));
    // Gone: no manifest, whatever was read before.
    fs::remove_file(&path).unwrap();
    assert_eq!(manifest_of(tmp.path()), None);
}
