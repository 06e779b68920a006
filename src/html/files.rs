//! Reading an output folder for a report, and refusing one whose files changed.
//!
//! A report's numbers must be the folder's numbers. So before anything is read, every
//! file the manifest lists is hashed and compared with the SHA-256 the manifest
//! records; a file that differs or is missing stops the report with exit code 2 and
//! names the file. The kind of folder — a run of `fendan simulate` or a sweep of
//! `fendan sweep` — is read from its manifest.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};
use crate::money::parse_yuan;
use crate::provenance::{AssumedFigure, AtStake, SourceUse};
use crate::report::UTF8_BOM;

/// A listed file and its recorded SHA-256.
#[derive(Debug, Clone, Deserialize)]
pub struct Listed {
    pub name: String,
    pub sha256: String,
}

/// What kind of output folder a manifest describes.
pub enum Kind {
    Run,
    Sweep,
}

fn read_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Read {
        path: path.to_owned(),
        source,
    }
}

/// The manifest's text and its kind, from the keys only fendan's own manifests have.
pub fn manifest(dir: &Path) -> Result<(String, Kind)> {
    let path = dir.join("manifest.json");
    let text = fs::read_to_string(&path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            let parts = if dir.join("parts").is_dir() {
                "; its parts/ folder holds an unmerged sharded sweep: run `fendan merge` on it first"
            } else {
                ""
            };
            Error::Usage(format!(
                "{} holds no manifest.json, so it is not an output folder of `fendan simulate` or `fendan sweep`{parts}",
                dir.display()
            ))
        } else {
            Error::Read {
                path: path.clone(),
                source,
            }
        }
    })?;
    let file = path.display().to_string();
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            Location::in_text(&file, &text, e.line(), e.column()),
            format!("{file} is not a fendan manifest: {e}"),
        )
    })?;
    let kind = if v.get("sweep").is_some() && v.get("points").is_some() {
        Kind::Sweep
    } else if v.get("scenario").is_some() && v.get("outputs").is_some() {
        Kind::Run
    } else {
        return Err(Error::input(
            Location::file(&file),
            format!(
                "{file} is neither a run's manifest (`scenario`, `outputs`) nor a sweep's (`sweep`, `points`); give an output folder of `fendan simulate` or `fendan sweep`"
            ),
        ));
    };
    Ok((text, kind))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Check every listed file against its SHA-256; the bytes of the files named in
/// `keep` are returned (read once, hashed and kept), the others are streamed.
pub fn verify(dir: &Path, listed: &[Listed], keep: &[&str]) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut kept = BTreeMap::new();
    for f in listed {
        let path = dir.join(&f.name);
        let shown = path.display().to_string();
        let missing = |_| {
            Error::input(
                Location::file(&shown),
                format!(
                    "{shown} is listed in manifest.json but cannot be read; the folder is incomplete: rerun the command that made it"
                ),
            )
        };
        let mut hasher = Sha256::new();
        let bytes = if keep.contains(&f.name.as_str()) {
            let b = fs::read(&path).map_err(missing)?;
            hasher.update(&b);
            Some(b)
        } else {
            let mut file = File::open(&path).map_err(missing)?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf).map_err(read_err(&path))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            None
        };
        let found = hex(&hasher.finalize());
        if !found.eq_ignore_ascii_case(&f.sha256) {
            return Err(Error::input(
                Location::file(&shown),
                format!(
                    "{shown} is not the file fendan wrote: its SHA-256 is {found}, but manifest.json records {}. A report shows only a folder's own numbers; restore the file or rerun the command that made the folder",
                    f.sha256
                ),
            ));
        }
        if let Some(b) = bytes {
            kept.insert(f.name.clone(), b);
        }
    }
    for name in keep {
        if !kept.contains_key(*name) {
            let shown = dir.join(name).display().to_string();
            return Err(Error::input(
                Location::file(&dir.join("manifest.json").display().to_string()),
                format!(
                    "manifest.json does not list {name}, which a report needs; {shown} is not from a complete run of this fendan"
                ),
            ));
        }
    }
    Ok(kept)
}

