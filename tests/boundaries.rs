//! The boundaries of fendan, tried as a careless or hostile user would: what it may
//! write over, what it reads, and what it trusts. Each test runs the binary and checks
//! the exit code, the message, and that nothing it did not write was touched and
//! nothing of its own was left behind.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Run fendan in `dir` with `args`.
fn run(dir: &Path, args: &[&str]) -> Output {
    fendan(dir, args)
}

/// The names in `dir`, sorted (hidden ones too).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A process id that has ended: the leftovers named with it are a killed run's.
fn dead_pid() -> u32 {
    let mut c = Command::new("true").spawn().expect("`true` runs");
    let pid = c.id();
    c.wait().unwrap();
    pid
}

fn expect_refusal(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{err}");
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_file_is_never_replaced_by_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "my notes").unwrap();
    for force in [false, true] {
        let mut args = vec!["simulate", "--out", "notes.txt", "--quiet"];
        if force {
            args.push("--force");
        }
        let o = run(tmp.path(), &args);
        expect_refusal(&o, "notes.txt is a file, not a folder");
        let o = run(
            tmp.path(),
            &[
                "sweep",
                s(&root().join("tests/data/sweep/small.yaml")),
                "--out",
                "notes.txt",
                "--quiet",
            ],
        );
        expect_refusal(&o, "notes.txt is a file, not a folder");
    }
    assert_eq!(
        fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(names(tmp.path()), ["notes.txt"]);
}

#[test]
fn an_input_under_out_is_refused_even_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dir");
    fs::create_dir(&dir).unwrap();
    let text = "name: s\ntitle: a scenario kept next to its outputs\nextends: base.yaml\ndata:\n  budget_classes: classes.csv\n";
    fs::write(dir.join("s.yaml"), text).unwrap();
    fs::write(dir.join("base.yaml"), "name: base\ntitle: base\n").unwrap();
    fs::copy(
        root().join("seeds/budget_classes.csv"),
        dir.join("classes.csv"),
    )
    .unwrap();
    // The scenario's folder, the scenario itself, the file it extends, a data file.
    for out in ["dir", "dir/s.yaml", "dir/base.yaml", "dir/classes.csv"] {
        let o = run(
            tmp.path(),
            &["simulate", "dir/s.yaml", "--out", out, "--force", "--quiet"],
        );
        expect_refusal(
            &o,
            "an input of this run; fendan never writes over its inputs",
        );
        let o = run(
            tmp.path(),
            &[
                "simulate",
                "dir/s.yaml",
                "--out",
                "elsewhere",
                "--xlsx",
                out,
                "--force",
                "--quiet",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "--xlsx {out}: {}", stderr(&o));
    }
    assert_eq!(fs::read_to_string(dir.join("s.yaml")).unwrap(), text);
    assert_eq!(
        names(&dir),
        ["base.yaml", "classes.csv", "s.yaml"],
        "nothing was added or removed"
    );
    assert_eq!(names(tmp.path()), ["dir"]);
    // The spec of a sweep is an input too.
    let spec = dir.join("spec.yaml");
    fs::copy(root().join("tests/data/sweep/small.yaml"), &spec).unwrap();
    let o = run(
        tmp.path(),
        &[
            "sweep",
            "dir/spec.yaml",
            "--out",
            "dir",
            "--force",
            "--quiet",
        ],
    );
    expect_refusal(&o, "an input of this run");
    // And `compare --out` may not replace a file of either run.
    let o = run(
        tmp.path(),
        &[
            "compare",
            "dir/s.yaml",
            "baseline",
            "--out",
            "dir/classes.csv",
            "--force",
        ],
    );
    expect_refusal(&o, "an input of this run");
}

