//! The streamed detail (issue 13): `simulate` computes and writes `outlays.csv` a
//! chunk at a time; what it writes must be what the in-memory renderer renders, an
//! error part way must leave nothing behind, and `--format parquet` must hold the same
//! figures in typed columns.

use std::fs;
use std::path::Path;

use crate::common::{baseline, baseline_run, fendan, root, stderr};

fn simulate(out: &Path, extra: &[&str]) {
    let mut args = vec!["simulate", "--quiet", "--out", out.to_str().unwrap()];
    args.extend(extra);
    let o = fendan(&root(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Every file `simulate` streams equals, byte for byte, what `report::render_with`
/// renders in memory from the whole run, manifest included, whatever the threads.
#[test]
fn the_streamed_run_is_the_rendered_run() {
    let (scenario, model) = baseline();
    let out = baseline_run();
    let tmp = tempfile::tempdir().unwrap();
    for (name, args, bom) in [
        ("plain", vec![], false),
        ("one", vec!["--threads", "1"], false),
        ("bom", vec!["--bom", "--threads", "3"], true),
    ] {
        let dir = tmp.path().join(name);
        simulate(&dir, &args);
        let style = fendan::report::CsvStyle { bom };
        let files = fendan::report::render_with(model, out, scenario, style).unwrap();
        let mut listed: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        listed.sort();
        let mut names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        names.sort();
        assert_eq!(listed, names, "{name}");
        for (file, bytes) in &files {
            let written = fs::read(dir.join(file)).unwrap();
            assert!(&written == bytes, "{name}: {file} differs");
        }
    }
}

/// A cell that does not fit in the last year is met after the earlier years' rows were
/// written: the error is the one `run` reports, and neither the folder nor a temporary
/// file is left.
#[test]
fn an_overflow_in_the_last_year_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("late.yaml");
    fs::write(
        &sc,
        "name: late\ntitle: t\nextends: baseline\noverrides:\n  - path: services.2.primary_meals.standard\n    from: 2020-01-01\n    set: 1000000000\n  - path: cohorts.rural_pupils_primary.adjust\n    from: 2020-01-01\n    set: 1000\n",
    )
    .unwrap();
    let (_, model) = baseline();
    let scenario = fendan::Scenario::from_path(&sc).unwrap();
    let m = scenario.model().unwrap();
    let expected = fendan::run(&m, scenario.years)
        .unwrap_err()
        .to_string()
        .replace(&format!("{}/", tmp.path().display()), "");
    assert!(expected.contains("2020"), "{expected}");
    assert_eq!(model.units.len(), m.units.len());
    let out = tmp.path().join("out");
    let o = fendan(
        tmp.path(),
        &[
            "simulate",
            "late.yaml",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(expected.lines().next().unwrap()), "{err}");
    assert!(err.contains("late.yaml:"), "{err}");
    assert!(!out.exists());
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "only the scenario is left: {left:?}");
}

/// A run whose total does not fit, though every cell does, fails with the overflow
/// `run` reports, located at its largest cell.
#[test]
fn a_total_that_does_not_fit_is_located_when_streamed() {
    let (scenario, model) = baseline();
    let mut out = baseline_run().clone();
    let n = out.cells.len();
    // why: two cells of i64::MAX / 2 + 1 fen each fit, their sum does not.
    for c in &mut out.cells[n - 2..] {
        c.total = i64::MAX / 2 + 1;
        c.levels = [c.total, 0, 0, 0];
    }
    let e = fendan::report::render(model, &out, scenario).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("the total of the run (all its cells) is more than fendan can hold"),
        "{shown}"
    );
    let last = &out.cells[n - 1];
    assert!(
        shown.contains(&model.units[last.unit as usize].code),
        "{shown}"
    );
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_detail_holds_the_csv_figures() {
    use arrow_array::{Array, Float64Array, Int32Array, Int64Array, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let tmp = tempfile::tempdir().unwrap();
    let csv_dir = tmp.path().join("csv");
    let pq_dir = tmp.path().join("pq");
    simulate(&csv_dir, &[]);
    simulate(&pq_dir, &["--format", "parquet", "--threads", "1"]);
    // The summaries are the same files; the manifest lists outlays.parquet.
    for f in [
        "by_level.csv",
        "by_unit.csv",
        "by_domain.csv",
        "equalization.csv",
    ] {
        assert_eq!(
            fs::read(csv_dir.join(f)).unwrap(),
            fs::read(pq_dir.join(f)).unwrap()
        );
    }
    assert!(!pq_dir.join("outlays.csv").exists());
    let manifest = fs::read_to_string(pq_dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"outlays.parquet\""), "{manifest}");
    // Deterministic whatever the thread count.
    let again = tmp.path().join("pq2");
    simulate(&again, &["--format", "parquet", "--threads", "2"]);
    assert_eq!(
        fs::read(pq_dir.join("outlays.parquet")).unwrap(),
        fs::read(again.join("outlays.parquet")).unwrap()
    );

    // `compare` reads outlays.csv and says so.
    let o = fendan(&root(), &["compare", pq_dir.to_str().unwrap(), "baseline"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("written with `simulate --format parquet`"),
        "{}",
        stderr(&o)
    );

    let (header, rows) = crate::common::read_csv(&csv_dir.join("outlays.csv"));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let file = fs::File::open(pq_dir.join("outlays.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let fen = |text: &str| -> i64 {
        // why: the CSV's amounts have exactly two decimals.
        text.replace('.', "").parse().unwrap()
    };
    let mut r = 0;
    for batch in reader {
        let batch = batch.unwrap();
        assert_eq!(batch.num_columns(), header.len());
        let schema = batch.schema();
        let get = |name: &str| batch.column(schema.index_of(name).unwrap()).clone();
        let year = get("year");
        let year = year.as_any().downcast_ref::<Int32Array>().unwrap();
        let code = get("unit_code");
        let code = code.as_any().downcast_ref::<StringArray>().unwrap();
        let coverage = get("coverage");
        let coverage = coverage.as_any().downcast_ref::<Float64Array>().unwrap();
        let int64 = |name: &str| {
            get(name)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone()
        };
        let amounts: Vec<(usize, Int64Array)> = [
            ("standard_yuan_per_year", "standard_fen_per_year"),
            ("total", "total_fen"),
            ("central", "central_fen"),
            ("province", "province_fen"),
            ("city", "city_fen"),
            ("county", "county_fen"),
        ]
        .iter()
        .map(|(c, p)| (col(c), int64(p)))
        .collect();
        let headcount = int64("headcount");
        // Every text and whole-number column, read as the type its schema says, holds the
        // CSV's text.
        let (mut texts, mut ints) = (Vec::new(), Vec::new());
        for (i, f) in schema.fields().iter().enumerate() {
            let c = batch.column(i);
            match f.data_type() {
                arrow_schema::DataType::Utf8 => texts.push((
                    col(f.name()),
                    c.as_any().downcast_ref::<StringArray>().unwrap().clone(),
                )),
                arrow_schema::DataType::Int32 => ints.push((
                    col(f.name()),
                    c.as_any().downcast_ref::<Int32Array>().unwrap().clone(),
                )),
                _ => {}
            }
        }
        assert_eq!((texts.len(), ints.len()), (12, 3));
        for i in 0..batch.num_rows() {
            let row = &rows[r];
            assert_eq!(year.value(i).to_string(), row[col("year")]);
            assert_eq!(code.value(i), row[col("unit_code")]);
            for (c, a) in &texts {
                assert_eq!(a.value(i), row[*c], "row {r}, column {}", header[*c]);
            }
            for (c, a) in &ints {
                assert_eq!(
                    a.value(i).to_string(),
                    row[*c],
                    "row {r}, column {}",
                    header[*c]
                );
            }
            assert_eq!(headcount.value(i).to_string(), row[col("headcount")]);
            assert_eq!(format!("{:.4}", coverage.value(i)), row[col("coverage")]);
            for (c, a) in &amounts {
                assert_eq!(a.value(i), fen(&row[*c]), "row {r}, column {}", header[*c]);
            }
            r += 1;
        }
    }
    assert_eq!(r, rows.len());
}