/// One record of a CSV file: its line and the wanted fields, with parsers that say
/// where a bad field is.
pub struct Record<'a> {
    file: &'a str,
    line_text: String,
    line: usize,
    fields: Vec<String>,
    columns: &'a [usize],
}

impl Record<'_> {
    pub fn text(&self, k: usize) -> &str {
        &self.fields[k]
    }

    fn bad(&self, k: usize, what: &str) -> Error {
        let col = 1 + self
            .line_text
            .split(',')
            .take(self.columns[k])
            .map(|f| f.chars().count() + 1)
            .sum::<usize>();
        Error::input(
            Location {
                file: self.file.to_owned(),
                line: self.line,
                column: col,
                snippet: Some(self.line_text.clone()),
            },
            format!("`{}` in {} is not {what}", self.fields[k], self.file),
        )
    }

    /// An amount in yuan with at most two decimals, as whole fen.
    pub fn fen(&self, k: usize) -> Result<i64> {
        parse_yuan(&self.fields[k])
            .ok_or_else(|| self.bad(k, "an amount in yuan with at most two decimals"))
    }

    pub fn int(&self, k: usize) -> Result<i64> {
        self.fields[k]
            .parse()
            .map_err(|_| self.bad(k, "a whole number"))
    }

    pub fn year(&self, k: usize) -> Result<i32> {
        self.fields[k].parse().map_err(|_| self.bad(k, "a year"))
    }

    /// A decimal number, or `None` for an empty field.
    pub fn decimal(&self, k: usize) -> Result<Option<Decimal>> {
        if self.fields[k].is_empty() {
            return Ok(None);
        }
        self.fields[k]
            .parse()
            .map(Some)
            .map_err(|_| self.bad(k, "a number"))
    }

    pub fn parse<T>(&self, k: usize, what: &str, f: impl Fn(&str) -> Option<T>) -> Result<T> {
        f(&self.fields[k]).ok_or_else(|| self.bad(k, what))
    }
}

/// Call `each` with every record of a CSV file (without its byte-order mark), asking
/// for the columns `want` by name.
pub fn each_record(
    file: &str,
    bytes: &[u8],
    want: &[&str],
    mut each: impl FnMut(&Record) -> Result<()>,
) -> Result<()> {
    let bytes = bytes.strip_prefix(&UTF8_BOM[..]).unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let header = r
        .headers()
        .map_err(|e| {
            Error::input(
                Location::file(file),
                format!("cannot read the header of {file}: {e}"),
            )
        })?
        .clone();
    let mut columns = Vec::new();
    for w in want {
        let i = header.iter().position(|h| h == *w).ok_or_else(|| {
            let first = String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap_or(&[]))
                .into_owned();
            Error::input(
                Location::in_text(file, &first, 1, 1),
                format!("{file} has no column `{w}`; is it a file written by fendan?"),
            )
        })?;
        columns.push(i);
    }
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            Error::input(
                Location {
                    file: file.to_owned(),
                    line,
                    column: 1,
                    snippet: None,
                },
                format!("cannot read {file}: {e}"),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let record = Record {
            file,
            line_text: rec.iter().collect::<Vec<_>>().join(","),
            line,
            fields: columns
                .iter()
                .map(|&i| rec.get(i).unwrap_or("").to_owned())
                .collect(),
            columns: &columns,
        };
        each(&record)?;
    }
    Ok(())
}