#[test]
fn a_foreign_folder_is_refused_unless_force_and_its_files_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = root().join("tests/data/sweep/small.yaml");
    for (cmd, out) in [("simulate", "a"), ("sweep", "b")] {
        let dir = tmp.path().join(out);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("thesis.docx"), "years of work").unwrap();
        let mut args: Vec<&str> = vec![cmd];
        if cmd == "sweep" {
            args.push(s(&spec));
        }
        args.extend(["--out", out, "--quiet"]);
        let o = run(tmp.path(), &args);
        expect_refusal(&o, "holds files fendan did not write");
        args.push("--force");
        let o = run(tmp.path(), &args);
        assert!(o.status.success(), "{cmd} --force: {}", stderr(&o));
        assert_eq!(
            fs::read_to_string(dir.join("thesis.docx")).unwrap(),
            "years of work",
            "{cmd} --force kept the file it did not write"
        );
        assert!(dir.join("manifest.json").exists());
        // Now the folder is fendan's: the same run replaces it without --force, and
        // still keeps the stranger's file.
        args.pop();
        let o = run(tmp.path(), &args);
        assert!(o.status.success(), "{cmd} again: {}", stderr(&o));
        assert!(dir.join("thesis.docx").exists());
    }
    assert_eq!(names(tmp.path()), ["a", "b"], "no temporary names left");
}

