//! The bibliography: every document a figure is taken from, and the citations that
//! point at it.
//!
//! A user who asks `explain` where a number comes from should end at a document they
//! can look up, not at a note that only the authors have. So every `source:` in the
//! inputs is a list of *citations* of entries in `sources.yaml` (an id per document:
//! title, 文号, issuer, date, where it was published, how it was read and what was taken
//! from it), and the loader refuses a citation that does not resolve.
//!
//! The grammar of a `source:` (and of each dated entry of `sources:`):
//!
//! ```text
//! source   = citation { ";" citation }
//! citation = id [ ":" locator ] [ "(" note ")" ]
//! id       = a lower-case letter, then lower-case letters, digits, "-", "_" or "."
//! locator  = where in the document: no spaces, ";" or parentheses (附件1#48, 第一章, §2.1, item10)
//! note     = free text; parentheses inside it must balance
//! ```
//!
//! `plan` is the plan being modelled, so an article of the plan is cited as
//! `plan:附件1#48` (item 48 of Annex 1), `plan:第一章` or `plan:第二章#指标` (the chapter-2
//! indicator table). Built-in defaults (sources starting `default:`) and values a
//! scenario set (their source names the scenario file and line) are not citations.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{Error, Location, Result};
use crate::load::{Inputs, Source, parse_yaml};
use crate::model::{Model, SplitKind};
use crate::params::{ParamId, span_location};
use crate::suggest::did_you_mean;

/// How a document was read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Read {
    /// The original text or dataset was read (tagged P in the research notes).
    Primary,
    /// A copy, mirror or news report of it was read (tagged S).
    Secondary,
    /// Recalled, not read here: to be checked before it is relied on (tagged M).
    Recalled,
}

impl Read {
    pub const ALL: [(Read, &'static str); 3] = [
        (Read::Primary, "primary"),
        (Read::Secondary, "secondary"),
        (Read::Recalled, "recalled"),
    ];

    pub fn key(self) -> &'static str {
        Read::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, k)| *k)
            .unwrap_or("?")
    }

    /// The words shown after a citation.
    pub fn phrase(self) -> &'static str {
        match self {
            Read::Primary => "read in the original 原文",
            Read::Secondary => "read in a copy or report 转载",
            Read::Recalled => "recalled, not read: check before relying on it 未核实",
        }
    }
}

/// One document of the bibliography.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    /// 文号, where the document has one.
    pub number: Option<String>,
    pub issuer: String,
    /// As precise as known: `2018-09-25`, `2018-09` or `2018`.
    pub date: String,
    /// Where the original was published (a URL as recorded, or the outlet).
    pub published: String,
    /// The copy actually read, when it is not the original.
    pub via: Option<String>,
    pub read: Read,
    /// What was taken from it.
    pub taken: String,
    pub origin: Location,
}

impl Entry {
    /// The full citation on one line.
    pub fn full(&self) -> String {
        let mut s = format!("[{}] {}《{}》", self.id, self.issuer, self.title);
        if let Some(n) = &self.number {
            let _ = write!(s, " {n}");
        }
        let _ = write!(s, ", {}; {}", self.date, self.published);
        if let Some(v) = &self.via {
            let _ = write!(s, " (via {v})");
        }
        let _ = write!(s, "; {}", self.read.phrase());
        s
    }
}

/// One citation inside a `source:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub id: String,
    pub locator: Option<String>,
    pub note: Option<String>,
}