/// A run's output folder, verified and read.
pub struct RunFolder {
    pub dir: PathBuf,
    pub meta: RunManifest,
    /// Per year: central, province, city, county, in whole fen (`by_level.csv`).
    pub levels: Vec<(i32, [i64; 4])>,
    pub units: Vec<UnitYear>,
    pub domains: Vec<DomainYear>,
    pub equalization: Vec<Equalization>,
    /// Money at stake per assumption, when the run carries `at_stake.csv` (or the
    /// report computed it, see [`StakeOrigin`]).
    pub at_stake: Option<Vec<AtStake>>,
    pub stake_origin: StakeOrigin,
}

/// Where a report's money at stake comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StakeOrigin {
    /// The run's own `at_stake.csv` (`simulate --stake`).
    File,
    /// Computed by the report from the run's scenario, reloaded exactly: how it was found.
    Computed(String),
    /// Not available: why, and how to get it.
    Missing(String),
}

/// A run's manifest, as far as a report needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct RunManifest {
    pub fendan_version: String,
    pub scenario: ScenarioInfo,
    /// The plan's title and unit kinds; for a manifest written before fendan recorded
    /// them, the embedded plan's.
    #[serde(default = "embedded_plan")]
    pub plan: crate::plan::PlanInfo,
    pub years: [i32; 2],
    #[serde(default)]
    pub inputs: Vec<Listed>,
    pub outputs: Vec<Listed>,
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    #[serde(default)]
    pub extends: Vec<String>,
    #[serde(default)]
    pub overridden: Vec<String>,
    /// Absent in manifests written before fendan recorded them.
    pub assumptions: Option<Vec<AssumedFigure>>,
    pub sources: Option<Vec<SourceUse>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub sha256: String,
}

fn embedded_plan() -> crate::plan::PlanInfo {
    crate::plan::Plan::embedded().info()
}

/// One row of `by_unit.csv`.
#[derive(Debug, Clone)]
pub struct UnitYear {
    pub year: i32,
    pub code: String,
    pub name: String,
    /// The unit's kind, as the plan names it (`plan.unit_kinds` of the manifest).
    pub kind: crate::plan::KindInfo,
    pub population: i64,
    pub levels: [i64; 4],
    pub total: i64,
}

/// One row of `by_domain.csv`.
#[derive(Debug, Clone)]
pub struct DomainYear {
    pub year: i32,
    /// The domain's id and its Chinese name (`domain_zh`).
    pub domain: String,
    pub domain_zh: String,
    pub levels: [i64; 4],
}

/// One row of `equalization.csv`.
#[derive(Debug, Clone)]
pub struct Equalization {
    pub year: i32,
    pub measure: String,
    pub cv: Decimal,
    pub theil: Decimal,
    pub max_min_ratio: Decimal,
    pub districts: Decimal,
    pub counties: Decimal,
}

const LEVELS: [&str; 4] = ["central", "province", "city", "county"];

fn levels(r: &Record, first: usize) -> Result<[i64; 4]> {
    Ok([
        r.fen(first)?,
        r.fen(first + 1)?,
        r.fen(first + 2)?,
        r.fen(first + 3)?,
    ])
}

/// The optional money-at-stake table of a run.
pub use crate::provenance::AT_STAKE;

