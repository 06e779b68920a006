//! Shards and `merge`: `--shard K/N` runs a contiguous range of points into
//! `parts/part-K-of-N.csv` with a small json that marks it complete; `merge` checks every
//! part (coverage, hashes, columns) and joins them into the files a single run writes,
//! byte for byte.

use std::fs;
use std::io::{BufRead, BufReader};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fixed::parse_fixed;
use super::out::{Layout, Writers};
use super::resources::{free_disk, human, limit};
use super::stream::Want;
use super::summary::{Stats, SummaryInfo, quantiles, render_summary};
use super::{Chunk, Estimate, Format, Report, SPILL, Sweep, final_manifest, hex, read_err};
use crate::error::{Error, Result};
use crate::input::Whence;
use crate::output::{Owner, Protected, Transaction};

/// The points of shard `k` of `n` (1-based) among `points`:
/// `[⌊(k−1)·P/N⌋, ⌊k·P/N⌋)`.
pub fn shard_range(points: u64, k: u64, n: u64) -> Range<u64> {
    let at = |i: u64| (u128::from(i) * u128::from(points) / u128::from(n)) as u64;
    at(k - 1)..at(k)
}

/// The small manifest of one shard's part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PartInfo {
    pub(super) fendan_version: String,
    pub(super) sweep: String,
    pub(super) spec_sha256: String,
    pub(super) shard: u64,
    pub(super) shards: u64,
    pub(super) points: u64,
    pub(super) first: u64,
    pub(super) end: u64,
    pub(super) rows: u64,
    pub(super) csv_bytes: u64,
    pub(super) csv_sha256: String,
    pub(super) header: String,
    pub(super) summary: SummaryInfo,
    /// `csv` or `parquet` (the part file's format; `csv_bytes` and `csv_sha256` are
    /// its size and hash), and `wide` or `long` (the layout `merge` writes).
    #[serde(default = "csv")]
    pub(super) format: String,
    #[serde(default = "wide")]
    pub(super) layout: String,
    /// Points per chunk of a single run: `merge` hands its writers the same chunks.
    #[serde(default)]
    pub(super) chunk: u64,
}

fn csv() -> String {
    "csv".into()
}

fn wide() -> String {
    "wide".into()
}

/// What `merge` did.
#[derive(Debug, Clone)]
pub struct MergeReport {
    pub dir: PathBuf,
    pub shards: u64,
    pub points: u64,
    pub sweep: String,
}