/// Split a `source:` into citations, or say why it is not one.
pub fn parse_citations(text: &str) -> std::result::Result<Vec<Citation>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !"();:".contains(chars[i]) {
            i += 1;
        }
        let id: String = chars[start..i].iter().collect();
        if id.is_empty() {
            return Err(if i >= chars.len() {
                "it is empty, or ends with `;`".to_owned()
            } else {
                format!("`{}` is where a document id should be", chars[i])
            });
        }
        let valid_id = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if !valid_id {
            return Err(format!(
                "`{id}` is not a document id (ids are lower-case ASCII: letters, digits, `-`, `_`, `.`)"
            ));
        }
        let mut locator = None;
        if i < chars.len() && chars[i] == ':' {
            i += 1;
            let ls = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"();".contains(chars[i]) {
                i += 1;
            }
            if i == ls {
                return Err(format!("`{id}:` has no locator after the colon"));
            }
            locator = Some(chars[ls..i].iter().collect());
        }
        skip_ws(&mut i);
        let mut note = None;
        if i < chars.len() && chars[i] == '(' {
            let ns = i + 1;
            let mut depth = 0usize;
            while i < chars.len() {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!(
                    "the note after `{id}` opens `(` and never closes it"
                ));
            }
            note = Some(chars[ns..i].iter().collect::<String>().trim().to_owned());
            i += 1;
            skip_ws(&mut i);
        }
        out.push(Citation { id, locator, note });
        if i >= chars.len() {
            return Ok(out);
        }
        if chars[i] == ';' {
            i += 1;
            continue;
        }
        let rest: String = chars[i..].iter().take(12).collect();
        return Err(format!(
            "`{rest}` follows a citation; put a note in parentheses and separate citations with `;`"
        ));
    }
}

/// Whether a source text is not meant to be a citation: a built-in default, or a value
/// a scenario set.
pub fn is_not_a_citation(text: &str) -> bool {
    text.starts_with("default:") || text.starts_with("scenario ")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: Vec<Spanned<RawEntry>>,
}

/// `sources.yaml` parsed but not yet checked: the loader parses its YAML files side by
/// side, then checks them in order.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RawBibliography(RawFile);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    number: Option<String>,
    issuer: String,
    date: Spanned<String>,
    published: String,
    #[serde(default)]
    via: Option<String>,
    read: Spanned<String>,
    taken: String,
}

/// Every document the inputs cite, by id. Stored (in the compiled plan, see
/// [`crate::load::compiled`]) as the list alone: the index is made again from it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<Entry>", into = "Vec<Entry>")]
pub struct Bibliography {
    pub entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl From<Vec<Entry>> for Bibliography {
    fn from(entries: Vec<Entry>) -> Bibliography {
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Bibliography { entries, index }
    }
}

impl From<Bibliography> for Vec<Entry> {
    fn from(b: Bibliography) -> Vec<Entry> {
        b.entries
    }
}

impl Bibliography {
    /// Read and check `sources.yaml`.
    pub fn parse(src: &Source) -> Result<Bibliography> {
        Bibliography::check_raw(src, parse_yaml(src)?)
    }

    /// Check `sources.yaml` as parsed (the loader parses it beside the other YAML files).
    pub fn check_raw(src: &Source, raw: RawBibliography) -> Result<Bibliography> {
        let raw = raw.0;
        let at = |loc: &serde_saphyr::Location| span_location(&src.name, &src.text, loc);
        let mut b = Bibliography::default();
        for e in raw.sources {
            let r = e.value;
            let id = r.id.value.clone();
            if parse_citations(&id).map(|c| c.len() == 1 && c[0].locator.is_none()) != Ok(true) {
                return Err(Error::input(
                    at(&r.id.referenced),
                    format!(
                        "`{id}` cannot be a document id; use lower-case ASCII letters, digits, `-`, `_` and `.`, starting with a letter"
                    ),
                ));
            }
            if let Some(first) = b.index.get(&id) {
                return Err(Error::input(
                    at(&r.id.referenced),
                    format!(
                        "the document id `{id}` is used twice (first at line {}); each document has one id",
                        b.entries[*first].origin.line
                    ),
                ));
            }
            let date = r.date.value.trim().to_owned();
            let date_ok = {
                let parts: Vec<&str> = date.split('-').collect();
                !parts.is_empty()
                    && parts.len() <= 3
                    && parts[0].len() == 4
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            };
            if !date_ok {
                return Err(Error::input(
                    at(&r.date.referenced),
                    format!(
                        "`{date}` is not a date of `{id}`; write it as precisely as known: 2018-09-25, 2018-09 or 2018"
                    ),
                ));
            }
            let read = Read::ALL
                .iter()
                .find(|(_, k)| *k == r.read.value)
                .map(|(x, _)| *x)
                .ok_or_else(|| {
                    Error::input(
                        at(&r.read.referenced),
                        format!(
                            "`{}` is not how a document was read; use primary (the original), secondary (a copy or report) or recalled (not read)",
                            r.read.value
                        ),
                    )
                })?;
            b.index.insert(id.clone(), b.entries.len());
            b.entries.push(Entry {
                id,
                title: r.title,
                number: r.number,
                issuer: r.issuer,
                date,
                published: r.published,
                via: r.via,
                read,
                taken: r.taken,
                origin: at(&e.referenced),
            });
        }
        if !b.index.contains_key("plan") {
            return Err(Error::input(
                Location::file(&src.name),
                "the bibliography has no entry `plan`, the plan being modelled; articles of the plan are cited as plan:附件1#48",
            ));
        }
        Ok(b)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.index.get(id).map(|i| &self.entries[*i])
    }

