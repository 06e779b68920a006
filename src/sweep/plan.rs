//! The point plan: which cells each axis can change, grouped by the exact set of axes
//! they depend on, and for each group whether its change is tabulated once or
//! recomputed at each point.
//!
//! A cell (component, year, unit) depends on an axis when the axis changes one of the
//! component's factors (standard, coverage, days, split shares) in that year, or the
//! headcount of its cohort (a ratio or adjustment it derives from) in that year. Cells
//! with the same set of axes form a *group*: its change from the base run is a function
//! of those axes alone. With three axes that touch the same component, most cells still
//! depend on one or two of them (the standard in every year, a split share only from
//! its `from` date, a cohort ratio only in the components of that cohort), so a point
//! is the base run plus one change per group.
//!
//! * A group whose combinations are no more than the points (always, in a grid) and fit
//!   the memory budget is **tabulated**: its change for every combination of its axes'
//!   values, computed once; a point adds one table row per group (integer additions).
//! * Any other group is **recomputed** at each point, its cells only (`sweep::read`).
//!   What its cells need is tabulated in turn where it depends on fewer axes: the money
//!   per head of a (component, year) on the axes of its factors, the headcounts on the
//!   axes of its cohorts. A cell is then one multiplication per level, rounded once to
//!   the fen and allocated to the levels by the engine's own function.
//!
//! Which strategy a group gets changes the time a sweep takes, never its figures.

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::eval::{Evaluator, Scratch};
use super::linear::{Linear, MAX_AXES};
use super::read::{BAD_COUNT, Rate};
use super::spec::{Domain, Mode};
use super::{Assign, Sampling};
use crate::date::Date;
use crate::engine;
use crate::error::Result;
use crate::exact::Exact;
use crate::model::SplitKind;
use crate::money;
use crate::params::ParamId;

/// An axis at its base value (no override): a tornado row moves one axis only.
pub const OFF: u64 = u64::MAX;
/// An axis value that no table indexes (a sampled value off the axis's decimal grid).
pub const LOOSE: u64 = u64::MAX - 1;

/// Indexed values per axis, at most (a distribution's grid of decimals beyond this is
/// never tabulated).
const MAX_INDEX: u64 = 1 << 40;

/// Bytes of tables, at most, unless the memory limit is lower.
pub(super) const TABLE_BUDGET: u64 = 1 << 30;

/// The values of one point: per axis its value and its index (or [`OFF`], [`LOOSE`]).
pub struct Point<'a> {
    pub vals: &'a [Decimal],
    pub idx: &'a [u64],
}

/// How one axis changes its parameter.
#[derive(Debug, Clone)]
pub(super) struct AxisPlan {
    /// `set` or `scale` of one parameter no other axis changes, checked against the
    /// override code: read directly. Else applied with the override code.
    pub(super) direct: bool,
    pub(super) param: ParamId,
    pub(super) scale: bool,
    pub(super) from: Option<Date>,
    pub(super) until: Option<Date>,
    /// Per year of the run: whether the axis's window meets it.
    pub(super) active: Vec<bool>,
    /// How many values a table can index (`None`: not indexed).
    count: Option<u64>,
    /// A distribution's lowest value and decimals (its values are `lo + i / 10^dec`).
    grid: Option<(Decimal, u32)>,
    /// Whether the axis changes a cohort's headcount.
    pub(super) cohort: bool,
}

/// One (component, year) of a group: every unit's cell.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) k: usize,
    pub(super) yi: usize,
    /// The axes that change its factors (the rest change its headcounts).
    pub(super) f_axes: Vec<usize>,
    /// The distinct (fiscal class, eligible months) of the units.
    pub(super) variants: Vec<(usize, Option<[bool; 12]>)>,
    /// Per unit: its variant.
    pub(super) unit_variant: Vec<u16>,
    /// Where its cohort's headcounts are in a headcount row.
    pub(super) needed: usize,
    /// The base run's cell levels, per unit.
    pub(super) base: Vec<[i64; 4]>,
    /// The money per head per variant: the base's when no axis changes the factors.
    pub(super) fixed: Option<Vec<Rate>>,
    /// The money per head per variant for every combination of `f_axes`.
    pub(super) rates: Option<Vec<Rate>>,
    /// Whether to read the money per head from a multilinear form, and the form.
    pub(super) want_lin: bool,
    pub(super) lin: Option<Linear>,
}

