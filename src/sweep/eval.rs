//! The evaluator: the base run, what each axis touches, the accumulator and the metrics.
//!
//! The base scenario is run once. Each axis touches a known set of cells: a
//! component's standard, coverage or days touch that component's cells; a split share
//! the cells of every component paying by that rule (and by base + top-up rules built
//! on it); a cohort's ratio or adjustment the components whose cohort derives from it,
//! transitively. Axes whose cell sets overlap form a *block* (recorded in the manifest).
//! A point's metrics are sums of cells, so they are the base's plus the change the
//! point's axes make to their cells; [`super::plan`] finds those changes, each cell
//! rounded to the fen and allocated by largest remainder exactly as `simulate` does.
//!
//! What is summed per point (the "accumulator") is the totals per year and level, and,
//! when unit totals or equalization are recorded, per year and unit (and the
//! population, for equalization; the county outlay and the threshold, for capacity).
//! The metrics are computed from it.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use super::capacity::CapacityMetric;
use super::spec::{Axis, Domain, Metric, Mode, Spec};
use crate::engine::{self, Headcounts, Outcome, Years};
use crate::error::{Error, Result};
use crate::model::{CohortId, Model};
use crate::money::{self, Overflow};
use crate::overrides::shift::RawShift;
use crate::overrides::{Override, RawOverride};
use crate::params::{Dec, ParamId, span_location};

/// A metric value that could not be computed (an equalization index without population).
pub const MISSING: i64 = i64::MIN;

/// One column of metrics: its name and how many decimals its integer value carries.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// 2 for yuan (the value is in fen), 6 for an index (the value is in millionths).
    pub scale: u8,
    /// The metric, the key within it (a level, a unit's code, `cv` or `theil`) and the
    /// year: the long layout's columns.
    pub metric: &'static str,
    pub key: String,
    pub year: i32,
}

/// What an axis (or a block of axes) touches.
#[derive(Debug, Clone, Default)]
pub(super) struct Touch {
    /// Indices into the flat component list, sorted.
    pub(super) comps: Vec<usize>,
    /// Cohorts whose headcounts change (empty if none).
    pub(super) cohorts: Vec<bool>,
    /// Whether the population (the plan's population cohort) changes.
    pub(super) pop: bool,
    /// Whether the capacity threshold changes (it touches no cell).
    pub(super) threshold: bool,
}

impl Touch {
    fn any_cohort(&self) -> bool {
        self.cohorts.iter().any(|c| *c)
    }

    fn merge(&mut self, other: &Touch) {
        self.comps.extend_from_slice(&other.comps);
        self.comps.sort_unstable();
        self.comps.dedup();
        if self.cohorts.is_empty() {
            self.cohorts = other.cohorts.clone();
        } else {
            for (a, b) in self.cohorts.iter_mut().zip(&other.cohorts) {
                *a |= *b;
            }
        }
        self.pop |= other.pop;
        self.threshold |= other.threshold;
    }
}

/// Axes whose touched cells overlap, evaluated together.
#[derive(Debug, Clone)]
pub struct Block {
    pub axes: Vec<usize>,
    touch: Touch,
    /// Number of combinations of the block's values (grids).
    pub combos: u64,
}

/// One value an axis takes at a point, with where it was written (for messages).
#[derive(Debug, Clone, Copy)]
pub struct Assign {
    pub axis: usize,
    pub value: Decimal,
    pub at: serde_saphyr::Location,
}

/// Per-thread working copies: the model the overrides are applied to, and headcounts.
pub struct Scratch {
    /// Cloned on first use: only a point applied with the override code needs it.
    pub(super) model: Option<Model>,
    pub(super) hc: Headcounts,
}

/// The base run and everything a point's evaluation needs.
pub struct Evaluator {
    pub model: Model,
    pub base: Outcome,
    pub(super) years: Years,
    pub(super) comps: Vec<(usize, usize)>,
    pub(super) n_units: usize,
    /// Accumulator layout: levels (year × 4), then unit totals and population (year × unit).
    pub(super) unit_off: Option<usize>,
    pub(super) pop_off: Option<usize>,
    pub acc_len: usize,
    pub base_acc: Vec<i64>,
    pub(super) pop: Option<CohortId>,
    pub(super) touches: Vec<Touch>,
    all: Touch,
    pub blocks: Vec<Block>,
    metrics: Vec<Metric>,
    pub columns: Vec<Column>,
    spec_src: crate::load::Source,
    pub(super) axes: Vec<Axis>,
    sweep_name: String,
    /// The `capacity` metric's slots and fiscal figures, when it is recorded.
    pub(super) capacity: Option<CapacityMetric>,
}