impl Sweep {
    /// Run shard `k` of `n` and write `dir/parts/part-K-of-N.csv` (or `.parquet`) and
    /// `.json`; a shard whose part is already complete (for this spec) is skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn run_shard(
        &mut self,
        dir: &Path,
        k: u64,
        n: u64,
        format: Format,
        layout: Layout,
        force: bool,
        start: &dyn Fn(&Estimate),
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report> {
        if format == Format::Parquet && !super::PARQUET {
            return Err(super::no_parquet());
        }
        self.layout = layout;
        let parts = dir.join("parts");
        let stem = format!("part-{k}-of-{n}");
        let ext = part_ext(format);
        let part_path = parts.join(format!("{stem}.{ext}"));
        let json_path = parts.join(format!("{stem}.json"));
        let range = self.shard_range(k, n);
        let points = self.points;
        let report = |skipped| Report {
            dir: dir.to_owned(),
            files: vec![format!("parts/{stem}.{ext}"), format!("parts/{stem}.json")],
            points,
            range: range.clone(),
            skipped,
        };
        // A killed run of this shard left its temporaries: remove them, even when the
        // part is found complete below.
        for p in [&part_path, &json_path] {
            crate::output::clean_leftovers(p);
        }
        if let Ok(bytes) = crate::input::read(&json_path, Whence::Folder) {
            match serde_json::from_slice::<PartInfo>(&bytes) {
                Ok(p) if p.spec_sha256 == self.hash && !force && p.format == ext => {
                    let size = fs::metadata(&part_path).map(|m| m.len()).ok();
                    if size == Some(p.csv_bytes) && p.layout == layout_key(layout) {
                        return Ok(report(true));
                    }
                }
                Ok(p) if p.spec_sha256 != self.hash && !force => {
                    return Err(Error::Refused(format!(
                        "{} was written for another sweep or other inputs (spec hash {}…, this one {}…); remove the parts, choose another --out, or add --force to overwrite",
                        json_path.display(),
                        &p.spec_sha256[..12],
                        &self.hash[..12]
                    )));
                }
                _ => {}
            }
        }
        self.check_resources(dir, &range)?;
        let mut tx = Transaction::new(self.protected(), force);
        tx.within(dir, Owner::Sweep(&self.spec.name))?;
        tx.within(&parts, Owner::Part)?;
        let part = tx.file(&part_path, Owner::Part)?;
        self.precompute()?;
        start(&self.estimate(&range)?);
        let info = self.summary_info()?;
        let (bytes, sha) = match format {
            Format::Csv => {
                let mut w = part.create("")?;
                let mut h = Sha256::new();
                let mut bytes = 0u64;
                w.write_all(&self.header)?;
                h.update(&self.header);
                bytes += self.header.len() as u64;
                let mut sink = |c: &Chunk| -> Result<()> {
                    w.write_all(&c.csv)?;
                    h.update(&c.csv);
                    bytes += c.csv.len() as u64;
                    Ok(())
                };
                self.stream(range.clone(), &Want::default(), &mut sink, progress)?;
                w.finish()?;
                (bytes, hex(&h.finalize()))
            }
            Format::Parquet => self.parquet_part(&part, &info, &range, progress)?,
        };
        let part_info = PartInfo {
            fendan_version: env!("CARGO_PKG_VERSION").into(),
            sweep: self.spec.name.clone(),
            spec_sha256: self.hash.clone(),
            shard: k,
            shards: n,
            points: self.points,
            first: range.start,
            end: range.end,
            rows: range.end - range.start,
            csv_bytes: bytes,
            csv_sha256: sha,
            header: String::from_utf8_lossy(&self.header).trim_end().to_owned(),
            summary: info,
            format: ext.to_owned(),
            layout: layout_key(layout).to_owned(),
            chunk: self.chunk_points(),
        };
        let mut json = serde_json::to_vec_pretty(&part_info).expect("part info serialises");
        json.push(b'\n');
        tx.file(&json_path, Owner::Part)?.write_whole(&json)?;
        // The points, then the json that marks them complete, renamed one after the
        // other. An old part stays whole until then; a part whose json does not match
        // its points is refused by `merge` and redone by the next run of the shard.
        tx.commit()?;
        Ok(report(false))
    }

    /// Write a shard's points as a Parquet part; its size and SHA-256.
    #[cfg(feature = "parquet")]
    fn parquet_part(
        &self,
        part: &crate::output::Staging,
        info: &SummaryInfo,
        range: &Range<u64>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(u64, String)> {
        let path = part.path("");
        let file = fs::File::create(&path).map_err(part.err(""))?;
        let mut w = super::parquet_out::Writer::create(file, &part.shown(""), &info.schema)?;
        let want = Want {
            axis_values: true,
            long: None,
        };
        self.stream(range.clone(), &want, &mut |c: &Chunk| w.write(c), progress)?;
        w.finish()?;
        let bytes = fs::read(&path).map_err(read_err(&path))?;
        Ok((bytes.len() as u64, hex(&Sha256::digest(&bytes))))
    }

    #[cfg(not(feature = "parquet"))]
    fn parquet_part(
        &self,
        _: &crate::output::Staging,
        _: &SummaryInfo,
        _: &Range<u64>,
        _: &(dyn Fn(u64) + Sync),
    ) -> Result<(u64, String)> {
        Err(super::no_parquet())
    }
}

fn part_ext(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Parquet => "parquet",
    }
}

fn layout_key(layout: Layout) -> &'static str {
    match layout {
        Layout::Wide => "wide",
        Layout::Long => "long",
    }
}