/// Cells that depend on the same set of axes, and how their change is found.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) axes: Vec<usize>,
    pub(super) entries: Vec<Entry>,
    /// Years whose population (for equalization) depends on exactly these axes, and
    /// where they are in a headcount row.
    pub(super) pop_years: Vec<(usize, usize)>,
    /// Cohorts to recompute (empty: none).
    pub(super) cohorts: Vec<bool>,
    /// The axes that change headcounts, and the (cohort, year) pairs a headcount row holds.
    pub(super) h_axes: Vec<usize>,
    pub(super) needed: Vec<(usize, usize)>,
    /// Headcount rows for every combination of `h_axes`.
    pub(super) heads: Option<Vec<i64>>,
    /// Applied with the override code.
    pub(super) slow: bool,
    /// The accumulator entries a change of this group holds, in row order.
    pub(super) idx: Vec<usize>,
    pub(super) lvl_pos: Vec<usize>,
    pub(super) unit_pos: Vec<usize>,
    pub(super) pop_pos: Vec<usize>,
    /// The `capacity` metric's county outlay per unit, and its threshold, per year.
    pub(super) county_pos: Vec<usize>,
    pub(super) thr_years: Vec<usize>,
    pub(super) thr_pos: Vec<usize>,
    /// Product of the axes' value counts, when every axis is indexed.
    combos: Option<u64>,
    tabulate: bool,
    table: Option<Vec<i64>>,
}

/// The groups of a sweep and how its axes are read.
pub struct Plan {
    pub(super) axes: Vec<AxisPlan>,
    pub(super) groups: Vec<Group>,
    n_units: usize,
}

fn parse_date(s: &Option<serde_saphyr::Spanned<String>>) -> Option<Date> {
    s.as_ref()
        .and_then(|d| Date::parse_date_or_year(&d.value).ok())
}

/// Spends a byte budget on tables.
struct Budget {
    left: u64,
    points: u64,
    sampled: bool,
}

impl Budget {
    /// Whether a table of `combos` rows of `row` bytes is worth it and fits.
    fn take(&mut self, combos: Option<u64>, row: usize) -> bool {
        let Some(c) = combos else { return false };
        let bytes = c.saturating_mul(row as u64);
        if (self.sampled && c > self.points) || bytes > self.left {
            return false;
        }
        self.left -= bytes;
        true
    }
}

