//! Reading and checking the inputs.
//!
//! The seeds ship inside the binary; a scenario may replace any file with its own.
//! Each file is parsed into "raw" structs that keep the location of every field, then
//! checked and resolved into the typed [`Model`]. Every error names the file, the line
//! and column (or CSV row), what was found and what was expected — a finance bureau
//! replacing our cohorts with its own statistics must be able to fix its file from the
//! message alone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use ndarray::Array2;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::params::{Dec, Param, ParamTree, RawParam, Unit as PUnit, build_param, span_location};

/// The text of one input, with the name errors and the manifest call it by.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Read a file from disk; a missing file is an input error.
    pub fn read(path: &Path) -> Result<Source> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Source::new(path.display().to_string(), text))
    }

    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Every input file of a run.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub units: Source,
    pub cohort_counts: Source,
    pub cohorts: Source,
    pub splits: Source,
    pub services: Vec<Source>,
    pub indicators: Source,
    pub budget_classes: Source,
    /// The bibliography every `source:` cites (see [`crate::sources`]).
    pub sources: Source,
}

macro_rules! seed {
    ($path:literal) => {
        Source {
            name: concat!("seeds/", $path).to_owned(),
            text: include_str!(concat!("../seeds/", $path)).to_owned(),
        }
    };
}

impl Inputs {
    /// The default data compiled into the binary.
    pub fn embedded() -> Inputs {
        Inputs {
            units: seed!("units.csv"),
            cohort_counts: seed!("cohorts.csv"),
            cohorts: seed!("cohorts.yaml"),
            splits: seed!("splits.yaml"),
            services: vec![
                seed!("services/01-education.yaml"),
                seed!("services/02-employment.yaml"),
                seed!("services/03-social_insurance.yaml"),
                seed!("services/04-health.yaml"),
                seed!("services/05-social_services.yaml"),
                seed!("services/06-housing.yaml"),
                seed!("services/07-culture_sports.yaml"),
                seed!("services/08-disability.yaml"),
            ],
            indicators: seed!("indicators.yaml"),
            budget_classes: seed!("budget_classes.csv"),
            sources: seed!("sources.yaml"),
        }
    }

    pub fn all(&self) -> Vec<&Source> {
        let mut v = vec![
            &self.units,
            &self.cohort_counts,
            &self.cohorts,
            &self.splits,
        ];
        v.extend(self.services.iter());
        v.push(&self.indicators);
        v.push(&self.budget_classes);
        v.push(&self.sources);
        v
    }
}

/// Parse YAML into `T`, turning a syntax or shape error into a located input error.
pub fn parse_yaml<T: DeserializeOwned>(src: &Source) -> Result<T> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options::<T>(&src.text, options).map_err(|e| {
        let location = match e.location() {
            Some(loc) => span_location(&src.name, &src.text, &loc),
            None => Location::file(&src.name),
        };
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("invalid YAML").trim();
        // The location is printed below the sentence; drop serde-saphyr's own copy.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].trim_end_matches(',').to_owned(),
            None => message.to_owned(),
        };
        if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
            let key = rest.split(',').next().unwrap_or(rest).trim();
            return Error::input(
                location,
                format!("`{key}` is given twice in this mapping; give each key (each date) once"),
            );
        }
        Error::input(
            location,
            format!("this YAML does not fit fendan's format: {message}"),
        )
    })
}

fn at(src: &Source, loc: &serde_saphyr::Location) -> Location {
    span_location(&src.name, &src.text, loc)
}

/// Suggest the closest known name, for "did you mean".
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let best = known
        .into_iter()
        .map(|k| (edit_distance(wanted, k), k))
        .filter(|(d, k)| *d <= (k.len().max(wanted.len()) / 3).max(2))
        .min();
    match best {
        Some((_, k)) => format!(" (did you mean `{k}`?)"),
        None => String::new(),
    }
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

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// A CSV table read as text, with its header, for located per-cell errors.
struct Table<'a> {
    src: &'a Source,
    header: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    fn read(src: &'a Source, required: &[&str]) -> Result<Table<'a>> {
        let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| {
                Error::input(
                    Location::file(&src.name),
                    format!("cannot read the CSV header: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    Location::in_text(&src.name, text, 1, 1),
                    format!(
                        "the header has no `{col}` column; expected the columns {}",
                        required.join(",")
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                Error::input(
                    Location::in_text(&src.name, text, line, 1),
                    format!("this CSV row cannot be read: {e}"),
                )
            })?;
            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
            rows.push((line, record));
        }
        Ok(Table { src, header, rows })
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .expect("required column checked on read")
    }

    fn loc(&self, line: usize, col: usize) -> Location {
        // Column = 1 + the characters before this field on the line.
        let text = self
            .src
            .text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("");
        let mut column = 1;
        let mut field = 0;
        let mut quoted = false;
        for ch in text.chars() {
            if field == col {
                break;
            }
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => field += 1,
                _ => {}
            }
            column += 1;
        }
        Location::in_text(&self.src.name, &self.src.text, line, column)
    }

    fn cell<'r>(&self, record: &'r csv::StringRecord, col: usize) -> &'r str {
        record.get(col).unwrap_or("").trim()
    }
}