/// Check the parts in `dir/parts` and join them into `points.csv`, `summary.csv` and
/// `manifest.json`, byte-identical to a single-process run. A missing or inconsistent
/// part is an error (exit code 2) that lists every problem found.
pub fn merge(dir: &Path, progress: &(dyn Fn(u64) + Sync)) -> Result<MergeReport> {
    let parts_dir = dir.join("parts");
    let entries = fs::read_dir(&parts_dir).map_err(|_| {
        Error::Refused(format!(
            "{} holds no parts: run `fendan sweep SPEC --out {} --shard K/N` for K = 1..N first",
            parts_dir.display(),
            dir.display()
        ))
    })?;
    // part-K-of-N.{csv,json}
    let mut found: Vec<(u64, u64, String)> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("part-") else {
            continue;
        };
        let (stem, ext) = match rest.rsplit_once('.') {
            Some((s, x)) if x == "csv" || x == "parquet" || x == "json" => (s, x),
            _ => continue,
        };
        let Some((k, n)) = stem.split_once("-of-") else {
            continue;
        };
        if let (Ok(k), Ok(n)) = (k.parse::<u64>(), n.parse::<u64>()) {
            found.push((k, n, ext.to_owned()));
        }
    }
    let mut ns: Vec<u64> = found.iter().map(|f| f.1).collect();
    ns.sort_unstable();
    ns.dedup();
    let n = match ns.as_slice() {
        [] => {
            return Err(Error::Refused(format!(
                "{} holds no parts (part-K-of-N.csv and .json); run the shards first",
                parts_dir.display()
            )));
        }
        [n] => *n,
        many => {
            return Err(Error::Refused(format!(
                "{} holds parts of {} different shardings (N = {}); keep the parts of one run and remove the others",
                parts_dir.display(),
                many.len(),
                many.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let mut infos: Vec<Option<PartInfo>> = Vec::new();
    let mut missing: Vec<u64> = Vec::new();
    for k in 1..=n {
        let stem = format!("part-{k}-of-{n}");
        let json = parts_dir.join(format!("{stem}.json"));
        let info = match crate::input::read(&json, Whence::Folder) {
            Err(_) => {
                missing.push(k);
                let csv = parts_dir.join(format!("{stem}.csv"));
                let pq = parts_dir.join(format!("{stem}.parquet"));
                problems.push(if csv.exists() || pq.exists() {
                    let ext = if csv.exists() { "csv" } else { "parquet" };
                    format!("shard {k}/{n} is incomplete: parts/{stem}.{ext} has no parts/{stem}.json (the shard was stopped before it finished)")
                } else {
                    format!("shard {k}/{n} is missing: no parts/{stem}.json")
                });
                infos.push(None);
                continue;
            }
            Ok(t) => match serde_json::from_slice::<PartInfo>(&t) {
                Ok(i) => i,
                Err(e) => {
                    missing.push(k);
                    problems.push(format!(
                        "shard {k}/{n}: parts/{stem}.json cannot be read: {e}"
                    ));
                    infos.push(None);
                    continue;
                }
            },
        };
        let ext = &info.format;
        let file = parts_dir.join(format!("{stem}.{ext}"));
        match fs::metadata(&file) {
            Err(_) => {
                missing.push(k);
                problems.push(format!(
                    "shard {k}/{n} is missing its points: no parts/{stem}.{ext}"
                ));
            }
            Ok(m) if m.len() != info.csv_bytes => {
                missing.push(k);
                problems.push(format!(
                    "shard {k}/{n}: parts/{stem}.{ext} has {} bytes, its json says {}",
                    m.len(),
                    info.csv_bytes
                ));
            }
            Ok(_) => {}
        }
        if info.shard != k || info.shards != n {
            problems.push(format!(
                "shard {k}/{n}: parts/{stem}.json describes shard {}/{}",
                info.shard, info.shards
            ));
        }
        infos.push(Some(info));
    }
    let present: Vec<&PartInfo> = infos.iter().flatten().collect();
    if let Some(first) = present.first() {
        for p in &present {
            if p.spec_sha256 != first.spec_sha256 || p.points != first.points {
                problems.push(format!(
                    "shard {}/{n} was written for another sweep or other inputs than shard {}/{n} (spec hash {}… against {}…)",
                    p.shard,
                    first.shard,
                    &p.spec_sha256[..12.min(p.spec_sha256.len())],
                    &first.spec_sha256[..12.min(first.spec_sha256.len())]
                ));
                continue;
            }
            let want = shard_range(first.points, p.shard, n);
            if p.first != want.start || p.end != want.end || p.rows != want.end - want.start {
                problems.push(format!(
                    "shard {}/{n} covers points {}..{} ({} rows), not {}..{}",
                    p.shard, p.first, p.end, p.rows, want.start, want.end
                ));
            }
            if p.header != first.header {
                problems.push(format!(
                    "shard {}/{n} has other columns than shard {}/{n}",
                    p.shard, first.shard
                ));
            }
            if p.format != first.format || p.layout != first.layout {
                problems.push(format!(
                    "shard {}/{n} was written as {} ({} layout), shard {}/{n} as {} ({} layout); rerun the shards with the same --format and --layout",
                    p.shard, p.format, p.layout, first.shard, first.format, first.layout
                ));
            }
        }
    }
    if !problems.is_empty() {
        let rerun = if missing.is_empty() {
            String::new()
        } else {
            format!(
                "\nrerun the missing shards (finished ones are skipped): e.g. `sbatch --array={} tools/slurm/sweep.sbatch SPEC {} {n}`, or `fendan sweep SPEC --out {} --shard K/{n}` for K in {}",
                missing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                dir.display(),
                dir.display(),
                missing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::Refused(format!(
            "cannot merge {}: {} of {n} shards are not usable\n  {}{rerun}",
            dir.display(),
            missing.len().max(1),
            problems.join("\n  ")
        )));
    }
    let parts: Vec<PartInfo> = infos.into_iter().flatten().collect();
    let first = &parts[0];
    let info = &first.summary;
    let points = first.points;
    let cols = info.columns.len();
    let header = format!("{}\n", first.header);
    let n_fields = header.split(',').count();
    // Output size: the parts without their repeated headers (plus the spill).
    let need: u128 = parts.iter().map(|p| u128::from(p.csv_bytes)).sum::<u128>()
        - (header.len() as u128) * (u128::from(n) - 1)
        + if info.quantiles {
            u128::from(points) * cols as u128 * 8
        } else {
            0
        };
    let (free, why) = limit(free_disk(dir), "FENDAN_SWEEP_DISK_LIMIT")?;
    if let Some(free) = free
        && need > u128::from(free)
    {
        return Err(Error::Refused(format!(
            "merging needs about {} on the output disk, more than {} {}",
            human(need),
            if why == "limit" {
                "the FENDAN_SWEEP_DISK_LIMIT of"
            } else {
                "the free"
            },
            human(u128::from(free))
        )));
    }
    // The folder keeps its parts and logs; a manifest of another sweep is not replaced.
    let sweep = &first.sweep;
    if let Ok(bytes) = crate::input::read(&dir.join("manifest.json"), Whence::Folder)
        && let Ok(m) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(other) = m["sweep"]["name"].as_str()
        && other != sweep
    {
        return Err(Error::Refused(format!(
            "{} holds the results of sweep `{other}`, but its parts are of sweep `{sweep}`; move those results away first",
            dir.display()
        )));
    }
    let mut tx = Transaction::new(Protected::default(), true);
    let staging = tx.folder(dir, Owner::Sweep(sweep))?;
    let mut stats = Stats::new(cols);
    let mut spill = match info.quantiles {
        true => Some(staging.create(SPILL)?),
        false => None,
    };
    let format = if first.format == "parquet" {
        Format::Parquet
    } else {
        Format::Csv
    };
    let layout = if first.layout == "long" {
        Layout::Long
    } else {
        Layout::Wide
    };
    let schema = Arc::new(info.schema.clone());
    let mut w = Writers::create(&staging, format, layout, &schema, header.as_bytes())?;
    // The chunks of a single run: [i·size, (i+1)·size).
    let size = first.chunk.max(1);
    let mut chunk = Chunk::default();
    let long = (format == Format::Csv && layout == Layout::Long).then_some(&schema);
    let mut flush = |chunk: &mut Chunk| -> Result<()> {
        if chunk.n > 0 {
            w.write(chunk)?;
            stats.add_chunk(chunk.first, &chunk.metrics, spill.as_mut())?;
            progress(chunk.n as u64);
        }
        let next = chunk.first + chunk.n as u64;
        chunk.first = next;
        chunk.n = 0;
        chunk.csv.clear();
        chunk.long.clear();
        chunk.metrics.clear();
        chunk.axis_values.clear();
        Ok(())
    };
    let mut next = 0u64;
    for p in &parts {
        let path = parts_dir.join(format!("part-{}-of-{n}.{}", p.shard, p.format));
        let bad = |what: String| {
            Error::Refused(format!(
                "cannot merge {}: {}: {what}; rerun that shard with --force",
                dir.display(),
                path.display()
            ))
        };
        if format == Format::Parquet {
            let bytes = fs::read(&path).map_err(read_err(&path))?;
            if hex(&Sha256::digest(&bytes)) != p.csv_sha256 {
                return Err(bad(
                    "its content differs from the SHA-256 its json records".into()
                ));
            }
            let n_axes = info.schema.axes.len();
            drop(bytes);
            let file = crate::input::open(&path, Whence::Folder)?;
            read_parquet_part(file, n_axes, cols, &bad, &mut |ids, axes, metrics| {
                for (r, idx) in ids.iter().enumerate() {
                    if *idx != next {
                        return Err(bad(format!("point {idx} where point {next} was expected")));
                    }
                    next += 1;
                    chunk.n += 1;
                    chunk
                        .axis_values
                        .extend_from_slice(&axes[r * n_axes..(r + 1) * n_axes]);
                    chunk
                        .metrics
                        .extend_from_slice(&metrics[r * cols..(r + 1) * cols]);
                    if next.is_multiple_of(size) {
                        flush(&mut chunk)?;
                    }
                }
                Ok(())
            })?;
        } else {
            let file = crate::input::open(&path, Whence::Folder)?;
            let mut r = BufReader::with_capacity(1 << 20, file);
            let mut part_hash = Sha256::new();
            let mut line = Vec::new();
            r.read_until(b'\n', &mut line).map_err(read_err(&path))?;
            part_hash.update(&line);
            if line != header.as_bytes() {
                return Err(bad("its header differs from its json".into()));
            }
            loop {
                line.clear();
                let got = r.read_until(b'\n', &mut line).map_err(read_err(&path))?;
                if got == 0 {
                    break;
                }
                part_hash.update(&line);
                if line.last() != Some(&b'\n') {
                    return Err(bad(format!(
                        "the row after point {} is cut short",
                        next.saturating_sub(1)
                    )));
                }
                let body = &line[..line.len() - 1];
                let fields: Vec<&[u8]> = body.split(|b| *b == b',').collect();
                if fields.len() != n_fields {
                    return Err(bad(format!(
                        "a row has {} fields, not {n_fields}",
                        fields.len()
                    )));
                }
                let idx: u64 = std::str::from_utf8(fields[0])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("a row does not start with a point number".into()))?;
                let at = chunk.metrics.len();
                for (j, f) in fields[n_fields - cols..].iter().enumerate() {
                    let v = parse_fixed(f, info.scales[j]).ok_or_else(|| {
                        bad(format!(
                            "point {idx}: `{}` is not a number",
                            String::from_utf8_lossy(f)
                        ))
                    })?;
                    chunk.metrics.push(v);
                }
                if idx != next {
                    return Err(bad(format!("point {idx} where point {next} was expected")));
                }
                next += 1;
                chunk.n += 1;
                chunk.csv.extend_from_slice(&line);
                if let Some(s) = long {
                    let n_axes = n_fields - cols - 1;
                    let m = chunk.metrics[at..].to_vec();
                    s.push(&mut chunk.long, idx, fields[1..=n_axes].iter().copied(), &m);
                }
                if next.is_multiple_of(size) {
                    flush(&mut chunk)?;
                }
            }
            if hex(&part_hash.finalize()) != p.csv_sha256 {
                return Err(bad(
                    "its content differs from the SHA-256 its json records".into()
                ));
            }
        }
        if next != p.end {
            return Err(bad(format!(
                "it ends at point {next}, its json says {}",
                p.end
            )));
        }
    }
    flush(&mut chunk)?;
    if next != points {
        return Err(Error::Refused(format!(
            "cannot merge {}: the parts hold {next} points, the sweep has {points}",
            dir.display()
        )));
    }
    let outputs = w.finish(&staging)?;
    let q = match spill.take() {
        Some(s) => {
            s.finish()?;
            let q = quantiles(&staging.path(SPILL), &staging.shown(""), cols, &stats)?;
            fs::remove_file(staging.path(SPILL)).map_err(staging.err(SPILL))?;
            Some(q)
        }
        None => None,
    };
    let summary = render_summary(info, &stats, q.as_deref());
    staging.write("summary.csv", &summary)?;
    let manifest = final_manifest(&info.manifest, &outputs, &summary);
    staging.write("manifest.json", &manifest)?;
    tx.commit()?;
    Ok(MergeReport {
        dir: dir.to_owned(),
        shards: n,
        points,
        sweep: first.sweep.clone(),
    })
}

/// What [`read_parquet_part`] hands each record batch: point numbers, axis values,
/// metric values.
type OnBatch<'a> = dyn FnMut(&[u64], &[rust_decimal::Decimal], &[i64]) -> Result<()> + 'a;

/// Read a Parquet part (its bytes): for each record batch, its point numbers, axis
/// values (`n_axes` a row) and metric values (`cols` a row, null as [`super::MISSING`]).
#[cfg(feature = "parquet")]
fn read_parquet_part(
    file: fs::File,
    n_axes: usize,
    cols: usize,
    bad: &dyn Fn(String) -> Error,
    on_batch: &mut OnBatch,
) -> Result<()> {
    use arrow_array::{Array, Decimal128Array, Int64Array, UInt64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(8192).build())
        .map_err(|e| bad(format!("it is not a Parquet file fendan wrote ({e})")))?;
    let mut axes = Vec::new();
    let mut metrics = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("it cannot be read ({e})")))?;
        if batch.num_columns() != 1 + n_axes + cols {
            return Err(bad(format!(
                "it has {} columns, not {}",
                batch.num_columns(),
                1 + n_axes + cols
            )));
        }
        let typed = || bad("its columns are not of the types fendan writes".into());
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(typed)?;
        let rows = batch.num_rows();
        axes.clear();
        metrics.clear();
        let axis_cols: Vec<&Decimal128Array> = (0..n_axes)
            .map(|a| {
                batch
                    .column(1 + a)
                    .as_any()
                    .downcast_ref::<Decimal128Array>()
                    .ok_or_else(typed)
            })
            .collect::<Result<_>>()?;
        let metric_cols: Vec<&Int64Array> = (0..cols)
            .map(|j| {
                batch
                    .column(1 + n_axes + j)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .ok_or_else(typed)
            })
            .collect::<Result<_>>()?;
        for r in 0..rows {
            for c in &axis_cols {
                let scale = c.scale() as u32;
                axes.push(
                    rust_decimal::Decimal::try_from_i128_with_scale(c.value(r), scale)
                        .map_err(|_| typed())?,
                );
            }
            for c in &metric_cols {
                metrics.push(if c.is_null(r) {
                    super::MISSING
                } else {
                    c.value(r)
                });
            }
        }
        on_batch(ids.values(), &axes, &metrics)?;
    }
    Ok(())
}

#[cfg(not(feature = "parquet"))]
fn read_parquet_part(
    _: fs::File,
    _: usize,
    _: usize,
    _: &dyn Fn(String) -> Error,
    _: &mut OnBatch,
) -> Result<()> {
    Err(super::no_parquet())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_points() {
        for points in [0u64, 1, 5, 18, 1000] {
            for n in [1u64, 3, 7, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let r = shard_range(points, k, n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, points);
            }
        }
    }
}
