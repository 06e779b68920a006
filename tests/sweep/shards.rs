//! Sharded sweeps and `merge`, and the output layouts and formats: shards 1..N plus
//! `merge` give the single run's files byte for byte; a shard killed midway and rerun
//! leaves no missing or duplicate point; a missing part makes `merge` exit 2 and name
//! it; the long layout and Parquet hold the wide CSV's values and merge the same way.

use super::*;

fn shard(spec: &Path, out: &Path, k: u64, n: u64) -> Output {
    run_ok(
        &root(),
        &[
            "sweep",
            s(spec),
            "--out",
            s(out),
            "--shard",
            &format!("{k}/{n}"),
            "--threads",
            "1",
        ],
    )
}

fn merge(out: &Path) -> Output {
    fendan(&root(), &["merge", s(out)])
}

fn same_files(a: &Path, b: &Path) {
    for f in ["points.csv", "summary.csv", "manifest.json"] {
        let (x, y) = (fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f}: {} and {} differ", a.display(), b.display());
    }
}

#[test]
fn shards_and_merge_equal_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    sweep(&small(), &single, &[]);
    for n in [1u64, 3, 7, 25] {
        let out = tmp.path().join(format!("n{n}"));
        for k in 1..=n {
            shard(&small(), &out, k, n);
            assert!(out.join(format!("parts/part-{k}-of-{n}.csv")).exists());
            assert!(out.join(format!("parts/part-{k}-of-{n}.json")).exists());
        }
        let m = merge(&out);
        assert_eq!(m.status.code(), Some(0), "merge N={n}: {}", stderr(&m));
        same_files(&single, &out);
        let part: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.join(format!("parts/part-1-of-{n}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(part["first"], 0);
        assert_eq!(part["end"], 18 / n);
        assert_eq!(part["rows"], 18 / n);
    }
}

#[test]
fn sampled_shards_and_merge_equal_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    sweep(&sampled(), &single, &[]);
    let out = tmp.path().join("sharded");
    // The shards name the spec by a relative path, the single run by an absolute one:
    // the outputs (manifest included) do not depend on it.
    for k in 1..=5 {
        run_ok(
            &root(),
            &[
                "sweep",
                "tests/data/sweep/sampled.yaml",
                "--out",
                s(&out),
                "--shard",
                &format!("{k}/5"),
                "--quiet",
            ],
        );
    }
    assert_eq!(merge(&out).status.code(), Some(0));
    same_files(&single, &out);
}