#[test]
fn a_workbook_that_cannot_be_written_leaves_no_folder_behind() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "x").unwrap();
    let o = run(
        tmp.path(),
        &[
            "simulate",
            "--out",
            "run",
            "--xlsx",
            "notes.txt/book.xlsx",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write notes.txt/book.xlsx"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(tmp.path()), ["notes.txt"]);
    // An earlier run's folder stays exactly as it was.
    let o = run(tmp.path(), &["simulate", "--out", "run", "--quiet"]);
    assert!(o.status.success());
    let before = fs::read(tmp.path().join("run/manifest.json")).unwrap();
    let o = run(
        tmp.path(),
        &[
            "simulate",
            "--out",
            "run",
            "--xlsx",
            "notes.txt/book.xlsx",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        fs::read(tmp.path().join("run/manifest.json")).unwrap(),
        before
    );
    assert_eq!(names(tmp.path()), ["notes.txt", "run"]);
}

#[cfg(feature = "xlsx")]
#[test]
fn a_workbook_replaces_only_a_fendan_workbook_of_the_same_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("budget.xlsx"), "the bureau's own workbook").unwrap();
    let o = run(
        tmp.path(),
        &[
            "simulate",
            "--out",
            "run",
            "--xlsx",
            "budget.xlsx",
            "--quiet",
        ],
    );
    expect_refusal(
        &o,
        "budget.xlsx already exists and is a file fendan did not write",
    );
    assert_eq!(
        names(tmp.path()),
        ["budget.xlsx"],
        "neither output appeared"
    );
    // Its own workbook is replaced; another scenario's is not, without --force.
    let ok = |args: &[&str]| {
        let o = run(tmp.path(), args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    ok(&["simulate", "--out", "run", "--xlsx", "book.xlsx", "--quiet"]);
    ok(&["simulate", "--out", "run", "--xlsx", "book.xlsx", "--quiet"]);
    fs::write(
        tmp.path().join("other.yaml"),
        "name: other\ntitle: another run\nextends: baseline\n",
    )
    .unwrap();
    let o = run(
        tmp.path(),
        &[
            "simulate",
            "other.yaml",
            "--out",
            "run2",
            "--xlsx",
            "book.xlsx",
            "--quiet",
        ],
    );
    expect_refusal(&o, "is the fendan workbook `baseline — ");
    ok(&[
        "simulate",
        "other.yaml",
        "--out",
        "run2",
        "--xlsx",
        "book.xlsx",
        "--force",
        "--quiet",
    ]);
    assert_eq!(
        fs::read_to_string(tmp.path().join("budget.xlsx")).unwrap(),
        "the bureau's own workbook"
    );
}

#[test]
fn leftovers_of_killed_runs_are_removed_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dead = dead_pid();
    let out = tmp.path().join("sw");
    let spec = root().join("tests/data/sweep/small.yaml");
    let o = run(tmp.path(), &["sweep", s(&spec), "--out", "sw", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // What killed runs leave: a staged folder beside the output, temporary files of an
    // older fendan inside it, a killed shard's temporary part.
    fs::create_dir(tmp.path().join(format!(".sw.tmp-{dead}"))).unwrap();
    fs::write(out.join(format!(".points.csv.tmp-{dead}")), "0,1").unwrap();
    fs::write(out.join(format!(".spill.tmp-{dead}")), "xx").unwrap();
    fs::create_dir(out.join("parts")).unwrap();
    fs::write(
        out.join("parts")
            .join(format!(".part-1-of-2.csv.tmp-{dead}")),
        "p",
    )
    .unwrap();
    // A live process's temporary name is not touched.
    let mine = format!(".sw.tmp-{}", std::process::id());
    fs::create_dir(tmp.path().join(&mine)).unwrap();
    let o = run(tmp.path(), &["sweep", s(&spec), "--out", "sw", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), [mine.as_str(), "sw"]);
    assert_eq!(
        names(&out),
        ["manifest.json", "parts", "points.csv", "summary.csv"]
    );
    assert!(names(&out.join("parts")).is_empty());
    // A run killed between moving the old output aside and putting the new one in place
    // left the old one under `.NAME.old-PID`: it is put back.
    fs::remove_dir_all(tmp.path().join(&mine)).unwrap();
    // Another shard's temporary part may belong to a shard running on another machine
    // (a process id here says nothing about it): a shard leaves it alone.
    let other = out
        .join("parts")
        .join(format!(".part-2-of-2.csv.tmp-{dead}"));
    fs::write(&other, "p").unwrap();
    fs::rename(&out, tmp.path().join(format!(".sw.old-{dead}"))).unwrap();
    let o = run(
        tmp.path(),
        &[
            "sweep",
            s(&spec),
            "--out",
            "sw",
            "--quiet",
            "--shard",
            "1/2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), ["sw"]);
    assert!(
        out.join("manifest.json").exists(),
        "the old results are back"
    );
    assert!(out.join("parts/part-1-of-2.json").exists());
    assert!(other.exists(), "shard 1 removed shard 2's temporary part");
}

#[test]
fn thread_counts_outside_one_to_the_maximum_are_refused_naming_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let max = fendan::limits::MAX_THREADS;
    let too_many = (max + 1).to_string();
    for bad in ["0", "-1", too_many.as_str(), "100000", "many"] {
        let o = run(
            tmp.path(),
            &["simulate", "--out", "x", "--threads", bad, "--quiet"],
        );
        expect_refusal(&o, "--threads");
        assert!(
            stderr(&o).contains(&format!("1 to {max}")),
            "{}",
            stderr(&o)
        );
    }
    let o = Command::new(bin())
        .current_dir(tmp.path())
        .args(["simulate", "--out", "x", "--quiet"])
        .env("SLURM_CPUS_PER_TASK", "0")
        .output()
        .unwrap();
    expect_refusal(&o, "SLURM_CPUS_PER_TASK=0");
    assert!(names(tmp.path()).is_empty());
    let help = stdout(&run(tmp.path(), &["simulate", "--help"]));
    assert!(help.contains(&format!("1 to {max}")), "{help}");
    let o = run(
        tmp.path(),
        &["simulate", "--out", "x", "--threads", "1", "--quiet"],
    );
    assert!(o.status.success());
}

/// The top-level help names the embedded plan (its about line is made only when help is
/// shown: see `Cli::from_args`), and so does the help printed for a missing command,
/// with clap's exit codes; a subcommand's help and `--version` do not need it.
#[test]
fn help_names_the_plan_and_keeps_its_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let about = "Who pays for Handan's basic public services: central, province, city, county (邯政规〔2018〕21号, 2016-2020)";
    for args in [&["--help"][..], &["help"], &["-h"]] {
        let o = run(tmp.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).starts_with(about), "{args:?}: {}", stdout(&o));
    }
    let bare = run(tmp.path(), &[]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(stderr(&bare).starts_with(about), "{}", stderr(&bare));
    let sub = run(tmp.path(), &["help", "simulate"]);
    assert_eq!(sub.status.code(), Some(0));
    assert!(
        stdout(&sub).starts_with("Run a scenario"),
        "{}",
        stdout(&sub)
    );
    let version = run(tmp.path(), &["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        stdout(&version),
        format!("fendan {}\n", env!("CARGO_PKG_VERSION"))
    );
    let unknown = run(tmp.path(), &["bogus"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unrecognized subcommand 'bogus'"));
    assert!(names(tmp.path()).is_empty());
}

#[test]
fn compare_refuses_an_edited_output_folder_naming_the_file_and_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        let o = run(tmp.path(), &["simulate", "--out", s(d), "--quiet"]);
        assert!(o.status.success());
    }
    let outlays = b.join("outlays.csv");
    let text = fs::read_to_string(&outlays).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Edit one `central` cell of row 5 (line 6): add a yuan.
    let mut fields: Vec<String> = lines[5].split(',').map(str::to_owned).collect();
    let central = fen(&fields[12]) + 100;
    fields[12] = format!("{}.{:02}", central / 100, central % 100);
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[5] = fields.join(",");
    fs::write(&outlays, edited.join("\n") + "\n").unwrap();
    let o = run(tmp.path(), &["compare", "a", "b"]);
    expect_refusal(&o, "but the total is");
    let err = stderr(&o);
    assert!(err.contains("b/outlays.csv:6:"), "{err}");
    assert!(stdout(&o).is_empty(), "nothing compared");
    // An edit that keeps the row adding up (total changed too) is caught by the hash.
    let total = fen(&fields[11]) + 100;
    fields[11] = format!("{}.{:02}", total / 100, total % 100);
    edited[5] = fields.join(",");
    fs::write(&outlays, edited.join("\n") + "\n").unwrap();
    let o = run(tmp.path(), &["compare", "a", "b"]);
    expect_refusal(&o, "is not the file fendan wrote: its SHA-256 is");
    assert!(stderr(&o).contains("b/outlays.csv"), "{}", stderr(&o));
    // Any file the manifest lists is checked, and a missing one is named.
    fs::write(&outlays, &text).unwrap();
    assert!(run(tmp.path(), &["compare", "a", "b"]).status.success());
    fs::write(a.join("by_level.csv"), "year,central\n").unwrap();
    let o = run(tmp.path(), &["compare", "a", "b"]);
    expect_refusal(&o, "a/by_level.csv is not the file fendan wrote");
    fs::remove_file(a.join("by_level.csv")).unwrap();
    let o = run(tmp.path(), &["compare", "a", "b"]);
    expect_refusal(&o, "lists by_level.csv, but the folder has no such file");
}

#[test]
fn compare_out_replaces_only_its_own_csv() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("plan.csv"), "mine\n").unwrap();
    let o = run(
        tmp.path(),
        &["compare", "baseline", "baseline", "--out", "plan.csv"],
    );
    expect_refusal(
        &o,
        "plan.csv already exists and is a file fendan did not write",
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("plan.csv")).unwrap(),
        "mine\n"
    );
    for _ in 0..2 {
        let o = run(
            tmp.path(),
            &["compare", "baseline", "baseline", "--out", "c.csv"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run(
        tmp.path(),
        &[
            "compare", "baseline", "baseline", "--out", "plan.csv", "--force",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), ["c.csv", "plan.csv"]);
}

/// Run fendan with a deadline: a hang is a failure, not a stuck test.
fn run_within(dir: &Path, args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("fendan {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_without_waiting_for_a_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.yaml");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = run_within(tmp.path(), &["validate", "pipe.yaml"], 20);
    expect_refusal(&o, "cannot read `pipe.yaml`: it is a named pipe (FIFO)");
    fs::write(
        tmp.path().join("s.yaml"),
        "name: s\ntitle: extends a pipe\nextends: pipe.yaml\n",
    )
    .unwrap();
    let o = run_within(tmp.path(), &["validate", "s.yaml"], 20);
    expect_refusal(&o, "`pipe.yaml` is a named pipe (FIFO)");
    assert!(stderr(&o).contains("--> s.yaml:3:10"), "{}", stderr(&o));
    let o = run_within(tmp.path(), &["sweep", "pipe.yaml", "--out", "o"], 20);
    expect_refusal(&o, "named pipe");
    let o = run_within(tmp.path(), &["compare", "pipe.yaml", "baseline"], 20);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_sweep_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("long.yaml");
    let text = fs::read_to_string(root().join("tests/data/sweep/sampled.yaml"))
        .unwrap()
        .replace("n: 12", "n: 200000");
    fs::write(&spec, text).unwrap();
    let child = Command::new(bin())
        .current_dir(tmp.path())
        .args([
            "sweep",
            "long.yaml",
            "--out",
            "out",
            "--quiet",
            "--threads",
            "1",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is writing (its temporary folder exists), then stop it.
    let start = std::time::Instant::now();
    while !names(tmp.path()).iter().any(|n| n.starts_with(".out.tmp-")) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sweep never started writing"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: the child's pid, a plain signal.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(128 + libc::SIGTERM), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), ["long.yaml"]);
}

#[test]
fn write_errors_name_the_path_given() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("f"), "x").unwrap();
    let o = run(tmp.path(), &["simulate", "--out", "f/run", "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("error: cannot write f/run"), "{err}");
    assert!(!err.contains(".tmp-"), "{err}");
}

/// The refusals a user meets most, word for word (they name only paths the user gave,
/// so they do not depend on the seeds or on where the test runs).
#[test]
fn refusals_read_exactly_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("notes.txt"), "x").unwrap();
    fs::create_dir(dir.join("mine")).unwrap();
    fs::write(dir.join("mine/a.txt"), "x").unwrap();
    fs::create_dir(dir.join("d")).unwrap();
    fs::write(dir.join("d/s.yaml"), "name: s\ntitle: t\n").unwrap();
    fs::write(dir.join("book.xlsx"), "x").unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["simulate", "--out", "notes.txt", "--quiet"],
            "error: notes.txt is a file, not a folder; fendan never replaces a file with a folder, so choose another output folder\n",
        ),
        (
            &["simulate", "d/s.yaml", "--out", "d", "--force", "--quiet"],
            "error: d holds <tmp>/d/s.yaml, which is an input of this run; fendan never writes over its inputs, even with --force; choose another folder\n",
        ),
        (
            &["simulate", "--out", "mine", "--quiet"],
            "error: mine holds files fendan did not write; choose another output folder, or add --force to write there (fendan keeps the files it did not write)\n",
        ),
        (
            &["simulate", "--out", "run", "--xlsx", "book.xlsx", "--quiet"],
            "error: book.xlsx already exists and is a file fendan did not write; choose another name, or add --force to replace it\n",
        ),
        (
            &[
                "simulate",
                "--out",
                "run",
                "--xlsx",
                "run/book.xlsx",
                "--quiet",
            ],
            "error: run/book.xlsx is inside run, which this run replaces whole; put it beside that folder\n",
        ),
        (
            &["simulate", "--out", ".", "--force", "--quiet"],
            "error: . holds the current folder; fendan will not replace the folder it runs in, so choose an output folder below it\n",
        ),
        (
            &["compare", "baseline", "baseline", "--out", "mine"],
            "error: mine is a folder; give the name of a file to write\n",
        ),
    ];
    let canonical = fs::canonicalize(dir).unwrap();
    for (args, want) in cases {
        let o = run(dir, args);
        let err = stderr(&o).replace(&canonical.display().to_string(), "<tmp>");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err, want, "{args:?}");
    }
    assert_eq!(names(dir), ["book.xlsx", "d", "mine", "notes.txt"]);
    let o = run(
        dir,
        &["simulate", "--out", "x", "--threads", "-1", "--quiet"],
    );
    assert_eq!(
        stderr(&o),
        "error: invalid value '-1' for '--threads <THREADS>': `-1` is not a number of threads fendan can start; give 1 to 1024\n\nFor more information, try '--help'.\n"
    );
}