impl Plan {
    /// Find the groups and choose their strategies: tabulate when the combinations are
    /// no more than `points` and the tables fit `budget` bytes (smallest first).
    pub fn new(ev: &Evaluator, sampling: Sampling, points: u64, budget: u64) -> Plan {
        let m = &ev.model;
        let years = ev.years;
        let n_axes = ev.axes.len();
        let n_y = years.len();
        let n_u = ev.n_units;
        let mut axes: Vec<AxisPlan> = ev
            .axes
            .iter()
            .enumerate()
            .map(|(a, axis)| {
                let from = parse_date(&axis.from);
                let until = parse_date(&axis.until);
                let active = years
                    .iter()
                    .map(|y| {
                        from.is_none_or(|f| f <= Date::new(y, 12, 31))
                            && until.is_none_or(|u| Date::new(y, 1, 1) <= u)
                    })
                    .collect();
                let (count, grid) = match &axis.domain {
                    Domain::Dist { dist, decimals, .. } => {
                        let (lo, hi) = dist.bounds();
                        let p = Decimal::from(10u64.pow(*decimals));
                        let n = lo
                            .checked_mul(p)
                            .zip(hi.checked_mul(p))
                            .filter(|(l, h)| l.fract().is_zero() && h.fract().is_zero())
                            .and_then(|(l, h)| u64::try_from((h - l).trunc()).ok())
                            .and_then(|n| n.checked_add(1))
                            .filter(|n| *n <= MAX_INDEX);
                        (n, n.map(|_| (lo, *decimals)))
                    }
                    d => (d.count(), None),
                };
                AxisPlan {
                    // The capacity threshold touches no cell: applied with the override
                    // code (its groups hold only the threshold).
                    direct: matches!(axis.mode, Mode::Set | Mode::Scale)
                        && axis.params.len() == 1
                        && !ev.touches[a].threshold,
                    param: axis.param,
                    scale: axis.mode == Mode::Scale,
                    from,
                    until,
                    active,
                    count,
                    grid,
                    cohort: ev.touches[a].cohorts.iter().any(|c| *c),
                }
            })
            .collect();
        // Two axes on one parameter compose: the override code applies them in order.
        for (a, ap) in axes.iter_mut().enumerate() {
            if (0..n_axes).any(|b| a != b && ev.axes[b].params.contains(&ev.axes[a].param)) {
                ap.direct = false;
            }
        }
        let cohort_of = |a: usize, c: usize| ev.touches[a].cohorts.get(c).copied().unwrap_or(false);
        // The axes each (component, year) and each year's population depend on.
        // (all its axes, its factor axes, (component, year))
        let mut keyed: Vec<Keyed> = Vec::new();
        for (k, (si, ci)) in ev.comps.iter().enumerate() {
            let c = &m.services[*si].components[*ci];
            let mut ps = vec![c.standard, c.coverage];
            ps.extend(c.days);
            ps.extend(m.rule_params(c.split));
            for yi in 0..n_y {
                let f: Vec<usize> = (0..n_axes)
                    .filter(|&a| {
                        axes[a].active[yi] && ev.axes[a].params.iter().any(|p| ps.contains(p))
                    })
                    .collect();
                let on: Vec<usize> = (0..n_axes)
                    .filter(|&a| {
                        axes[a].active[yi] && (f.contains(&a) || cohort_of(a, c.cohort.0 as usize))
                    })
                    .collect();
                if !on.is_empty() {
                    keyed.push((on, f, (k, yi)));
                }
            }
        }
        let mut pops: Vec<(Vec<usize>, usize)> = Vec::new();
        if let (Some(p), Some(_)) = (ev.pop, ev.pop_off) {
            for yi in 0..n_y {
                let on: Vec<usize> = (0..n_axes)
                    .filter(|&a| axes[a].active[yi] && cohort_of(a, p.0 as usize))
                    .collect();
                if !on.is_empty() {
                    pops.push((on, yi));
                }
            }
        }
        let mut thrs: Vec<(Vec<usize>, usize)> = Vec::new();
        if ev.capacity.is_some() {
            for yi in 0..n_y {
                let on: Vec<usize> = (0..n_axes)
                    .filter(|&a| axes[a].active[yi] && ev.touches[a].threshold)
                    .collect();
                if !on.is_empty() {
                    thrs.push((on, yi));
                }
            }
        }
        let mut sets: Vec<Vec<usize>> = keyed
            .iter()
            .map(|(s, _, _)| s.clone())
            .chain(pops.iter().map(|(s, _)| s.clone()))
            .chain(thrs.iter().map(|(s, _)| s.clone()))
            .collect();
        sets.sort();
        sets.dedup();
        let mut groups: Vec<Group> = sets
            .into_iter()
            .map(|set| {
                let mut needed: Vec<(usize, usize)> = Vec::new();
                let mut need = |c: usize, yi: usize| match needed.iter().position(|x| *x == (c, yi))
                {
                    Some(i) => i,
                    None => {
                        needed.push((c, yi));
                        needed.len() - 1
                    }
                };
                let entries: Vec<Entry> = keyed
                    .iter()
                    .filter(|(s, _, _)| *s == set)
                    .map(|(_, f, (k, yi))| {
                        let (si, ci) = ev.comps[*k];
                        let c = &m.services[si].components[ci];
                        let y = years.first + *yi as i32;
                        let mut variants = Vec::new();
                        let unit_variant = m
                            .units
                            .iter()
                            .map(|u| {
                                let v = (u.fiscal_class.index(), engine::eligible_months(c, u, y));
                                match variants.iter().position(|x| *x == v) {
                                    Some(i) => i as u16,
                                    None => {
                                        variants.push(v);
                                        (variants.len() - 1) as u16
                                    }
                                }
                            })
                            .collect();
                        let fixed = f.is_empty().then(|| {
                            let amounts = &ev.base.component_years[si][ci][*yi].amounts;
                            Rate::of(amounts, &variants)
                        });
                        Entry {
                            k: *k,
                            yi: *yi,
                            f_axes: f.clone(),
                            variants,
                            unit_variant,
                            needed: need(c.cohort.0 as usize, *yi),
                            base: (0..n_u)
                                .map(|u| {
                                    let per_year = n_u * ev.comps.len();
                                    ev.base.cells[yi * per_year + u * ev.comps.len() + k].levels
                                })
                                .collect(),
                            fixed,
                            rates: None,
                            want_lin: !f.is_empty()
                                && f.len() <= MAX_AXES
                                && matches!(m.rule(c.split).kind, SplitKind::Shares { .. }),
                            lin: None,
                        }
                    })
                    .collect();
                let pop_years: Vec<(usize, usize)> = pops
                    .iter()
                    .filter(|(s, _)| *s == set)
                    .map(|(_, yi)| (*yi, need(ev.pop.expect("population").0 as usize, *yi)))
                    .collect();
                let mut cohorts = vec![false; m.cohorts.len()];
                for &a in &set {
                    for (c, t) in ev.touches[a].cohorts.iter().enumerate() {
                        cohorts[c] |= *t;
                    }
                }
                if !cohorts.iter().any(|c| *c) {
                    cohorts.clear();
                }
                // Row layout: per year, its levels and unit totals, then its population.
                let mut idx = Vec::new();
                let mut lvl_pos = vec![usize::MAX; n_y];
                let mut unit_pos = vec![usize::MAX; n_y];
                let mut pop_pos = vec![usize::MAX; n_y];
                let mut county_pos = vec![usize::MAX; n_y];
                let mut thr_pos = vec![usize::MAX; n_y];
                let thr_years: Vec<usize> = thrs
                    .iter()
                    .filter(|(s, _)| *s == set)
                    .map(|(_, yi)| *yi)
                    .collect();
                for yi in 0..n_y {
                    if entries.iter().any(|e| e.yi == yi) {
                        lvl_pos[yi] = idx.len();
                        idx.extend((0..4).map(|l| yi * 4 + l));
                        if let Some(o) = ev.unit_off {
                            unit_pos[yi] = idx.len();
                            idx.extend((0..n_u).map(|u| o + yi * n_u + u));
                        }
                        if let Some(cap) = &ev.capacity {
                            county_pos[yi] = idx.len();
                            idx.extend((0..n_u).map(|u| cap.county_off + yi * n_u + u));
                        }
                    }
                    if thr_years.contains(&yi) {
                        let cap = ev.capacity.as_ref().expect("capacity laid out");
                        thr_pos[yi] = idx.len();
                        idx.push(cap.threshold_off + yi);
                    }
                    if pop_years.iter().any(|(y, _)| *y == yi) {
                        let o = ev.pop_off.expect("population accumulated");
                        pop_pos[yi] = idx.len();
                        idx.extend((0..n_u).map(|u| o + yi * n_u + u));
                    }
                }
                let combos = set
                    .iter()
                    .try_fold(1u64, |n, a| n.checked_mul(axes[*a].count?));
                let slow = set.iter().any(|a| !axes[*a].direct);
                let h_axes = set.iter().copied().filter(|a| axes[*a].cohort).collect();
                Group {
                    axes: set,
                    entries,
                    pop_years,
                    cohorts,
                    h_axes,
                    needed,
                    heads: None,
                    slow,
                    idx,
                    lvl_pos,
                    unit_pos,
                    pop_pos,
                    county_pos,
                    thr_years,
                    thr_pos,
                    combos,
                    tabulate: false,
                    table: None,
                }
            })
            .collect();
        let mut plan = Plan {
            axes,
            groups: Vec::new(),
            n_units: n_u,
        };
        // Tabulate whole groups first, the cheapest first, then what the others need.
        let mut budget = Budget {
            left: budget,
            points,
            sampled: sampling.is_sampled(),
        };
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|&g| (groups[g].combos.unwrap_or(u64::MAX), g));
        for &g in &order {
            let grp = &mut groups[g];
            grp.tabulate = budget.take(grp.combos, grp.idx.len() * 8);
        }
        for &g in &order {
            let grp = &mut groups[g];
            if grp.tabulate || grp.slow {
                continue;
            }
            for e in &mut grp.entries {
                if !e.f_axes.is_empty()
                    && !e.want_lin
                    && budget.take(plan.combos(&e.f_axes), e.variants.len() * 80)
                {
                    e.rates = Some(Vec::new());
                }
            }
            let row = grp.needed.len() * n_u * 8;
            if !grp.h_axes.is_empty() && budget.take(plan_combos(&plan.axes, &grp.h_axes), row) {
                grp.heads = Some(Vec::new());
            }
        }
        plan.groups = groups;
        plan
    }

    fn combos(&self, axes: &[usize]) -> Option<u64> {
        plan_combos(&self.axes, axes)
    }

    /// Check every direct reading against the override code on the values in `check`
    /// (per axis); an axis that disagrees anywhere is applied with the override code.
    pub fn verify(&mut self, ev: &Evaluator, check: &[Vec<Assign>]) -> Result<()> {
        let mut s = ev.scratch();
        let years = ev.years;
        for (a, values) in check.iter().enumerate() {
            if !self.axes[a].direct {
                continue;
            }
            let id = self.axes[a].param;
            let mut agree = true;
            for asg in values {
                let ov = ev.override_for(asg);
                let model = s.model.get_or_insert_with(|| ev.model.clone());
                crate::overrides::apply(model, std::slice::from_ref(&ov), years)?;
                let real = model.params.get(id);
                let same = |x: &Exact, z: &Exact| x.big() == z.big();
                for (yi, y) in years.iter().enumerate() {
                    let mut want = [Exact::ONE; 12];
                    let mut got = [Exact::ONE; 12];
                    let w = real.exact_months(y, &mut want);
                    let g = self.months(&ev.model, id, y, yi, &[a], &[asg.value], &mut got);
                    agree &= match (w, g) {
                        (Some(()), Some(())) => want.iter().zip(&got).all(|(x, z)| same(x, z)),
                        (None, None) => true,
                        _ => false,
                    };
                    let wy = real.exact_for_year(y);
                    let gy = self.year_value(&ev.model, id, y, yi, &[a], &[asg.value]);
                    agree &= match (wy, gy) {
                        (Some(x), Some(z)) => same(&x, &z),
                        (None, None) => true,
                        _ => false,
                    };
                }
                ev.restore(&mut s, a);
            }
            if !agree {
                self.axes[a].direct = false;
                for g in &mut self.groups {
                    if g.axes.contains(&a) {
                        g.slow = true;
                        g.heads = None;
                        for e in &mut g.entries {
                            e.rates = None;
                            e.want_lin = false;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The index of `v` among the values of sampled axis `a` ([`LOOSE`] if none).
    pub fn dist_index(&self, a: usize, v: Decimal) -> u64 {
        let (Some((lo, dec)), Some(count)) = (self.axes[a].grid, self.axes[a].count) else {
            return LOOSE;
        };
        let x = (v - lo) * Decimal::from(10u64.pow(dec));
        match u64::try_from(x) {
            Ok(i) if x.fract().is_zero() && i < count => i,
            _ => LOOSE,
        }
    }

    /// The value of index `i` of axis `a`.
    fn value_at(&self, ev: &Evaluator, a: usize, i: u64) -> Decimal {
        match (&ev.axes[a].domain, self.axes[a].grid) {
            (Domain::Dist { .. }, Some((lo, dec))) => {
                (lo + Decimal::from_i128_with_scale(i as i128, dec)).normalize()
            }
            (d, _) => d.value(i).0,
        }
    }

    /// The row of `axes` (mixed radix, the last fastest) at point `pt`, if indexed.
    pub(super) fn row_of(&self, axes: &[usize], pt: &Point) -> Option<usize> {
        let mut r = 0u64;
        for a in axes {
            let i = pt.idx[*a];
            if i >= LOOSE {
                return None;
            }
            r = r * self.axes[*a].count? + i;
        }
        Some(r as usize)
    }

    /// Fill `vals` and `idx` with the values of row `r` of `axes`.
    fn decode(
        &self,
        ev: &Evaluator,
        axes: &[usize],
        r: usize,
        vals: &mut [Decimal],
        idx: &mut [u64],
    ) {
        let mut rest = r as u64;
        for a in axes.iter().rev() {
            let n = self.axes[*a].count.expect("indexed");
            let i = rest % n;
            rest /= n;
            idx[*a] = i;
            vals[*a] = self.value_at(ev, *a, i);
        }
    }

    /// Compute every table the plan holds (in parallel).
    pub fn tabulate(&mut self, ev: &Evaluator) -> Result<()> {
        let n_axes = self.axes.len();
        let n_u = ev.n_units;
        let init = || (ev.scratch(), vec![Decimal::ZERO; n_axes], vec![OFF; n_axes]);
        for gi in 0..self.groups.len() {
            // What a recomputed group needs: money per head, then headcounts.
            for ei in 0..self.groups[gi].entries.len() {
                let e = &self.groups[gi].entries[ei];
                if e.want_lin && e.lin.is_none() && !self.groups[gi].slow {
                    let lin = Linear::build(self, ev, e);
                    self.groups[gi].entries[ei].lin = lin;
                    continue;
                }
                if e.rates.as_ref().is_none_or(|r| !r.is_empty()) {
                    continue;
                }
                let rows = self.combos(&e.f_axes).expect("indexed") as usize;
                let w = e.variants.len();
                let mut t = vec![Rate::BAD; rows * w];
                let this = &*self;
                t.par_chunks_mut(w)
                    .enumerate()
                    .for_each_init(init, |(_, vals, idx), (r, out)| {
                        this.decode(ev, &e.f_axes, r, vals, idx);
                        let pt = Point { vals, idx };
                        if let Some(rates) = this.entry_rates(ev, e, &pt) {
                            out.copy_from_slice(&rates);
                        }
                    });
                self.groups[gi].entries[ei].rates = Some(t);
            }
            let g = &self.groups[gi];
            if g.heads.as_ref().is_some_and(|h| h.is_empty()) {
                let rows = self.combos(&g.h_axes).expect("indexed") as usize;
                let w = g.needed.len() * n_u;
                let mut t = vec![BAD_COUNT; rows * w];
                let this = &*self;
                t.par_chunks_mut(w)
                    .enumerate()
                    .for_each_init(init, |(s, vals, idx), (r, out)| {
                        this.decode(ev, &g.h_axes, r, vals, idx);
                        let pt = Point { vals, idx };
                        this.fill_heads(ev, g, &pt, s, out);
                    });
                self.groups[gi].heads = Some(t);
            }
            let g = &self.groups[gi];
            if !g.tabulate || g.table.is_some() {
                continue;
            }
            let w = g.idx.len().max(1);
            let rows = g.combos.expect("tabulated groups are indexed") as usize;
            let mut table = vec![0i64; rows * w];
            let this = &*self;
            table.par_chunks_mut(w).enumerate().try_for_each_init(
                init,
                |(s, vals, idx), (r, row)| {
                    this.decode(ev, &g.axes, r, vals, idx);
                    let pt = Point { vals, idx };
                    this.group_delta(ev, g, &pt, s, row)
                },
            )?;
            self.groups[gi].table = Some(table);
        }
        Ok(())
    }

    /// Add the change of every group at point `pt` to `acc` (the base run's
    /// accumulator); `Ok(false)` when a sum does not fit.
    pub fn add_point(
        &self,
        ev: &Evaluator,
        pt: &Point,
        s: &mut Option<Scratch>,
        buf: &mut Vec<i64>,
        acc: &mut [i64],
    ) -> Result<bool> {
        for g in &self.groups {
            if g.axes.iter().all(|a| pt.idx[*a] == OFF) {
                continue;
            }
            let w = g.idx.len();
            let row: &[i64] = match (&g.table, self.row_of(&g.axes, pt)) {
                (Some(t), Some(r)) => &t[r * w..(r + 1) * w],
                _ => {
                    buf.resize(w, 0);
                    let sc = s.get_or_insert_with(|| ev.scratch());
                    self.group_delta(ev, g, pt, sc, buf)?;
                    buf
                }
            };
            for (i, d) in g.idx.iter().zip(row) {
                match money::checked_add(acc[*i], *d) {
                    Ok(x) => acc[*i] = x,
                    Err(_) => return Ok(false),
                }
            }
        }
        Ok(true)
    }

    /// Bytes the tables of this plan take.
    pub fn table_bytes(&self) -> u64 {
        let mut b = 0u64;
        for g in &self.groups {
            if g.tabulate {
                b += g.combos.unwrap_or(0) * g.idx.len() as u64 * 8;
            }
            for e in &g.entries {
                if e.rates.is_some() {
                    b += self.combos(&e.f_axes).unwrap_or(0) * e.variants.len() as u64 * 80;
                }
            }
            if g.heads.is_some() {
                b += self.combos(&g.h_axes).unwrap_or(0)
                    * (g.needed.len() * self.n_units * 8) as u64;
            }
        }
        b
    }

    /// Cells recomputed at each point (the groups not tabulated), for the time estimate.
    pub fn direct_cells(&self, n_units: usize) -> usize {
        self.groups
            .iter()
            .filter(|g| !g.tabulate)
            .map(|g| g.entries.len() * n_units)
            .sum()
    }

    /// (component, year) pairs whose money per head is recomputed at each point.
    pub fn direct_rates(&self) -> usize {
        self.groups
            .iter()
            .filter(|g| !g.tabulate)
            .flat_map(|g| &g.entries)
            .filter(|e| e.fixed.is_none() && e.rates.is_none() && !e.want_lin)
            .count()
    }

    /// How many groups are tabulated.
    pub fn tabulated(&self) -> usize {
        self.groups.iter().filter(|g| g.tabulate).count()
    }

    /// Whether a group recomputed at each point uses the override code (slower).
    pub fn slow_direct(&self) -> bool {
        self.groups.iter().any(|g| !g.tabulate && g.slow)
    }

    /// Cells computed to fill the tables.
    pub fn table_cells(&self, n_units: usize) -> u128 {
        self.groups
            .iter()
            .filter(|g| g.tabulate)
            .map(|g| u128::from(g.combos.unwrap_or(0)) * (g.entries.len() * n_units) as u128)
            .sum()
    }
}

/// A (component, year) with the axes it depends on and those of its factors.
type Keyed = (Vec<usize>, Vec<usize>, (usize, usize));

fn plan_combos(axes: &[AxisPlan], set: &[usize]) -> Option<u64> {
    set.iter()
        .try_fold(1u64, |n, a| n.checked_mul(axes[*a].count?))
}