#[test]
fn a_killed_shard_is_redone_and_merge_has_every_point_once() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    sweep(&small(), &single, &[]);
    let out = tmp.path().join("killed");
    shard(&small(), &out, 1, 3);
    // Shard 2 "killed" while writing: only its temporary file is left. Shard 3 killed
    // between its two renames: a part without its json (and a truncated one at that).
    let parts = out.join("parts");
    fs::write(parts.join(".part-2-of-3.csv.tmp-99999"), "point,x\n0,1").unwrap();
    fs::write(parts.join("part-3-of-3.csv"), "point,cut\n12,650").unwrap();
    let m = merge(&out);
    assert_eq!(m.status.code(), Some(2), "{}", stderr(&m));
    let err = stderr(&m);
    assert!(
        err.contains("shard 2/3 is missing: no parts/part-2-of-3.json"),
        "{err}"
    );
    assert!(
        err.contains(
            "shard 3/3 is incomplete: parts/part-3-of-3.csv has no parts/part-3-of-3.json"
        ),
        "{err}"
    );
    assert!(err.contains("--array=2,3"), "{err}");
    assert!(!out.join("points.csv").exists());
    // A rerun of every shard skips the finished one and redoes the others.
    let before = fs::metadata(parts.join("part-1-of-3.json"))
        .unwrap()
        .modified()
        .unwrap();
    let o = shard(&small(), &out, 1, 3);
    assert!(stdout(&o).contains("is already complete"), "{}", stdout(&o));
    for k in 2..=3 {
        shard(&small(), &out, k, 3);
    }
    let after = fs::metadata(parts.join("part-1-of-3.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "the finished shard was redone");
    assert!(
        !parts.join(".part-2-of-3.csv.tmp-99999").exists(),
        "stale temporary file kept"
    );
    let m = merge(&out);
    assert_eq!(m.status.code(), Some(0), "{}", stderr(&m));
    same_files(&single, &out);
    let (_, rows) = read_csv(&out.join("points.csv"));
    let points: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    let want: Vec<String> = (0..18).map(|i| i.to_string()).collect();
    assert_eq!(points, want, "missing or duplicate points");
}

#[test]
fn merge_with_a_missing_part_exits_2_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("missing");
    for k in [1, 2, 4] {
        shard(&small(), &out, k, 4);
    }
    let m = merge(&out);
    assert_eq!(m.status.code(), Some(2));
    let err = stderr(&m);
    assert!(
        err.starts_with(&format!(
            "error: cannot merge {}: 1 of 4 shards are not usable\n  shard 3/4 is missing: no parts/part-3-of-4.json\n",
            out.display()
        )),
        "{err}"
    );
    assert!(!out.join("points.csv").exists());
    assert!(!out.join("summary.csv").exists());
    // A part written for another spec is refused too.
    let other = tmp.path().join("other.yaml");
    fs::write(
        &other,
        fs::read_to_string(small())
            .unwrap()
            .replace("[0.9, 1.1]", "[0.8, 1.2]"),
    )
    .unwrap();
    shard(&other, &out, 3, 4);
    let m = merge(&out);
    assert_eq!(m.status.code(), Some(2));
    assert!(
        stderr(&m).contains("shard 3/4 was written for another sweep or other inputs"),
        "{}",
        stderr(&m)
    );
    // And a shard refuses to overwrite a part of another spec without --force.
    let o = fendan(
        &root(),
        &["sweep", s(&small()), "--out", s(&out), "--shard", "3/4"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("was written for another sweep"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shard_arguments_are_checked() {
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        let o = fendan(&root(), &["sweep", s(&small()), "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert_eq!(
            stderr(&o),
            format!(
                "error: --shard takes K/N with 1 ≤ K ≤ N (shards count from 1; e.g. --shard 3/8), not `{bad}`\n"
            )
        );
    }
}

/// `--layout long`: points_long.csv holds every axis and metric value of points.csv,
/// one row each, and shards joined by `merge` give the same bytes as a single run.
#[test]
fn the_long_layout_holds_the_wide_values_and_merges_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    sweep(&sampled(), &one, &["--layout", "long"]);
    let (wide_h, wide) = read_csv(&one.join("points.csv"));
    let (long_h, long) = read_csv(&one.join("points_long.csv"));
    assert_eq!(long_h, ["point", "year", "metric", "key", "value"]);
    assert_eq!(long.len(), wide.len() * (wide_h.len() - 1));
    let mut rows = long.iter();
    for w in &wide {
        for (h, v) in wide_h.iter().zip(w).skip(1) {
            let r = rows.next().unwrap();
            assert_eq!(r[0], w[0]);
            assert_eq!(&r[4], v, "point {}, column {h}", w[0]);
            if r[2] == "axis" {
                assert_eq!((&r[1], &r[3]), (&String::new(), h));
            } else {
                // level_totals central_2019, unit_totals unit_130402_2019, equalization cv_2019
                assert!(h.ends_with(&format!("_{}", r[1])), "{h} {r:?}");
                assert!(h.contains(&r[3]), "{h} {r:?}");
            }
        }
    }
    let sharded = tmp.path().join("sharded");
    for k in 1..=3 {
        shard_with(&sampled(), &sharded, k, 3, &["--layout", "long"]);
    }
    merge(&sharded);
    for f in [
        "points.csv",
        "points_long.csv",
        "summary.csv",
        "manifest.json",
    ] {
        assert_eq!(
            fs::read(one.join(f)).unwrap(),
            fs::read(sharded.join(f)).unwrap(),
            "{f} differs between the single run and the merged shards"
        );
    }
}

/// Run shard K/N with extra arguments.
fn shard_with(spec: &Path, out: &Path, k: u64, n: u64, extra: &[&str]) {
    let mut args = vec![
        "sweep".to_owned(),
        s(spec).to_owned(),
        "--out".to_owned(),
        s(out).to_owned(),
        "--shard".to_owned(),
        format!("{k}/{n}"),
        "--quiet".to_owned(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(&root(), &args);
}

/// Points.parquet and points_long.parquet, read back with the `parquet` crate's own
/// reader: amounts are Int64 fen (indices Int64 millionths), equal to points.csv, and
/// shards joined by `merge` give the single run's files byte for byte.
#[cfg(feature = "parquet")]
#[test]
fn parquet_points_are_int64_fen_equal_to_the_csv_and_merge_byte_for_byte() {
    use arrow_array::{
        Array, Decimal128Array, Int8Array, Int32Array, Int64Array, StringArray, UInt64Array,
    };
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let tmp = tempfile::tempdir().unwrap();
    let csv_out = tmp.path().join("csv");
    let pq_out = tmp.path().join("pq");
    sweep(&sampled(), &csv_out, &[]);
    sweep(
        &sampled(),
        &pq_out,
        &["--format", "parquet", "--layout", "long"],
    );
    assert_eq!(
        fs::read(csv_out.join("summary.csv")).unwrap(),
        fs::read(pq_out.join("summary.csv")).unwrap()
    );
    let (header, rows) = read_csv(&csv_out.join("points.csv"));
    let n_axes = 4;
    let batches = |name: &str| {
        let file = fs::File::open(pq_out.join(name)).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap())
            .collect::<Vec<_>>()
    };
    let mut r = 0;
    for batch in batches("points.parquet") {
        assert_eq!(batch.num_columns(), header.len());
        let schema = batch.schema();
        let points = batch
            .column(0)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            assert_eq!(points.value(i).to_string(), rows[r][0]);
            for (c, h) in header.iter().enumerate().skip(1) {
                let want: rust_decimal::Decimal = rows[r][c].parse().unwrap();
                let got: rust_decimal::Decimal = if c <= n_axes {
                    let col = batch
                        .column(c)
                        .as_any()
                        .downcast_ref::<Decimal128Array>()
                        .unwrap();
                    col.value_as_string(i).parse().unwrap()
                } else {
                    let col = batch
                        .column(c)
                        .as_any()
                        .downcast_ref::<Int64Array>()
                        .unwrap();
                    let scale: u32 = schema.field(c).metadata()["fendan:scale"].parse().unwrap();
                    rust_decimal::Decimal::new(col.value(i), scale)
                };
                assert_eq!(got, want, "row {r}, column {h}");
            }
            r += 1;
        }
    }
    assert_eq!(r, rows.len());
    // The long file: one row per value, value / 10^scale equal to the CSV's.
    let mut n = 0;
    for batch in batches("points_long.parquet") {
        let col = |i: usize| batch.column(i).clone();
        let point = col(0);
        let point = point.as_any().downcast_ref::<UInt64Array>().unwrap();
        let year = col(1);
        let year = year.as_any().downcast_ref::<Int32Array>().unwrap();
        let key = col(3);
        let key = key.as_any().downcast_ref::<StringArray>().unwrap();
        let value = col(4);
        let value = value.as_any().downcast_ref::<Int64Array>().unwrap();
        let scale = col(5);
        let scale = scale.as_any().downcast_ref::<Int8Array>().unwrap();
        for i in 0..batch.num_rows() {
            let p = point.value(i) as usize;
            let c = n % (header.len() - 1) + 1;
            assert_eq!(p, n / (header.len() - 1));
            assert_eq!(year.is_null(i), c <= n_axes);
            assert!(
                header[c].contains(key.value(i)),
                "{} {}",
                header[c],
                key.value(i)
            );
            let want: rust_decimal::Decimal = rows[p][c].parse().unwrap();
            let got = rust_decimal::Decimal::new(value.value(i), scale.value(i) as u32);
            assert_eq!(got, want, "point {p}, column {}", header[c]);
            n += 1;
        }
    }
    assert_eq!(n, rows.len() * (header.len() - 1));
    let sharded = tmp.path().join("sharded");
    for k in 1..=3 {
        shard_with(
            &sampled(),
            &sharded,
            k,
            3,
            &["--format", "parquet", "--layout", "long"],
        );
    }
    merge(&sharded);
    for f in [
        "points.parquet",
        "points_long.parquet",
        "summary.csv",
        "manifest.json",
    ] {
        assert_eq!(
            fs::read(pq_out.join(f)).unwrap(),
            fs::read(sharded.join(f)).unwrap(),
            "{f} differs between the single run and the merged shards"
        );
    }
}