impl Evaluator {
    /// Run the base scenario and find what each axis touches.
    pub fn new(spec: &Spec) -> Result<Evaluator> {
        let model = spec.base.model()?;
        let years = spec.base.years;
        let base = engine::run(&model, years)?;
        let comps: Vec<(usize, usize)> = model.component_pairs();
        let n_units = model.units.len();
        let ny = years.len();
        let wants = |m: Metric| spec.metrics.contains(&m);
        let need_units = wants(Metric::UnitTotals) || wants(Metric::Equalization);
        let mut acc_len = ny * 4;
        let unit_off = need_units.then(|| {
            acc_len += ny * n_units;
            acc_len - ny * n_units
        });
        let pop_off = wants(Metric::Equalization).then(|| {
            acc_len += ny * n_units;
            acc_len - ny * n_units
        });
        let capacity = wants(Metric::Capacity)
            .then(|| CapacityMetric::new(&model, years, spec.base.capacity, &mut acc_len));
        let pop = Some(model.population);
        let mut base_acc = vec![0i64; acc_len];
        let per_year = n_units * comps.len();
        let overflow =
            |_| engine::sum_overflow(&model, &base.cells, "a total of the sweep's base scenario");
        for (i, c) in base.cells.iter().enumerate() {
            let yi = i / per_year;
            let u = i % per_year / comps.len();
            for l in 0..4 {
                let k = yi * 4 + l;
                base_acc[k] = money::checked_add(base_acc[k], c.levels[l]).map_err(overflow)?;
                if let Some(o) = unit_off {
                    let k = o + yi * n_units + u;
                    base_acc[k] = money::checked_add(base_acc[k], c.levels[l]).map_err(overflow)?;
                }
            }
            if let Some(cap) = &capacity {
                base_acc[cap.county_off + yi * n_units + u] += c.levels[3];
            }
        }
        if let Some(cap) = &capacity {
            for (yi, t) in cap.thresholds(&model).into_iter().enumerate() {
                base_acc[cap.threshold_off + yi] = t;
            }
            let file = model.fiscal.as_ref().map_or("", |f| f.file.as_str());
            cap.check(&base_acc, file)?;
        }
        if let (Some(o), Some(p)) = (pop_off, pop) {
            for (yi, y) in years.iter().enumerate() {
                for u in 0..n_units {
                    base_acc[o + yi * n_units + u] = base.headcounts.get(y, u, p);
                }
            }
        }
        let mut columns = Vec::new();
        for m in &spec.metrics {
            for y in years.iter() {
                match m {
                    Metric::LevelTotals => {
                        for l in ["central", "province", "city", "county", "total"] {
                            columns.push(Column {
                                name: format!("{l}_{y}"),
                                scale: 2,
                                metric: m.key(),
                                key: l.to_owned(),
                                year: y,
                            });
                        }
                    }
                    Metric::UnitTotals => {
                        for u in &model.units {
                            columns.push(Column {
                                name: format!("unit_{}_{y}", u.code),
                                scale: 2,
                                metric: m.key(),
                                key: u.code.clone(),
                                year: y,
                            });
                        }
                    }
                    Metric::Equalization => {
                        for k in ["cv", "theil"] {
                            columns.push(Column {
                                name: format!("{k}_{y}"),
                                scale: 6,
                                metric: m.key(),
                                key: k.to_owned(),
                                year: y,
                            });
                        }
                    }
                    Metric::Capacity => columns.extend(CapacityMetric::columns(y)),
                }
            }
        }
        let mut ev = Evaluator {
            model,
            base,
            years,
            comps,
            n_units,
            unit_off,
            pop_off,
            acc_len,
            base_acc,
            pop,
            touches: Vec::new(),
            all: Touch::default(),
            blocks: Vec::new(),
            metrics: spec.metrics.clone(),
            columns,
            spec_src: spec.source.clone(),
            axes: spec.axes.clone(),
            sweep_name: spec.name.clone(),
            capacity,
        };
        ev.touches = spec.axes.iter().map(|a| ev.touch_of(a.param)).collect();
        ev.all = Touch {
            cohorts: vec![false; ev.model.cohorts.len()],
            ..Touch::default()
        };
        for t in &ev.touches {
            ev.all.merge(t);
        }
        if !ev.all.any_cohort() {
            ev.all.cohorts.clear();
        }
        ev.blocks = ev.group(spec);
        Ok(ev)
    }