impl RunFolder {
    /// Verify and read a run's folder.
    pub fn open(dir: &Path, manifest_text: &str) -> Result<RunFolder> {
        let mfile = dir.join("manifest.json").display().to_string();
        let meta: RunManifest = serde_json::from_str(manifest_text).map_err(|e| {
            Error::input(
                Location::in_text(&mfile, manifest_text, e.line(), e.column()),
                format!("{mfile} is not a run's manifest: {e}"),
            )
        })?;
        let mut keep = vec![
            "by_level.csv",
            "by_unit.csv",
            "by_domain.csv",
            "equalization.csv",
        ];
        let has_stake = meta.outputs.iter().any(|o| o.name == AT_STAKE);
        if has_stake {
            keep.push(AT_STAKE);
        }
        let files = verify(dir, &meta.outputs, &keep)?;
        let shown = |name: &str| dir.join(name).display().to_string();
        let mut run = RunFolder {
            dir: dir.to_owned(),
            meta,
            levels: Vec::new(),
            units: Vec::new(),
            domains: Vec::new(),
            equalization: Vec::new(),
            at_stake: None,
            stake_origin: StakeOrigin::Missing(String::new()),
        };
        let mut want = vec!["year"];
        want.extend(LEVELS);
        each_record(&shown("by_level.csv"), &files["by_level.csv"], &want, |r| {
            run.levels.push((r.year(0)?, levels(r, 1)?));
            Ok(())
        })?;
        let mut want = vec!["year", "unit_code", "unit_name", "kind", "population"];
        want.extend(LEVELS);
        want.push("total");
        let plan = run.meta.plan.clone();
        let kinds = crate::plan::Plan::expected(plan.unit_kinds.iter().map(|k| &k.id));
        each_record(&shown("by_unit.csv"), &files["by_unit.csv"], &want, |r| {
            run.units.push(UnitYear {
                year: r.year(0)?,
                code: r.text(1).to_owned(),
                name: r.text(2).to_owned(),
                kind: r.parse(3, &format!("a unit kind of the plan ({kinds})"), |k| {
                    plan.kind(k).cloned()
                })?,
                population: r.int(4)?,
                levels: levels(r, 5)?,
                total: r.fen(9)?,
            });
            Ok(())
        })?;
        let mut want = vec!["year", "domain", "domain_zh"];
        want.extend(LEVELS);
        each_record(
            &shown("by_domain.csv"),
            &files["by_domain.csv"],
            &want,
            |r| {
                run.domains.push(DomainYear {
                    year: r.year(0)?,
                    domain: r.text(1).to_owned(),
                    domain_zh: r.text(2).to_owned(),
                    levels: levels(r, 3)?,
                });
                Ok(())
            },
        )?;
        let want = [
            "year",
            "measure",
            "cv",
            "theil",
            "max_min_ratio",
            "districts_per_capita",
            "counties_per_capita",
        ];
        each_record(
            &shown("equalization.csv"),
            &files["equalization.csv"],
            &want,
            |r| {
                let d = |k| r.decimal(k).map(Option::unwrap_or_default);
                run.equalization.push(Equalization {
                    year: r.year(0)?,
                    measure: r.text(1).to_owned(),
                    cv: d(2)?,
                    theil: d(3)?,
                    max_min_ratio: d(4)?,
                    districts: d(5)?,
                    counties: d(6)?,
                });
                Ok(())
            },
        )?;
        if has_stake {
            run.at_stake = Some(read_at_stake(&shown(AT_STAKE), &files[AT_STAKE])?);
            run.stake_origin = StakeOrigin::File;
        }
        Ok(run)
    }

    pub fn years(&self) -> Vec<i32> {
        self.levels.iter().map(|(y, _)| *y).collect()
    }
}

/// `at_stake.csv`: `path, label, level, low, high` (yuan, change from the run's total
/// over its years), one row per assumption and level.
fn read_at_stake(file: &str, bytes: &[u8]) -> Result<Vec<AtStake>> {
    let mut out: Vec<AtStake> = Vec::new();
    each_record(
        file,
        bytes,
        &["path", "label", "level", "low", "high"],
        |r| {
            let level = r.parse(2, "a level (central, province, city, county)", |t| {
                LEVELS.iter().position(|l| *l == t)
            })?;
            let (low, high) = (r.fen(3)?, r.fen(4)?);
            if out.last().is_none_or(|a| a.path != r.text(0)) {
                out.push(AtStake {
                    path: r.text(0).to_owned(),
                    label: r.text(1).to_owned(),
                    low: [0; 4],
                    high: [0; 4],
                });
            }
            let a = out.last_mut().expect("pushed above");
            a.low[level] = low;
            a.high[level] = high;
            Ok(())
        },
    )?;
    Ok(out)
}