    /// The entries a source text cites, in order, each once; empty if it is not a
    /// citation (a default, a scenario's value) or does not parse.
    pub fn cited<'a>(&'a self, text: &str) -> Vec<&'a Entry> {
        if is_not_a_citation(text) {
            return Vec::new();
        }
        let mut seen = HashSet::new();
        parse_citations(text)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| self.get(&c.id))
            .filter(|e| seen.insert(e.id.clone()))
            .collect()
    }

    /// Check one source text: it parses, and every id is in the bibliography.
    fn check(&self, text: &str) -> std::result::Result<(), (String, String)> {
        let cites = parse_citations(text).map_err(|why| {
            let first: String = text.split_whitespace().next().unwrap_or("").to_owned();
            (
                first,
                format!(
                    "this source is not a list of citations: {why}; write `id`, `id:locator` or `plan:附件1#N`, each with an optional note in parentheses, separated by `;` (ids are in sources.yaml)"
                ),
            )
        })?;
        for c in cites {
            if self.get(&c.id).is_none() {
                return Err((
                    c.id.clone(),
                    format!(
                        "`{}` is not a document in the bibliography (sources.yaml){}; cite a document by its id, or the plan as plan:附件1#N",
                        c.id,
                        did_you_mean(&c.id, self.entries.iter().map(|e| e.id.as_str()))
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The location of `needle` in the input named `file`, searched from `line` on (the
/// place a source text was written), else `fallback`.
fn locate(inputs: &Inputs, fallback: &Location, needle: &str) -> Location {
    let Some(src) = inputs.all().into_iter().find(|s| s.name == fallback.file) else {
        return fallback.clone();
    };
    for (n, l) in src
        .text
        .lines()
        .enumerate()
        .skip(fallback.line.saturating_sub(1))
    {
        if let Some(pos) = l.find(needle) {
            let col = l[..pos].chars().count() + 1;
            return Location::in_text(&src.name, &src.text, n + 1, col);
        }
    }
    fallback.clone()
}

/// Check that every source in the model resolves in its bibliography.
pub fn check_model(model: &Model, inputs: &Inputs) -> Result<()> {
    let b = &model.bibliography;
    let fail = |origin: &Location, (needle, msg): (String, String)| -> Error {
        Error::input(locate(inputs, origin, &needle), msg)
    };
    let check = |text: &str, origin: &Location| -> Result<()> {
        if is_not_a_citation(text) {
            return Ok(());
        }
        b.check(text).map_err(|e| fail(origin, e))
    };
    if !model.plan.source.is_empty() {
        let at = Location::in_text(&inputs.plan.name, &inputs.plan.text, 1, 1);
        check(&model.plan.source, &at)?;
    }
    for (_, p) in model.params.iter() {
        if !p.source.is_empty() {
            check(&p.source, &p.origin)?;
        }
        for s in p.sources.values() {
            check(s, &p.origin)?;
        }
    }
    for c in &model.cohorts {
        if !c.source.is_empty() {
            check(&c.source, &c.origin)?;
        }
    }
    for r in &model.rules {
        if !r.source.is_empty() {
            check(&r.source, &r.origin)?;
        }
    }
    for s in &model.services {
        check(&s.source, &s.origin)?;
    }
    for u in &model.units {
        if is_not_a_citation(&u.source) {
            continue;
        }
        b.check(&u.source).map_err(|e| {
            let row = inputs
                .units
                .text
                .lines()
                .position(|l| l.starts_with(&u.code))
                .map(|n| Location::in_text(&inputs.units.name, &inputs.units.text, n + 1, 1))
                .unwrap_or(Location::file(&inputs.units.name));
            fail(&row, e)
        })?;
    }
    let ind_at = Location::in_text(&inputs.indicators.name, &inputs.indicators.text, 1, 1);
    for i in &model.indicators {
        check(&i.source, &ind_at)?;
    }
    Ok(())
}

/// How often each document is cited: by parameters (distinct parameters whose source or
/// dated sources cite it) and by anything else (services, cohorts, rules, units, indicators,
/// the figures of a fiscal file).
pub fn usage(model: &Model) -> BTreeMap<String, (usize, usize)> {
    let b = &model.bibliography;
    let mut out: BTreeMap<String, (usize, usize)> =
        b.entries.iter().map(|e| (e.id.clone(), (0, 0))).collect();
    for (_, p) in model.params.iter() {
        let mut ids = HashSet::new();
        for s in std::iter::once(&p.source).chain(p.sources.values()) {
            ids.extend(b.cited(s).into_iter().map(|e| e.id.clone()));
        }
        for id in ids {
            out.entry(id).or_default().0 += 1;
        }
    }
    let others = model
        .cohorts
        .iter()
        .map(|c| &c.source)
        .chain(model.rules.iter().map(|r| &r.source))
        .chain(model.services.iter().map(|s| &s.source))
        .chain(model.units.iter().map(|u| &u.source))
        .chain(model.indicators.iter().map(|i| &i.source));
    let fiscal = model
        .fiscal
        .iter()
        .flat_map(|f| f.figures.values().map(|g| &g.source));
    for s in others.chain(fiscal) {
        for e in b.cited(s) {
            out.entry(e.id.clone()).or_default().1 += 1;
        }
    }
    out
}

/// The full citations behind one cell of `explain`: the service, and for each component
/// (or the one asked for) its standard, coverage, days, cohort chain and split rule.
pub fn references(model: &Model, service: usize, component: Option<&str>) -> String {
    let b = &model.bibliography;
    let p = &model.params;
    let s = &model.services[service];
    let mut texts: Vec<&str> = vec![&s.source];
    fn add_param<'m>(p: &'m crate::params::ParamTree, texts: &mut Vec<&'m str>, id: ParamId) {
        let prm = p.get(id);
        texts.push(&prm.source);
        texts.extend(prm.sources.values().map(String::as_str));
    }
    for c in &s.components {
        if component.is_some_and(|want| want != c.id) {
            continue;
        }
        for id in [Some(c.standard), c.days, Some(c.coverage)]
            .into_iter()
            .flatten()
        {
            add_param(p, &mut texts, id);
        }
        let mut chain = Some(c.cohort);
        while let Some(co) = chain {
            let cohort = model.cohort(co);
            texts.push(&cohort.source);
            chain = cohort.derived.map(|(from, ratio)| {
                add_param(p, &mut texts, ratio);
                from
            });
        }
        let mut rules = vec![c.split];
        while let Some(r) = rules.pop() {
            let rule = model.rule(r);
            texts.push(&rule.source);
            match &rule.kind {
                SplitKind::Shares { central, .. } => add_param(p, &mut texts, *central),
                SplitKind::BaseTopup {
                    base,
                    base_rule,
                    topup_rule,
                } => {
                    add_param(p, &mut texts, *base);
                    rules.push(*base_rule);
                    rules.push(*topup_rule);
                }
            }
        }
    }
    let mut seen = HashSet::new();
    let mut out = String::new();
    for t in texts {
        for e in b.cited(t) {
            if seen.insert(e.id.clone()) {
                let _ = writeln!(out, "  {}", e.full());
            }
        }
    }
    if out.is_empty() {
        out
    } else {
        format!("\n参考文献 references:\n{out}")
    }
}