    /// The components (and cohorts) whose cells depend on parameter `p`.
    fn touch_of(&self, p: ParamId) -> Touch {
        let m = &self.model;
        // Cohorts whose headcount depends on p: p is their ratio or adjustment, or that
        // of a cohort they derive from.
        let n_c = m.cohorts.len();
        let mut cohorts = vec![false; n_c];
        fn depends(m: &Model, c: usize, p: ParamId, memo: &mut [Option<bool>]) -> bool {
            if let Some(v) = memo[c] {
                return v;
            }
            let co = &m.cohorts[c];
            let mut v = co.adjust == p;
            if let Some((from, ratio)) = co.derived
                && !m.counts.rows.contains_key(&CohortId(c as u32))
            {
                v |= ratio == p || depends(m, from.0 as usize, p, memo);
            }
            memo[c] = Some(v);
            v
        }
        let mut memo = vec![None; n_c];
        for (c, slot) in cohorts.iter_mut().enumerate() {
            *slot = depends(m, c, p, &mut memo);
        }
        let mut comps = Vec::new();
        for (k, (si, ci)) in self.comps.iter().enumerate() {
            let c = &m.services[*si].components[*ci];
            let mut ps = vec![c.standard, c.coverage];
            ps.extend(c.days);
            ps.extend(m.rule_params(c.split));
            if ps.contains(&p) || cohorts[c.cohort.0 as usize] {
                comps.push(k);
            }
        }
        let pop = self.pop.is_some_and(|c| cohorts[c.0 as usize]);
        if !cohorts.iter().any(|c| *c) {
            cohorts.clear();
        }
        Touch {
            comps,
            cohorts,
            pop,
            threshold: self
                .capacity
                .as_ref()
                .is_some_and(|c| c.threshold == Some(p)),
        }
    }