// ---------------------------------------------------------------------------
// Raw YAML shapes
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    name: Text,
    unit: Spanned<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    derived: Option<RawDerived>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDerived {
    from: Spanned<String>,
    ratio: Spanned<RawParam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohortsFile {
    cohorts: BTreeMap<String, Spanned<RawCohort>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServicesFile {
    #[serde(default)]
    cohorts: BTreeMap<String, Spanned<RawCohort>>,
    services: Vec<Spanned<RawService>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Spanned<u32>,
    domain: Spanned<String>,
    name: Text,
    beneficiaries: Text,
    responsibility: Text,
    lead: Vec<String>,
    budget_class: Spanned<String>,
    source: String,
    components: Vec<Spanned<RawComponent>>,
    /// `overlap: {service: N, zh: ..., en: ...}`: this service overlaps service N.
    #[serde(default)]
    overlap: Option<Spanned<RawOverlap>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlap {
    service: u32,
    zh: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    id: Spanned<String>,
    name: Text,
    cohort: Spanned<String>,
    standard: Spanned<RawParam>,
    #[serde(default)]
    days: Option<Spanned<RawParam>>,
    #[serde(default)]
    coverage: Option<Spanned<RawParam>>,
    split: Spanned<String>,
    #[serde(default)]
    eligible: Option<Spanned<RawEligible>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEligible {
    #[serde(default)]
    poverty: Vec<String>,
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    fiscal_class: Vec<String>,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    poverty_listed: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSplitsFile {
    rules: BTreeMap<String, Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Text,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    versions: Vec<Spanned<RawVersion>>,
    #[serde(default)]
    base: Option<Spanned<RawParam>>,
    #[serde(default)]
    base_rule: Option<Spanned<String>>,
    #[serde(default)]
    topup_rule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    from: Spanned<String>,
    central: Spanned<Dec>,
    local: BTreeMap<String, Spanned<RawLocal>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    assumption: Option<String>,
    /// The grade of the version's assumption, and the plausible range of its central share.
    #[serde(default)]
    confidence: Option<Spanned<String>>,
    #[serde(default)]
    range: Option<Spanned<crate::grade::RawRange>>,
    /// Which shares the assumption covers: `central`, `local` or (by default) both.
    #[serde(default)]
    assumed: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocal {
    province: Dec,
    city: Dec,
    county: Dec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicatorsFile {
    indicators: Vec<Indicator>,
}

// ---------------------------------------------------------------------------
// Building the model
// ---------------------------------------------------------------------------

/// Load every input, check it, and resolve it into a [`Model`].
pub fn load(inputs: &Inputs) -> Result<Model> {
    let mut params = ParamTree::default();
    let units = load_units(&inputs.units)?;
    let budget_classes = load_budget_classes(&inputs.budget_classes)?;

    // Cohorts: the shared file, then each domain file's own.
    let mut raw_cohorts: Vec<(&Source, String, Spanned<RawCohort>)> = Vec::new();
    let shared: RawCohortsFile = parse_yaml(&inputs.cohorts)?;
    raw_cohorts.extend(
        shared
            .cohorts
            .into_iter()
            .map(|(k, v)| (&inputs.cohorts, k, v)),
    );
    let mut service_files = Vec::new();
    for src in &inputs.services {
        let file: RawServicesFile = parse_yaml(src)?;
        raw_cohorts.extend(file.cohorts.into_iter().map(|(k, v)| (src, k, v)));
        service_files.push((src, file.services));
    }
    check_service_ids(&service_files)?;
    let cohorts = build_cohorts(&raw_cohorts, &mut params)?;

    let rules = load_splits(&inputs.splits, &mut params)?;
    let mut services = Vec::new();
    for (src, raw) in service_files {
        for s in raw {
            services.push(build_service(
                src,
                s,
                &cohorts,
                &rules,
                &budget_classes,
                &mut params,
            )?);
        }
    }
    services.sort_by_key(|s| s.id);
    for s in &services {
        if let Some(o) = &s.overlap
            && (o.service == s.id || !services.iter().any(|x| x.id == o.service))
        {
            return Err(Error::input(
                s.origin.clone(),
                format!(
                    "service {} says it overlaps service {}, which is {}",
                    s.id,
                    o.service,
                    if o.service == s.id {
                        "itself"
                    } else {
                        "not in the plan"
                    }
                ),
            ));
        }
        for c in &s.components {
            if let Some(code) = c
                .eligible
                .units
                .iter()
                .find(|code| !units.iter().any(|u| &u.code == *code))
            {
                return Err(Error::input(
                    c.origin.clone(),
                    format!(
                        "the component `{}` of service {} is limited to unit `{code}`, which is not in the units file{}",
                        c.id,
                        s.id,
                        did_you_mean(code, units.iter().map(|u| u.code.as_str()))
                    ),
                ));
            }
        }
    }

    let indicators: RawIndicatorsFile = parse_yaml(&inputs.indicators)?;
    let counts = load_counts(&inputs.cohort_counts, &units, &cohorts)?;
    for c in &cohorts {
        if c.derived.is_none()
            && !counts
                .rows
                .contains_key(&CohortId(index_of(&cohorts, &c.id) as u32))
        {
            return Err(Error::input(
                c.origin.clone(),
                format!(
                    "the cohort `{}` has no rows in {} and no `derived:` rule; add its headcounts or say how to derive it",
                    c.id, inputs.cohort_counts.name
                ),
            ));
        }
    }
    let inputs_list = inputs
        .all()
        .into_iter()
        .map(|s| InputFile {
            name: s.name.clone(),
            sha256: s.sha256(),
        })
        .collect();
    let model = Model {
        params,
        units,
        cohorts,
        rules,
        services,
        indicators: indicators.indicators,
        budget_classes,
        counts,
        inputs: inputs_list,
        bibliography: crate::sources::Bibliography::parse(&inputs.sources)?,
    };
    crate::sources::check_model(&model, inputs)?;
    Ok(model)
}

fn index_of(cohorts: &[Cohort], id: &str) -> usize {
    cohorts
        .iter()
        .position(|c| c.id == id)
        .unwrap_or(usize::MAX)
}

fn load_units(src: &Source) -> Result<Vec<Unit>> {
    let cols = [
        "code",
        "name_zh",
        "name_en",
        "kind",
        "poverty",
        "poverty_exit",
        "fiscal_class",
        "fiscal_class_assumed",
        "source",
    ];
    let t = Table::read(src, &cols)?;
    let c: Vec<usize> = cols.iter().map(|n| t.col(n)).collect();
    let conf_col = t.header.iter().position(|h| h == "fiscal_class_confidence");
    let mut units: Vec<Unit> = Vec::new();
    let mut codes: HashSet<String> = HashSet::new();
    for (line, r) in &t.rows {
        let cell = |i: usize| t.cell(r, c[i]);
        let loc = |i: usize| t.loc(*line, c[i]);
        let code = cell(0).to_owned();
        if code.len() != 6 || !code.chars().all(|ch| ch.is_ascii_digit()) {
            return Err(Error::input(
                loc(0),
                format!("`{code}` is not a 6-digit GB/T 2260 unit code"),
            ));
        }
        if !codes.insert(code.clone()) {
            return Err(Error::input(
                loc(0),
                format!("the unit {code} is listed twice"),
            ));
        }
        let kind = UnitKind::parse(cell(3)).ok_or_else(|| {
            Error::input(
                loc(3),
                format!(
                    "`{}` is not a unit kind; expected district, county, city or zone",
                    cell(3)
                ),
            )
        })?;
        let poverty = Poverty::parse(cell(4)).ok_or_else(|| {
            Error::input(
                loc(4),
                format!(
                    "`{}` is not a poverty status; expected national, provincial or none",
                    cell(4)
                ),
            )
        })?;
        let poverty_exit = match cell(5) {
            "" => None,
            text => Some(text.parse::<Date>().map_err(|e| Error::input(loc(5), e))?),
        };
        let fiscal_class = FiscalClass::parse(cell(6)).ok_or_else(|| {
            Error::input(
                loc(6),
                format!(
                    "`{}` is not a fiscal class; expected direct, managed or district",
                    cell(6)
                ),
            )
        })?;
        let fiscal_class_assumed = match cell(7) {
            "true" => true,
            "false" => false,
            other => {
                return Err(Error::input(
                    loc(7),
                    format!("`{other}` should be true or false"),
                ));
            }
        };
        let fiscal_class_confidence = match conf_col.map(|i| (i, t.cell(r, i))) {
            None | Some((_, "")) => None,
            Some((i, text)) => Some(crate::grade::Confidence::parse(text).ok_or_else(|| {
                Error::input(
                    t.loc(*line, i),
                    format!("`{text}` is not a confidence grade; use high, medium or low"),
                )
            })?),
        };
        if let Some(col) = conf_col
            && fiscal_class_assumed == fiscal_class_confidence.is_none()
        {
            return Err(Error::input(
                t.loc(*line, col),
                if fiscal_class_assumed {
                    "the fiscal class is assumed but has no confidence grade; give high, medium or low"
                } else {
                    "the fiscal class is not assumed, so it takes no confidence grade; leave the cell empty"
                },
            ));
        }
        units.push(Unit {
            code,
            name_zh: cell(1).to_owned(),
            name_en: cell(2).to_owned(),
            kind,
            poverty,
            poverty_exit,
            fiscal_class,
            fiscal_class_assumed,
            fiscal_class_confidence,
            source: cell(8).to_owned(),
        });
    }
    if units.is_empty() {
        return Err(Error::input(
            Location::file(&src.name),
            "there are no units in this file",
        ));
    }
    Ok(units)
}

fn load_budget_classes(src: &Source) -> Result<Vec<BudgetClass>> {
    let t = Table::read(src, &["code", "name_zh", "name_en"])?;
    let (a, b, c) = (t.col("code"), t.col("name_zh"), t.col("name_en"));
    Ok(t.rows
        .iter()
        .map(|(_, r)| BudgetClass {
            code: t.cell(r, a).to_owned(),
            name_zh: t.cell(r, b).to_owned(),
            name_en: t.cell(r, c).to_owned(),
        })
        .collect())
}

fn build_cohorts(
    raw: &[(&Source, String, Spanned<RawCohort>)],
    params: &mut ParamTree,
) -> Result<Vec<Cohort>> {
    let mut cohorts: Vec<Cohort> = Vec::new();
    let mut seen: HashMap<&str, Location> = HashMap::new();
    for (src, id, rc) in raw {
        let origin = at(src, &rc.referenced);
        if let Some(first) = seen.get(id.as_str()) {
            return Err(Error::input(
                origin,
                format!(
                    "the cohort `{id}` is defined twice (first at {}:{}); cohort ids are global",
                    first.file, first.line
                ),
            ));
        }
        seen.insert(id, origin.clone());
        let unit = match rc.value.unit.value.as_str() {
            "persons" => CohortUnit::Persons,
            "places" => CohortUnit::Places,
            "households" => CohortUnit::Households,
            other => {
                return Err(Error::input(
                    at(src, &rc.value.unit.referenced),
                    format!(
                        "`{other}` is not a cohort unit; expected persons, places or households"
                    ),
                ));
            }
        };
        let adjust = params.insert(Param {
            origin: origin.clone(),
            ..Param::constant(
                &format!("cohorts.{id}.adjust"),
                PUnit::Ratio,
                Date::new(1900, 1, 1),
                Decimal::ONE,
                "default: no adjustment (a scenario may scale the cohort here)",
            )
        })?;
        cohorts.push(Cohort {
            id: id.clone(),
            name: rc.value.name.clone(),
            unit,
            source: rc.value.source.clone().unwrap_or_default(),
            derived: None,
            adjust,
            origin,
        });
    }
    // Resolve derivations now that every id is known.
    for (src, id, rc) in raw {
        let Some(d) = &rc.value.derived else { continue };
        let from = cohorts
            .iter()
            .position(|c| c.id == d.from.value)
            .ok_or_else(|| {
                Error::input(
                    at(src, &d.from.referenced),
                    format!(
                        "the cohort `{id}` is derived from `{}`, which is not a cohort{}",
                        d.from.value,
                        did_you_mean(&d.from.value, cohorts.iter().map(|c| c.id.as_str()))
                    ),
                )
            })?;
        let path = format!("cohorts.{id}.ratio");
        let p = build_param(
            &d.ratio,
            &path,
            Some(&[PUnit::Ratio, PUnit::Share]),
            &src.name,
            &src.text,
        )?;
        let pid = params.insert(p)?;
        let me = index_of(&cohorts, id);
        cohorts[me].derived = Some((CohortId(from as u32), pid));
    }
    // No cycles: follow each chain of `from` links.
    for start in 0..cohorts.len() {
        let mut seen = HashSet::new();
        let mut cur = start;
        while let Some((from, _)) = cohorts[cur].derived {
            if !seen.insert(cur) {
                return Err(Error::input(
                    cohorts[start].origin.clone(),
                    format!(
                        "the cohort `{}` is derived from itself through a cycle of `from:` links",
                        cohorts[start].id
                    ),
                ));
            }
            cur = from.0 as usize;
        }
    }
    Ok(cohorts)
}

fn load_splits(src: &Source, params: &mut ParamTree) -> Result<Vec<SplitRule>> {
    let file: RawSplitsFile = parse_yaml(src)?;
    let ids: Vec<&str> = file.rules.keys().map(String::as_str).collect();
    let rule_id = |name: &Spanned<String>| -> Result<RuleId> {
        ids.iter()
            .position(|k| *k == name.value)
            .map(|i| RuleId(i as u32))
            .ok_or_else(|| {
                Error::input(
                    at(src, &name.referenced),
                    format!(
                        "`{}` is not a split rule{}",
                        name.value,
                        did_you_mean(&name.value, ids.iter().copied())
                    ),
                )
            })
    };
    let mut rules = Vec::new();
    for (id, rr) in &file.rules {
        let r = &rr.value;
        let origin = at(src, &rr.referenced);
        let kind_name = r
            .kind
            .as_ref()
            .map(|k| k.value.as_str())
            .unwrap_or("shares");
        let kind = match kind_name {
            "shares" => build_shares(src, id, r, &origin, params)?,
            "base_topup" => {
                let missing = |what: &str| {
                    Error::input(
                        origin.clone(),
                        format!("the base_topup rule `{id}` needs `{what}:`"),
                    )
                };
                let base = r.base.as_ref().ok_or_else(|| missing("base"))?;
                let p = build_param(
                    base,
                    &format!("splits.{id}.base"),
                    Some(&[PUnit::YuanPerYear, PUnit::YuanPerMonth, PUnit::YuanPerDay]),
                    &src.name,
                    &src.text,
                )?;
                SplitKind::BaseTopup {
                    base: params.insert(p)?,
                    base_rule: rule_id(r.base_rule.as_ref().ok_or_else(|| missing("base_rule"))?)?,
                    topup_rule: rule_id(
                        r.topup_rule.as_ref().ok_or_else(|| missing("topup_rule"))?,
                    )?,
                }
            }
            other => {
                let loc = r
                    .kind
                    .as_ref()
                    .map(|k| at(src, &k.referenced))
                    .unwrap_or(origin.clone());
                return Err(Error::input(
                    loc,
                    format!("`{other}` is not a kind of split rule; expected shares or base_topup"),
                ));
            }
        };
        rules.push(SplitRule {
            id: id.clone(),
            name: r.name.clone(),
            source: r.source.clone().unwrap_or_default(),
            kind,
            origin,
        });
    }
    // A base_topup rule must point at plain share rules.
    for rule in &rules {
        if let SplitKind::BaseTopup {
            base_rule,
            topup_rule,
            ..
        } = rule.kind
        {
            for r in [base_rule, topup_rule] {
                if matches!(rules[r.0 as usize].kind, SplitKind::BaseTopup { .. }) {
                    return Err(Error::input(
                        rule.origin.clone(),
                        format!(
                            "the rule `{}` refers to `{}`, another base_topup rule; it must refer to share rules",
                            rule.id, rules[r.0 as usize].id
                        ),
                    ));
                }
            }
        }
    }
    Ok(rules)
}

fn build_shares(
    src: &Source,
    id: &str,
    r: &RawRule,
    origin: &Location,
    params: &mut ParamTree,
) -> Result<SplitKind> {
    if r.versions.is_empty() {
        return Err(Error::input(
            origin.clone(),
            format!("the split rule `{id}` has no `versions:`"),
        ));
    }
    let mut central: Vec<(Date, Decimal)> = Vec::new();
    let mut local: [[Vec<(Date, Decimal)>; 3]; 3] = Default::default();
    let mut sources = BTreeMap::new();
    let mut assumptions = BTreeMap::new();
    let mut graded = crate::grade::SplitGrades::default();
    for v in &r.versions {
        let vl = at(src, &v.referenced);
        let from: Date = v
            .value
            .from
            .value
            .parse()
            .map_err(|e: String| Error::input(at(src, &v.value.from.referenced), e))?;
        if let Some((prev, _)) = central.last()
            && *prev >= from
        {
            return Err(Error::input(
                at(src, &v.value.from.referenced),
                format!(
                    "the versions of `{id}` overlap: {from} is not after {prev}; list versions once each, oldest first"
                ),
            ));
        }
        let c = v.value.central.value.0;
        PUnit::Share.check(c).map_err(|e| {
            Error::input(
                at(src, &v.value.central.referenced),
                format!("`splits.{id}.central`: {e}"),
            )
        })?;
        central.push((from, c));
        let mut filled = [false; 3];
        for (key, shares) in &v.value.local {
            let classes: Vec<FiscalClass> = if key == "all" {
                FiscalClass::ALL.to_vec()
            } else {
                vec![FiscalClass::parse(key).ok_or_else(|| {
                    Error::input(
                        at(src, &shares.referenced),
                        format!("`{key}` is not a fiscal class; expected direct, managed, district or all"),
                    )
                })?]
            };
            let s = [
                shares.value.province.0,
                shares.value.city.0,
                shares.value.county.0,
            ];
            let sum: Decimal = s.iter().sum();
            if sum != Decimal::ONE || s.iter().any(|x| x.is_sign_negative() && !x.is_zero()) {
                return Err(Error::input(
                    at(src, &shares.referenced),
                    format!(
                        "the local shares of `{id}` for `{key}` from {from} add up to {sum}, not 1 (province {} + city {} + county {}); they divide what the centre does not pay",
                        s[0], s[1], s[2]
                    ),
                ));
            }
            for class in classes {
                if filled[class.index()] {
                    return Err(Error::input(
                        at(src, &shares.referenced),
                        format!(
                            "`{id}` gives the `{}` class twice in one version",
                            class.key()
                        ),
                    ));
                }
                filled[class.index()] = true;
                for (lvl, x) in s.iter().enumerate() {
                    local[class.index()][lvl].push((from, *x));
                }
            }
        }
        if let Some(missing) = FiscalClass::ALL.into_iter().find(|c| !filled[c.index()]) {
            return Err(Error::input(
                vl,
                format!(
                    "the version of `{id}` from {from} gives no local shares for `{}` units; add it or use `all`",
                    missing.key()
                ),
            ));
        }
        if let Some(s) = &v.value.source {
            sources.insert(from, s.clone());
        }
        if let Some(a) = &v.value.assumption {
            assumptions.insert(from, a.clone());
        }
        graded.version(
            src,
            &vl,
            id,
            from,
            v.value.assumption.is_some(),
            v.value.confidence.as_ref(),
            v.value.range.as_ref(),
            v.value.assumed.as_ref(),
        )?;
    }
    let mk = |path: String, values: Vec<(Date, Decimal)>, central: bool| Param {
        path,
        unit: PUnit::Share,
        values,
        interpolate: false,
        source: r.source.clone().unwrap_or_default(),
        sources: sources.clone(),
        assumption: None,
        assumptions: graded.assumptions(&assumptions, central),
        grade: None,
        grades: graded.grades(central),
        origin: origin.clone(),
        overridden: BTreeMap::new(),
        last_override: None,
    };
    let central = params.insert(mk(format!("splits.{id}.central"), central, true))?;
    let mut ids = [[central; 3]; 3];
    for class in FiscalClass::ALL {
        for (lvl, name) in ["province", "city", "county"].iter().enumerate() {
            let values = std::mem::take(&mut local[class.index()][lvl]);
            ids[class.index()][lvl] = params.insert(mk(
                format!("splits.{id}.local.{}.{name}", class.key()),
                values,
                false,
            ))?;
        }
    }
    Ok(SplitKind::Shares {
        central,
        local: ids,
    })
}

fn build_service(
    src: &Source,
    raw: Spanned<RawService>,
    cohorts: &[Cohort],
    rules: &[SplitRule],
    classes: &[BudgetClass],
    params: &mut ParamTree,
) -> Result<Service> {
    let s = raw.value;
    let sid = s.id.value;
    let domain = Domain::parse(&s.domain.value).ok_or_else(|| {
        let names: Vec<&str> = Domain::ALL.iter().map(|d| d.key()).collect();
        Error::input(
            at(src, &s.domain.referenced),
            format!(
                "`{}` is not a domain; expected one of {}",
                s.domain.value,
                names.join(", ")
            ),
        )
    })?;
    if !classes.iter().any(|c| c.code == s.budget_class.value) {
        return Err(Error::input(
            at(src, &s.budget_class.referenced),
            format!(
                "`{}` is not a budget class listed in budget_classes.csv",
                s.budget_class.value
            ),
        ));
    }
    if s.components.is_empty() {
        return Err(Error::input(
            at(src, &raw.referenced),
            format!("service {sid} has no components; every service must be costed"),
        ));
    }
    let mut components: Vec<Component> = Vec::new();
    for rc in s.components {
        let c = rc.value;
        let cid = c.id.value.clone();
        if components.iter().any(|x| x.id == cid) {
            return Err(Error::input(
                at(src, &c.id.referenced),
                format!("service {sid} has two components called `{cid}`"),
            ));
        }
        let base = format!("services.{sid}.{cid}");
        let cohort = cohorts.iter().position(|x| x.id == c.cohort.value).ok_or_else(|| {
            Error::input(
                at(src, &c.cohort.referenced),
                format!(
                    "`{}` is not a cohort{}; cohorts are defined in cohorts.yaml or under `cohorts:` in a services file",
                    c.cohort.value,
                    did_you_mean(&c.cohort.value, cohorts.iter().map(|x| x.id.as_str()))
                ),
            )
        })?;
        let money = [PUnit::YuanPerYear, PUnit::YuanPerMonth, PUnit::YuanPerDay];
        let standard = build_param(
            &c.standard,
            &format!("{base}.standard"),
            Some(&money),
            &src.name,
            &src.text,
        )?;
        let per_day = standard.unit == PUnit::YuanPerDay;
        let days = match (&c.days, per_day) {
            (Some(d), true) => Some(params.insert(build_param(
                d,
                &format!("{base}.days"),
                Some(&[PUnit::DaysPerYear]),
                &src.name,
                &src.text,
            )?)?),
            (None, false) => None,
            (None, true) => {
                return Err(Error::input(
                    at(src, &c.standard.referenced),
                    format!(
                        "`{base}.standard` is in yuan_per_day, so the component needs `days:` (days_per_year) to annualise it"
                    ),
                ));
            }
            (Some(d), false) => {
                return Err(Error::input(
                    at(src, &d.referenced),
                    format!("`{base}.days` is only used with a yuan_per_day standard"),
                ));
            }
        };
        let standard = params.insert(standard)?;
        let coverage = match &c.coverage {
            Some(cv) => build_param(
                cv,
                &format!("{base}.coverage"),
                Some(&[PUnit::Share]),
                &src.name,
                &src.text,
            )?,
            None => Param {
                origin: at(src, &rc.referenced),
                ..Param::constant(
                    &format!("{base}.coverage"),
                    PUnit::Share,
                    Date::new(1900, 1, 1),
                    Decimal::ONE,
                    "default: the whole cohort is covered",
                )
            },
        };
        let coverage = params.insert(coverage)?;
        let split = rules
            .iter()
            .position(|r| r.id == c.split.value)
            .ok_or_else(|| {
                Error::input(
                    at(src, &c.split.referenced),
                    format!(
                        "`{}` is not a split rule{}",
                        c.split.value,
                        did_you_mean(&c.split.value, rules.iter().map(|r| r.id.as_str()))
                    ),
                )
            })?;
        if let SplitKind::BaseTopup { base, .. } = rules[split].kind {
            let bu = params.get(base).unit;
            let su = params.get(standard).unit;
            if bu != su {
                return Err(Error::input(
                    at(src, &c.split.referenced),
                    format!(
                        "the rule `{}` has its base in {}, but this standard is in {}; they must match",
                        c.split.value,
                        bu.name(),
                        su.name()
                    ),
                ));
            }
        }
        let eligible = match &c.eligible {
            None => Eligibility::default(),
            Some(e) => build_eligibility(src, e)?,
        };
        components.push(Component {
            id: cid,
            name: c.name,
            cohort: CohortId(cohort as u32),
            standard,
            days,
            coverage,
            split: RuleId(split as u32),
            eligible,
            origin: at(src, &rc.referenced),
        });
    }
    Ok(Service {
        id: sid,
        domain,
        name: s.name,
        beneficiaries: s.beneficiaries,
        responsibility: s.responsibility,
        lead: s.lead,
        budget_class: s.budget_class.value,
        source: s.source,
        components,
        overlap: s.overlap.map(|o| crate::model::Overlap {
            service: o.value.service,
            note: Text {
                zh: o.value.zh,
                en: o.value.en,
            },
        }),
        origin: at(src, &raw.referenced),
    })
}

fn build_eligibility(src: &Source, e: &Spanned<RawEligible>) -> Result<Eligibility> {
    let loc = at(src, &e.referenced);
    let bad = |what: &str, v: &str, allowed: &str| {
        Error::input(
            loc.clone(),
            format!("`{v}` is not a {what}; expected {allowed}"),
        )
    };
    Ok(Eligibility {
        poverty: e
            .value
            .poverty
            .iter()
            .map(|p| {
                Poverty::parse(p)
                    .ok_or_else(|| bad("poverty status", p, "national, provincial or none"))
            })
            .collect::<Result<_>>()?,
        kind: e
            .value
            .kind
            .iter()
            .map(|k| {
                UnitKind::parse(k)
                    .ok_or_else(|| bad("unit kind", k, "district, county, city or zone"))
            })
            .collect::<Result<_>>()?,
        fiscal_class: e
            .value
            .fiscal_class
            .iter()
            .map(|k| {
                FiscalClass::parse(k)
                    .ok_or_else(|| bad("fiscal class", k, "direct, managed or district"))
            })
            .collect::<Result<_>>()?,
        units: e.value.units.clone(),
        poverty_listed: e
            .value
            .poverty_listed
            .iter()
            .map(|p| {
                Poverty::parse(p)
                    .ok_or_else(|| bad("poverty status", p, "national, provincial or none"))
            })
            .collect::<Result<_>>()?,
    })
}

fn check_service_ids(files: &[(&Source, Vec<Spanned<RawService>>)]) -> Result<()> {
    let mut seen: HashMap<u32, Location> = HashMap::new();
    for (src, services) in files {
        for s in services {
            let here = at(src, &s.value.id.referenced);
            if let Some(first) = seen.get(&s.value.id.value) {
                return Err(Error::input(
                    here,
                    format!(
                        "service {} is defined twice (first at {}:{}); 序号 must be unique",
                        s.value.id.value, first.file, first.line
                    ),
                ));
            }
            seen.insert(s.value.id.value, here);
        }
    }
    Ok(())
}

fn load_counts(src: &Source, units: &[Unit], cohorts: &[Cohort]) -> Result<CohortCounts> {
    let t = Table::read(src, &["year", "unit_code", "cohort", "headcount"])?;
    let (cy, cu, cc, ch) = (
        t.col("year"),
        t.col("unit_code"),
        t.col("cohort"),
        t.col("headcount"),
    );
    let mut parsed: Vec<(usize, i32, usize, usize, i64)> = Vec::with_capacity(t.rows.len());
    let mut years = std::collections::BTreeSet::new();
    let unit_pos: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let cohort_pos: HashMap<&str, usize> = cohorts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    for (line, r) in &t.rows {
        let year: i32 = t
            .cell(r, cy)
            .parse()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| {
                Error::input(
                    t.loc(*line, cy),
                    format!("`{}` is not a year", t.cell(r, cy)),
                )
            })?;
        let code = t.cell(r, cu);
        let unit = *unit_pos.get(code).ok_or_else(|| {
            Error::input(
                t.loc(*line, cu),
                format!("`{code}` is not a unit in units.csv{}", String::new()),
            )
        })?;
        let name = t.cell(r, cc);
        let cohort = *cohort_pos.get(name).ok_or_else(|| {
            Error::input(
                t.loc(*line, cc),
                format!(
                    "`{name}` is not a cohort{}",
                    did_you_mean(name, cohorts.iter().map(|c| c.id.as_str()))
                ),
            )
        })?;
        let text = t.cell(r, ch);
        let headcount: i64 = text.parse().ok().filter(|h| *h >= 0).ok_or_else(|| {
            Error::input(
                t.loc(*line, ch),
                format!("`{text}` is not a headcount; expected a whole number 0 or more"),
            )
        })?;
        years.insert(year);
        parsed.push((*line, year, unit, cohort, headcount));
    }
    let years: Vec<i32> = years.into_iter().collect();
    let mut rows: HashMap<CohortId, Array2<i64>> = HashMap::new();
    let mut filled: HashMap<CohortId, Array2<bool>> = HashMap::new();
    for (line, year, unit, cohort, h) in parsed {
        let y = years.binary_search(&year).expect("year collected above");
        let id = CohortId(cohort as u32);
        let grid = rows
            .entry(id)
            .or_insert_with(|| Array2::zeros((years.len(), units.len())));
        let seen = filled
            .entry(id)
            .or_insert_with(|| Array2::from_elem((years.len(), units.len()), false));
        if seen[(y, unit)] {
            return Err(Error::input(
                t.loc(line, 0),
                format!(
                    "{} / {} / {} appears twice; give each year, unit and cohort once",
                    year, units[unit].code, cohorts[cohort].id
                ),
            ));
        }
        seen[(y, unit)] = true;
        grid[(y, unit)] = h;
    }
    let mut ids: Vec<&CohortId> = filled.keys().collect();
    ids.sort();
    for id in ids {
        let seen = &filled[id];
        if let Some(((y, u), _)) = seen.indexed_iter().find(|(_, s)| !**s) {
            return Err(Error::input(
                Location::file(&src.name),
                format!(
                    "the cohort `{}` has no row for unit {} in {}; a cohort given in the CSV needs every unit and every year",
                    cohorts[id.0 as usize].id, units[u].code, years[y]
                ),
            ));
        }
    }
    Ok(CohortCounts { years, rows })
}

/// Check that every parameter and data cohort covers the simulated years.
pub fn check_years(model: &Model, first: i32, last: i32) -> Result<()> {
    if first > last {
        return Err(Error::Usage(format!(
            "the first year {first} is after the last year {last}"
        )));
    }
    let start = Date::first_of(first, 1);
    for (_, p) in model.params.iter() {
        let first_date = p
            .values
            .first()
            .map(|v| v.0)
            .unwrap_or(Date::new(9999, 1, 1));
        let covered = if p.interpolate {
            first_date.year <= first
        } else {
            first_date <= start
        };
        if !covered {
            return Err(Error::input(
                p.origin.clone(),
                format!(
                    "`{}` starts on {first_date}, so it has no value for {start}; the run covers {first}-{last}, so give a value dated on or before {start}",
                    p.path
                ),
            ));
        }
    }
    if !model.counts.rows.is_empty() {
        for y in first..=last {
            if !model.counts.years.contains(&y) {
                return Err(Error::input(
                    Location::file(
                        model
                            .inputs
                            .get(1)
                            .map(|i| i.name.as_str())
                            .unwrap_or("cohorts.csv"),
                    ),
                    format!(
                        "the cohort counts have no rows for {y}; the run covers {first}-{last}"
                    ),
                ));
            }
        }
    }
    Ok(())
}