    /// Group the axes into blocks of overlapping touched cells (union-find).
    fn group(&self, spec: &Spec) -> Vec<Block> {
        let n = spec.axes.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for a in 0..n {
            for b in a + 1..n {
                let (ta, tb) = (&self.touches[a], &self.touches[b]);
                let overlap = (ta.pop && tb.pop)
                    || ta.comps.iter().any(|c| tb.comps.binary_search(c).is_ok())
                    || spec.axes[a].param == spec.axes[b].param;
                if overlap {
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
        let mut blocks: Vec<Block> = Vec::new();
        for a in 0..n {
            let r = root(&mut parent, a);
            match blocks.iter_mut().find(|b| b.axes[0] == r) {
                Some(b) => {
                    b.axes.push(a);
                    b.touch.merge(&self.touches[a]);
                }
                None => {
                    let mut touch = Touch {
                        cohorts: vec![false; self.model.cohorts.len()],
                        ..Touch::default()
                    };
                    touch.merge(&self.touches[a]);
                    blocks.push(Block {
                        axes: vec![a],
                        touch,
                        combos: 0,
                    });
                }
            }
        }
        for b in &mut blocks {
            b.combos = b
                .axes
                .iter()
                .try_fold(1u64, |n, a| {
                    n.checked_mul(spec.axes[*a].domain.count().unwrap_or(1))
                })
                .unwrap_or(u64::MAX);
            if !b.touch.any_cohort() {
                b.touch.cohorts.clear();
            }
        }
        blocks
    }

    /// The basis of the fiscal figures the `capacity` metric uses: `illustrative` when
    /// some are made up for an example, `data` otherwise; `None` without the metric.
    pub fn fiscal_basis(&self) -> Option<&'static str> {
        self.capacity.as_ref().map(|c| {
            if c.illustrative {
                crate::capacity::tables::ILLUSTRATIVE_BASIS
            } else {
                crate::capacity::tables::DATA_BASIS
            }
        })
    }

    /// Whether block `b` changes anything at all (else it needs no table).
    pub fn block_is_inert(&self, b: &Block) -> bool {
        b.touch.comps.is_empty() && !b.touch.pop && !b.touch.threshold
    }

    /// The names of a block's axes, for messages.
    pub fn block_axes(&self, b: &Block) -> Vec<&str> {
        b.axes.iter().map(|a| self.axes[*a].name.as_str()).collect()
    }

    pub fn scratch(&self) -> Scratch {
        Scratch {
            model: None,
            hc: self.base.headcounts.clone(),
        }
    }

    /// The scenario override that puts `value` on axis `a` — what a scenario file
    /// with the same path, `set`/`scale`, `from` and `until` would contain.
    pub fn override_for(&self, a: &Assign) -> Override {
        let axis = &self.axes[a.axis];
        let v = a.value.normalize();
        let raw = RawOverride {
            path: axis.path_span.clone(),
            from: axis.from.clone(),
            until: axis.until.clone(),
            set: (axis.mode == Mode::Set).then(|| Spanned::new(v.to_string(), a.at, a.at)),
            scale: (axis.mode == Mode::Scale).then(|| Spanned::new(Dec(v), a.at, a.at)),
            values: None,
            index: None,
            shift: axis.shift.as_ref().map(|sh| {
                Spanned::new(
                    RawShift {
                        from: sh.from.clone(),
                        to: sh.to.clone(),
                        share: Spanned::new(Dec(v), a.at, a.at),
                        classes: sh.classes.clone(),
                    },
                    a.at,
                    a.at,
                )
            }),
            note: Some(format!("sweep {}", self.sweep_name)),
        };
        Override {
            raw: Arc::new(Spanned::new(
                raw,
                axis.path_span.referenced,
                axis.path_span.defined,
            )),
            src: self.spec_src.clone(),
        }
    }

    /// The change of the accumulator when the axes take the values in `assigns` and
    /// every other parameter keeps its base value: the touched cells recomputed.
    fn delta(
        &self,
        s: &mut Scratch,
        assigns: &[Assign],
        touch: &Touch,
        out: &mut [i64],
    ) -> Result<()> {
        out.fill(0);
        let ovs: Vec<Override> = assigns.iter().map(|a| self.override_for(a)).collect();
        let result = self.delta_applied(s, &ovs, touch, out);
        for a in assigns {
            self.restore(s, a.axis);
        }
        if !touch.cohorts.is_empty() {
            let base = &self.base.headcounts.data;
            for (c, t) in touch.cohorts.iter().enumerate() {
                if *t {
                    for yi in 0..self.years.len() {
                        for u in 0..self.n_units {
                            s.hc.data[(yi, u, c)] = base[(yi, u, c)];
                        }
                    }
                }
            }
        }
        result
    }

    fn delta_applied(
        &self,
        s: &mut Scratch,
        ovs: &[Override],
        touch: &Touch,
        out: &mut [i64],
    ) -> Result<()> {
        let model = s.model.get_or_insert_with(|| self.model.clone());
        crate::overrides::apply(model, ovs, self.years)?;
        if !touch.cohorts.is_empty() {
            engine::refill_headcounts(model, &mut s.hc, &touch.cohorts)?;
        }
        let n_k = self.comps.len();
        let per_year = self.n_units * n_k;
        let overflow = |y: i32| self.change_overflow(ovs, y);
        for &k in &touch.comps {
            let (si, ci) = self.comps[k];
            let cys = engine::component_year_list(model, self.years, si, ci)?;
            for (yi, y) in self.years.iter().enumerate() {
                for u in 0..self.n_units {
                    let cell = engine::component_cell(model, &cys, &s.hc, y, u, si, ci)?;
                    let b = &self.base.cells[yi * per_year + u * n_k + k];
                    let mut sum = 0i64;
                    for l in 0..4 {
                        let add = |acc: i64| {
                            money::checked_sub(cell.levels[l], b.levels[l])
                                .and_then(|d| money::checked_add(acc, d))
                        };
                        out[yi * 4 + l] = add(out[yi * 4 + l]).map_err(|_| overflow(y))?;
                        sum = add(sum).map_err(|_| overflow(y))?;
                    }
                    if let Some(o) = self.unit_off {
                        let x = &mut out[o + yi * self.n_units + u];
                        *x = money::checked_add(*x, sum).map_err(|_| overflow(y))?;
                    }
                    if let Some(cap) = &self.capacity {
                        out[cap.county_off + yi * self.n_units + u] += cell.levels[3] - b.levels[3];
                    }
                }
            }
        }
        if let (Some(cap), true) = (&self.capacity, touch.threshold) {
            for (yi, t) in cap.thresholds(model).into_iter().enumerate() {
                out[cap.threshold_off + yi] = t - self.base_acc[cap.threshold_off + yi];
            }
        }
        if let (Some(o), Some(p), true) = (self.pop_off, self.pop, touch.pop) {
            for (yi, y) in self.years.iter().enumerate() {
                for u in 0..self.n_units {
                    out[o + yi * self.n_units + u] =
                        money::checked_sub(s.hc.get(y, u, p), self.base.headcounts.get(y, u, p))
                            .map_err(|_| overflow(y))?;
                }
            }
        }
        Ok(())
    }

    /// The change made by several axes together, recomputing only the cells they touch
    /// (e.g. the three local shares of a split rule, which must move together).
    pub fn axes_delta(&self, s: &mut Scratch, assigns: &[Assign], out: &mut [i64]) -> Result<()> {
        let mut touch = Touch {
            cohorts: vec![false; self.model.cohorts.len()],
            ..Touch::default()
        };
        for a in assigns {
            touch.merge(&self.touches[a.axis]);
        }
        if !touch.any_cohort() {
            touch.cohorts.clear();
        }
        self.delta(s, assigns, &touch, out)
    }

    /// Where the value of index `i` of axis `a` is written (for the messages of the
    /// override it makes): a listed value's own place, else the range or distribution.
    pub(super) fn value_location(&self, a: usize, i: u64) -> serde_saphyr::Location {
        match &self.axes[a].domain {
            Domain::List(v) => v.get(i as usize).unwrap_or(&v[0]).1,
            Domain::Range { at, .. } | Domain::Dist { at, .. } => *at,
        }
    }

    /// The error for a change, made by the overrides `ovs` to the `y` totals, that
    /// does not fit.
    pub(super) fn change_overflow(&self, ovs: &[Override], y: i32) -> Error {
        let axes: Vec<String> = ovs
            .iter()
            .map(|o| format!("`{}`", o.raw.value.path.value))
            .collect();
        let o = &ovs[0];
        Error::overflow(
            span_location(&o.src.name, &o.src.text, &o.raw.referenced),
            format!(
                "at a point of this sweep, the change that {} make to the {y} totals is more than fendan can hold ({} yuan); narrow the axis values",
                axes.join(", "),
                money::yuan(i64::MAX)
            ),
        )
    }

    /// Check that the override of each listed value applies (shares still add up, dates
    /// inside the run, …), as it would in a scenario file.
    pub fn check_applies(&self, s: &mut Scratch, a: &Assign) -> Result<()> {
        let ov = self.override_for(a);
        let model = s.model.get_or_insert_with(|| self.model.clone());
        let r = crate::overrides::apply(model, std::slice::from_ref(&ov), self.years);
        self.restore(s, a.axis);
        r
    }

    /// Put back the base values of every parameter axis `a` may change.
    pub(super) fn restore(&self, s: &mut Scratch, a: usize) {
        if let Some(model) = s.model.as_mut() {
            for id in &self.axes[a].params {
                *model.params.get_mut(*id) = self.model.params.get(*id).clone();
            }
        }
    }

    /// Add a change (a block's table row, or a point's delta) to a point's accumulator,
    /// or [`Overflow`] when a sum does not fit (then `acc` may be partly updated).
    pub fn accumulate(&self, acc: &mut [i64], delta: &[i64]) -> Result<(), Overflow> {
        for (x, d) in acc.iter_mut().zip(delta) {
            *x = money::checked_add(*x, *d)?;
        }
        Ok(())
    }

    /// The error for point `point` of the sweep, whose totals do not fit: located at the
    /// first axis, naming every axis and the values the point gives them.
    pub fn point_overflow(&self, point: u64, values: &[Decimal]) -> Error {
        let axes: Vec<String> = self
            .axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("`{}` = {}", a.name, v.normalize()))
            .collect();
        let first = &self.axes[0].path_span.referenced;
        Error::overflow(
            span_location(&self.spec_src.name, &self.spec_src.text, first),
            format!(
                "at point {point} of this sweep ({}), a total is more than fendan can hold ({} yuan); narrow the axis values",
                axes.join(", "),
                money::yuan(i64::MAX)
            ),
        )
    }

    /// The error for the tornado run of one axis at one of its values (the other axes at
    /// the base), whose totals do not fit.
    pub fn tornado_overflow(&self, a: &Assign) -> Error {
        let axis = &self.axes[a.axis];
        Error::overflow(
            span_location(
                &self.spec_src.name,
                &self.spec_src.text,
                &axis.path_span.referenced,
            ),
            format!(
                "with `{}` = {} (the other axes at the base), a total is more than fendan can hold ({} yuan); narrow the axis values",
                axis.name,
                a.value.normalize(),
                money::yuan(i64::MAX)
            ),
        )
    }

    /// The metrics of an accumulator, as integers (fen or millionths; [`MISSING`]).
    /// A year's total that does not fit is written as [`MISSING`]; [`Evaluator::try_metrics`]
    /// says so instead.
    pub fn metrics(&self, acc: &[i64], out: &mut [i64]) {
        self.fill_metrics(acc, out, &mut |_| MISSING);
    }

    /// The metrics of an accumulator, or [`Overflow`] when a year's total of the four
    /// levels does not fit.
    pub fn try_metrics(&self, acc: &[i64], out: &mut [i64]) -> Result<(), Overflow> {
        let mut failed = false;
        self.fill_metrics(acc, out, &mut |_| {
            failed = true;
            MISSING
        });
        if failed { Err(Overflow) } else { Ok(()) }
    }

    fn fill_metrics(
        &self,
        acc: &[i64],
        out: &mut [i64],
        on_overflow: &mut dyn FnMut(Overflow) -> i64,
    ) {
        let ny = self.years.len();
        let nu = self.n_units;
        let mut j = 0;
        for m in &self.metrics {
            for yi in 0..ny {
                match m {
                    Metric::LevelTotals => {
                        let l = &acc[yi * 4..yi * 4 + 4];
                        out[j..j + 4].copy_from_slice(l);
                        out[j + 4] =
                            money::checked_sum(l.iter().copied()).unwrap_or_else(&mut *on_overflow);
                        j += 5;
                    }
                    Metric::UnitTotals => {
                        let o = self.unit_off.expect("unit totals accumulated") + yi * nu;
                        out[j..j + nu].copy_from_slice(&acc[o..o + nu]);
                        j += nu;
                    }
                    Metric::Equalization => {
                        let o = self.unit_off.expect("unit totals accumulated") + yi * nu;
                        let p = self.pop_off.expect("population accumulated") + yi * nu;
                        let (cv, theil) = crate::stats::indices(&acc[o..o + nu], &acc[p..p + nu])
                            .unwrap_or((MISSING, MISSING));
                        out[j] = cv;
                        out[j + 1] = theil;
                        j += 2;
                    }
                    Metric::Capacity => {
                        let cap = self.capacity.as_ref().expect("capacity laid out");
                        out[j..j + 2].copy_from_slice(&cap.values(acc, yi));
                        j += 2;
                    }
                }
            }
        }
    }

    /// Axis `a`'s values for a one-at-a-time tornado: every listed value of a grid axis
    /// (of a sampled axis when it has at most 1,000), else the two ends of its range.
    pub fn tornado_values(&self, a: usize, sampled: bool) -> Vec<Assign> {
        let axis = &self.axes[a];
        match &axis.domain {
            Domain::Dist { dist, at, .. } => {
                let (lo, hi) = dist.bounds();
                vec![
                    Assign {
                        axis: a,
                        value: lo,
                        at: *at,
                    },
                    Assign {
                        axis: a,
                        value: hi,
                        at: *at,
                    },
                ]
            }
            d => {
                let n = d.count().expect("discrete");
                let idx: Vec<u64> = if sampled && n > 1000 {
                    vec![0, n - 1]
                } else {
                    (0..n).collect()
                };
                idx.into_iter()
                    .map(|i| {
                        let (value, at) = d.value(i);
                        Assign { axis: a, value, at }
                    })
                    .collect()
            }
        }
    }
}
