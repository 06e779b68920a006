//! The point plan: which cells each axis can change, grouped by the exact set of axes
//! they depend on, and for each group whether its changes are tabulated once or
//! recomputed at each point.
//!
//! A cell (component, year, unit) depends on an axis when the axis changes one of the
//! component's factors (standard, coverage, days, split shares) in that year, or the
//! headcount of its cohort (a ratio or adjustment it derives from) in that year. Cells
//! with the same set of axes form a *group*: its change from the base run is a function
//! of those axes alone. With three axes that touch the same component, most cells still
//! depend on one or two of them (the standard in every year, the split share only from
//! its `from` date, the cohort ratio only in the components of that cohort), so a point
//! is the base run plus one change per group.
//!
//! * A group whose combinations are no more than the points (always, in a grid) and fit
//!   the memory budget is **tabulated**: its change for every combination of its axes'
//!   values, computed once; a point adds one table row per group (integer additions).
//! * Any other group is **recomputed** at each point, its cells only, exactly as
//!   `simulate` computes them: the factors of the point's values are read straight from
//!   the base model (a `set` puts the value in the months of its window, a `scale`
//!   multiplies the base values there, as an override does), then the engine's own
//!   functions round each cell to the fen and allocate it to the levels.
//! * An axis that a direct reading cannot express (a `shift` of a split rule, or two axes
//!   on one parameter) is applied with the scenario override code to a copy of the
//!   model, as before. So is any point whose direct reading fails (a value without a
//!   decimal form, an amount past `i64`), so that its error is the one `simulate` gives.
//!
//! Every direct reading is checked against the override code on the axis's listed or
//! end values before any point is computed; an axis that disagrees is applied with the
//! override code instead.

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::eval::{Evaluator, Scratch};
use super::spec::{Domain, Mode};
use super::{Assign, Sampling};
use crate::date::Date;
use crate::engine::{self, Factors, Headcounts};
use crate::error::Result;
use crate::exact::{self, Exact};
use crate::model::Model;
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

/// How one axis changes its parameter, when it can be read directly.
#[derive(Debug, Clone)]
struct AxisPlan {
    /// `set` or `scale` of one parameter no other axis changes, checked against the
    /// override code: read directly. Else applied with the override code.
    direct: bool,
    param: ParamId,
    scale: bool,
    from: Option<Date>,
    until: Option<Date>,
    /// Per year of the run: whether the axis's window meets it.
    active: Vec<bool>,
    /// How many values a table can index (`None`: not indexed).
    count: Option<u64>,
    /// A distribution's lowest value and decimals (its values are `lo + i / 10^dec`).
    grid: Option<(Decimal, u32)>,
}

impl AxisPlan {
    fn within(&self, d: Date) -> bool {
        self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u)
    }

    /// `x` as the axis leaves it at value `v` (`None`: not a decimal).
    fn apply(&self, x: Exact, v: Decimal) -> Option<Exact> {
        if self.scale {
            exact::mul_decimal(x.as_decimal()?, v)
                .ok()
                .map(Exact::Decimal)
        } else {
            Some(Exact::Decimal(v))
        }
    }
}

/// Cells that depend on the same set of axes, and how their change is found.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) axes: Vec<usize>,
    /// (component index, year index), every unit of each.
    comps: Vec<(usize, usize)>,
    /// Eligible months per (entry of `comps`, unit).
    masks: Vec<Option<[bool; 12]>>,
    /// Years whose population (for equalization) depends on exactly these axes.
    pop_years: Vec<usize>,
    /// Cohorts to recompute (empty: none).
    cohorts: Vec<bool>,
    /// Applied with the override code.
    slow: bool,
    /// The accumulator entries a change of this group holds, in row order.
    pub(super) idx: Vec<usize>,
    lvl_pos: Vec<usize>,
    unit_pos: Vec<usize>,
    pop_pos: Vec<usize>,
    /// Product of the axes' value counts, when every axis is indexed.
    pub(super) combos: Option<u64>,
    pub(super) tabulate: bool,
    table: Option<Vec<i64>>,
}

impl Group {
    pub(super) fn table_bytes(&self) -> u64 {
        match (self.tabulate, self.combos) {
            (true, Some(c)) => c * self.idx.len() as u64 * 8,
            _ => 0,
        }
    }

    pub(super) fn cells(&self, n_units: usize) -> usize {
        self.comps.len() * n_units
    }
}

/// The groups of a sweep and the direct readings of its axes.
pub struct Plan {
    axes: Vec<AxisPlan>,
    pub(super) groups: Vec<Group>,
}

fn parse_date(s: &Option<serde_saphyr::Spanned<String>>) -> Option<Date> {
    s.as_ref()
        .and_then(|d| Date::parse_date_or_year(&d.value).ok())
}

impl Plan {
    /// Find the groups and choose their strategies: tabulate when the combinations are
    /// no more than `points` and the tables fit `budget` bytes (smallest first).
    pub fn new(ev: &Evaluator, sampling: Sampling, points: u64, budget: u64) -> Plan {
        let m = &ev.model;
        let years = ev.years;
        let n_axes = ev.axes.len();
        let mut axes: Vec<AxisPlan> = ev
            .axes
            .iter()
            .map(|a| {
                let from = parse_date(&a.from);
                let until = parse_date(&a.until);
                let active = years
                    .iter()
                    .map(|y| {
                        from.is_none_or(|f| f <= Date::new(y, 12, 31))
                            && until.is_none_or(|u| Date::new(y, 1, 1) <= u)
                    })
                    .collect();
                let (count, grid) = match &a.domain {
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
                    direct: matches!(a.mode, Mode::Set | Mode::Scale) && a.params.len() == 1,
                    param: a.param,
                    scale: a.mode == Mode::Scale,
                    from,
                    until,
                    active,
                    count,
                    grid,
                }
            })
            .collect();
        // Two axes on one parameter compose: the override code applies them in order.
        for a in 0..n_axes {
            for b in 0..n_axes {
                if a != b && ev.axes[b].params.contains(&ev.axes[a].param) {
                    axes[a].direct = false;
                }
            }
        }
        // Which axes each (component, year) and the population depend on.
        let n_y = years.len();
        let mut keyed: Vec<(Vec<usize>, (usize, usize))> = Vec::new();
        for (k, (si, ci)) in ev.comps.iter().enumerate() {
            let c = &m.services[*si].components[*ci];
            let mut ps = vec![c.standard, c.coverage];
            ps.extend(c.days);
            ps.extend(m.rule_params(c.split));
            for yi in 0..n_y {
                let on: Vec<usize> = (0..n_axes)
                    .filter(|&a| {
                        axes[a].active[yi]
                            && (ev.axes[a].params.iter().any(|p| ps.contains(p))
                                || ev.touches[a]
                                    .cohorts
                                    .get(c.cohort.0 as usize)
                                    .copied()
                                    .unwrap_or(false))
                    })
                    .collect();
                if !on.is_empty() {
                    keyed.push((on, (k, yi)));
                }
            }
        }
        let mut pops: Vec<(Vec<usize>, usize)> = Vec::new();
        if let (Some(p), Some(_)) = (ev.pop, ev.pop_off) {
            for yi in 0..n_y {
                let on: Vec<usize> = (0..n_axes)
                    .filter(|&a| {
                        axes[a].active[yi]
                            && ev.touches[a]
                                .cohorts
                                .get(p.0 as usize)
                                .copied()
                                .unwrap_or(false)
                    })
                    .collect();
                if !on.is_empty() {
                    pops.push((on, yi));
                }
            }
        }
        let mut sets: Vec<Vec<usize>> = keyed
            .iter()
            .map(|(s, _)| s.clone())
            .chain(pops.iter().map(|(s, _)| s.clone()))
            .collect();
        sets.sort();
        sets.dedup();
        let n_u = ev.n_units;
        let mut groups: Vec<Group> = sets
            .into_iter()
            .map(|set| {
                let comps: Vec<(usize, usize)> = keyed
                    .iter()
                    .filter(|(s, _)| *s == set)
                    .map(|(_, kc)| *kc)
                    .collect();
                let pop_years: Vec<usize> = pops
                    .iter()
                    .filter(|(s, _)| *s == set)
                    .map(|(_, y)| *y)
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
                let masks = comps
                    .iter()
                    .flat_map(|&(k, yi)| {
                        let (si, ci) = ev.comps[k];
                        let c = &m.services[si].components[ci];
                        let y = years.first + yi as i32;
                        m.units
                            .iter()
                            .map(move |u| engine::eligible_months(c, u, y))
                    })
                    .collect();
                // Row layout: the levels of each year, then its unit totals, then its
                // population.
                let mut idx = Vec::new();
                let mut lvl_pos = vec![usize::MAX; n_y];
                let mut unit_pos = vec![usize::MAX; n_y];
                let mut pop_pos = vec![usize::MAX; n_y];
                for yi in 0..n_y {
                    if comps.iter().any(|(_, y)| *y == yi) {
                        lvl_pos[yi] = idx.len();
                        idx.extend((0..4).map(|l| yi * 4 + l));
                        if let Some(o) = ev.unit_off {
                            unit_pos[yi] = idx.len();
                            idx.extend((0..n_u).map(|u| o + yi * n_u + u));
                        }
                    }
                    if pop_years.contains(&yi) {
                        let o = ev.pop_off.expect("population accumulated");
                        pop_pos[yi] = idx.len();
                        idx.extend((0..n_u).map(|u| o + yi * n_u + u));
                    }
                }
                let combos = set
                    .iter()
                    .try_fold(1u64, |n, a| n.checked_mul(axes[*a].count?));
                let slow = set.iter().any(|a| !axes[*a].direct);
                Group {
                    axes: set,
                    comps,
                    masks,
                    pop_years,
                    cohorts,
                    slow,
                    idx,
                    lvl_pos,
                    unit_pos,
                    pop_pos,
                    combos,
                    tabulate: false,
                    table: None,
                }
            })
            .collect();
        // Tabulate the cheapest tables first while they fit the budget; a sampled design
        // tabulates only what costs no more than recomputing at every point.
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|&g| (groups[g].combos.unwrap_or(u64::MAX), g));
        let mut left = budget;
        for g in order {
            let grp = &mut groups[g];
            let Some(c) = grp.combos else { continue };
            let fits_cost = !sampling.is_sampled() || c <= points;
            let bytes = c.saturating_mul(grp.idx.len() as u64 * 8);
            if fits_cost && bytes <= left {
                grp.tabulate = true;
                left -= bytes;
            }
        }
        Plan { axes, groups }
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
                crate::overrides::apply(&mut s.model, std::slice::from_ref(&ov), years)?;
                let real = s.model.params.get(id);
                for (yi, y) in years.iter().enumerate() {
                    let mut want = [Exact::ONE; 12];
                    let mut got = [Exact::ONE; 12];
                    let w = real.exact_months(y, &mut want);
                    let g = self.months(&ev.model, id, y, yi, &[a], asg.value, &mut got);
                    let same = |x: &Exact, z: &Exact| x.big() == z.big();
                    agree &= match (w, g) {
                        (Some(()), Some(())) => want.iter().zip(&got).all(|(x, z)| same(x, z)),
                        (None, None) => true,
                        _ => false,
                    };
                    let wy = real.exact_for_year(y);
                    let gy = self.year_value(&ev.model, id, y, yi, &[a], asg.value);
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
                    }
                }
            }
        }
        Ok(())
    }

    /// The twelve monthly values of `id` in year `y` (index `yi`) with the axes `on`
    /// (each read directly) at `value` — one axis, or the group's own.
    #[allow(clippy::too_many_arguments)]
    fn months(
        &self,
        m: &Model,
        id: ParamId,
        y: i32,
        yi: usize,
        on: &[usize],
        value: Decimal,
        out: &mut [Exact; 12],
    ) -> Option<()> {
        m.params.get(id).exact_months(y, out)?;
        for &a in on {
            let ap = &self.axes[a];
            if ap.param != id || !ap.active[yi] {
                continue;
            }
            for (i, slot) in out.iter_mut().enumerate() {
                if ap.within(Date::first_of(y, i as u32 + 1)) {
                    *slot = ap.apply(*slot, value)?;
                }
            }
        }
        Some(())
    }

    /// The value of `id` used once a year (1 July: ratios, adjustments) with axis `on`.
    fn year_value(
        &self,
        m: &Model,
        id: ParamId,
        y: i32,
        yi: usize,
        on: &[usize],
        value: Decimal,
    ) -> Option<Exact> {
        let mut x = m.params.get(id).exact_for_year(y)?;
        for &a in on {
            let ap = &self.axes[a];
            if ap.param == id && ap.active[yi] && ap.within(Date::new(y, 7, 1)) {
                x = ap.apply(x, value)?;
            }
        }
        Some(x)
    }

    /// The index of `v` among the values of sampled axis `a` ([`LOOSE`] if none).
    pub fn dist_index(&self, a: usize, v: Decimal) -> u64 {
        let Some((lo, dec)) = self.axes[a].grid else {
            return LOOSE;
        };
        let Some(count) = self.axes[a].count else {
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

    /// Compute the tables of the tabulated groups (in parallel).
    pub fn tabulate(&mut self, ev: &Evaluator) -> Result<()> {
        let axes = &self.axes;
        let n_axes = axes.len();
        for gi in 0..self.groups.len() {
            let g = &self.groups[gi];
            if !g.tabulate || g.table.is_some() {
                continue;
            }
            let w = g.idx.len();
            let combos = g.combos.expect("tabulated groups are indexed") as usize;
            let lens: Vec<u64> = g
                .axes
                .iter()
                .map(|a| axes[*a].count.expect("indexed"))
                .collect();
            let mut table = vec![0i64; combos * w];
            let this = &*self;
            table
                .par_chunks_mut(w.max(1))
                .enumerate()
                .try_for_each_init(
                    || (ev.scratch(), vec![Decimal::ZERO; n_axes], vec![OFF; n_axes]),
                    |(s, vals, idx), (c, row)| {
                        let mut rest = c as u64;
                        for (j, a) in g.axes.iter().enumerate().rev() {
                            let i = rest % lens[j];
                            rest /= lens[j];
                            idx[*a] = i;
                            vals[*a] = this.value_at(ev, *a, i);
                        }
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
            let row: &[i64] = match (&g.table, self.row_index(g, pt)) {
                (Some(t), Some(r)) => &t[r * g.idx.len()..(r + 1) * g.idx.len()],
                _ => {
                    buf.resize(g.idx.len(), 0);
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

    fn row_index(&self, g: &Group, pt: &Point) -> Option<usize> {
        let mut r = 0u64;
        for a in &g.axes {
            let i = pt.idx[*a];
            if i >= LOOSE {
                return None;
            }
            r = r * self.axes[*a].count? + i;
        }
        Some(r as usize)
    }

    /// The change of group `g`'s cells at point `pt`, into `out` (its row layout).
    fn group_delta(
        &self,
        ev: &Evaluator,
        g: &Group,
        pt: &Point,
        s: &mut Scratch,
        out: &mut [i64],
    ) -> Result<()> {
        out.fill(0);
        if !g.slow && self.direct_delta(ev, g, pt, s, out).is_some() {
            return Ok(());
        }
        out.fill(0);
        self.slow_delta(ev, g, pt, s, out)
    }

    /// [`Plan::group_delta`] read directly; `None` when something does not fit the
    /// direct reading (the override code then computes the point, or says what is wrong).
    fn direct_delta(
        &self,
        ev: &Evaluator,
        g: &Group,
        pt: &Point,
        s: &mut Scratch,
        out: &mut [i64],
    ) -> Option<()> {
        let m = &ev.model;
        let on: Vec<usize> = g
            .axes
            .iter()
            .copied()
            .filter(|a| pt.idx[*a] != OFF)
            .collect();
        let value = |id: ParamId| {
            on.iter()
                .find(|a| self.axes[**a].param == id)
                .map_or(Decimal::ZERO, |a| pt.vals[*a])
        };
        let hc: &Headcounts = if g.cohorts.is_empty() {
            &ev.base.headcounts
        } else {
            let r = engine::refill_headcounts_with(m, &mut s.hc, &g.cohorts, &|id, y| {
                let yi = (y - ev.years.first) as usize;
                self.year_value(m, id, y, yi, &on, value(id))
            });
            if r.is_err() {
                self.reset_headcounts(ev, g, s);
                return None;
            }
            &s.hc
        };
        let result = self.cells(ev, g, &on, &value, hc, out);
        if !g.cohorts.is_empty() {
            self.reset_headcounts(ev, g, s);
        }
        result
    }

    fn cells(
        &self,
        ev: &Evaluator,
        g: &Group,
        on: &[usize],
        value: &dyn Fn(ParamId) -> Decimal,
        hc: &Headcounts,
        out: &mut [i64],
    ) -> Option<()> {
        let m = &ev.model;
        let n_u = ev.n_units;
        let n_k = ev.comps.len();
        let per_year = n_u * n_k;
        for (e, &(k, yi)) in g.comps.iter().enumerate() {
            let (si, ci) = ev.comps[k];
            let y = ev.years.first + yi as i32;
            let mut f = Factors::blank(m, si, ci);
            f.fill_with(m, si, ci, y, &|id, o| {
                self.months(m, id, y, yi, on, value(id), o)
            })
            .ok()?;
            let (amounts, display) = f.all_amounts();
            display?;
            let cohort = m.services[si].components[ci].cohort;
            for u in 0..n_u {
                let h = hc.get(y, u, cohort);
                let class = m.units[u].fiscal_class.index();
                let mask = g.masks[e * n_u + u].as_ref();
                let (_, levels) = amounts[class].cell(mask, h).ok()?;
                let b = &ev.base.cells[yi * per_year + u * n_k + k];
                let mut sum = 0i64;
                for l in 0..4 {
                    let d = levels[l].checked_sub(b.levels[l])?;
                    let x = &mut out[g.lvl_pos[yi] + l];
                    *x = x.checked_add(d)?;
                    sum = sum.checked_add(d)?;
                }
                if g.unit_pos[yi] != usize::MAX {
                    let x = &mut out[g.unit_pos[yi] + u];
                    *x = x.checked_add(sum)?;
                }
            }
        }
        if let Some(p) = ev.pop {
            for &yi in &g.pop_years {
                let y = ev.years.first + yi as i32;
                for u in 0..n_u {
                    out[g.pop_pos[yi] + u] = hc
                        .get(y, u, p)
                        .checked_sub(ev.base.headcounts.get(y, u, p))?;
                }
            }
        }
        Some(())
    }

    /// Put back the base headcounts of the cohorts group `g` recomputes.
    fn reset_headcounts(&self, ev: &Evaluator, g: &Group, s: &mut Scratch) {
        let base = &ev.base.headcounts.data;
        for (c, t) in g.cohorts.iter().enumerate() {
            if *t {
                for yi in 0..ev.years.len() {
                    for u in 0..ev.n_units {
                        s.hc.data[(yi, u, c)] = base[(yi, u, c)];
                    }
                }
            }
        }
    }

    /// [`Plan::group_delta`] with the scenario override code on a copy of the model.
    fn slow_delta(
        &self,
        ev: &Evaluator,
        g: &Group,
        pt: &Point,
        s: &mut Scratch,
        out: &mut [i64],
    ) -> Result<()> {
        let assigns: Vec<Assign> = g
            .axes
            .iter()
            .filter(|a| pt.idx[**a] != OFF)
            .map(|&a| Assign {
                axis: a,
                value: pt.vals[a],
                at: ev.value_location(a, pt.idx[a]),
            })
            .collect();
        let ovs: Vec<_> = assigns.iter().map(|a| ev.override_for(a)).collect();
        let result = self.slow_applied(ev, g, &ovs, s, out);
        for a in &assigns {
            ev.restore(s, a.axis);
        }
        if !g.cohorts.is_empty() {
            self.reset_headcounts(ev, g, s);
        }
        result
    }

    fn slow_applied(
        &self,
        ev: &Evaluator,
        g: &Group,
        ovs: &[crate::overrides::Override],
        s: &mut Scratch,
        out: &mut [i64],
    ) -> Result<()> {
        crate::overrides::apply(&mut s.model, ovs, ev.years)?;
        if !g.cohorts.is_empty() {
            engine::refill_headcounts(&s.model, &mut s.hc, &g.cohorts)?;
        }
        let n_u = ev.n_units;
        let n_k = ev.comps.len();
        let per_year = n_u * n_k;
        let overflow = |y: i32| ev.change_overflow(ovs, y);
        let mut cys: Option<(usize, Vec<engine::ComponentYear>)> = None;
        for &(k, yi) in &g.comps {
            let (si, ci) = ev.comps[k];
            let y = ev.years.first + yi as i32;
            if cys.as_ref().is_none_or(|(kk, _)| *kk != k) {
                cys = Some((k, engine::component_year_list(&s.model, ev.years, si, ci)?));
            }
            let list = &cys.as_ref().expect("just set").1;
            for u in 0..n_u {
                let cell = engine::component_cell(&s.model, list, &s.hc, y, u, si, ci)?;
                let b = &ev.base.cells[yi * per_year + u * n_k + k];
                let mut sum = 0i64;
                for l in 0..4 {
                    let d =
                        money::checked_sub(cell.levels[l], b.levels[l]).map_err(|_| overflow(y))?;
                    let x = &mut out[g.lvl_pos[yi] + l];
                    *x = money::checked_add(*x, d).map_err(|_| overflow(y))?;
                    sum = money::checked_add(sum, d).map_err(|_| overflow(y))?;
                }
                if g.unit_pos[yi] != usize::MAX {
                    let x = &mut out[g.unit_pos[yi] + u];
                    *x = money::checked_add(*x, sum).map_err(|_| overflow(y))?;
                }
            }
        }
        if let Some(p) = ev.pop {
            for &yi in &g.pop_years {
                let y = ev.years.first + yi as i32;
                for u in 0..n_u {
                    out[g.pop_pos[yi] + u] =
                        money::checked_sub(s.hc.get(y, u, p), ev.base.headcounts.get(y, u, p))
                            .map_err(|_| overflow(y))?;
                }
            }
        }
        Ok(())
    }

    /// Bytes the tables of this plan take.
    pub fn table_bytes(&self) -> u64 {
        self.groups.iter().map(Group::table_bytes).sum()
    }

    /// Cells recomputed at each point (the groups not tabulated), for the time estimate.
    pub fn direct_cells(&self, n_units: usize) -> usize {
        self.groups
            .iter()
            .filter(|g| !g.tabulate)
            .map(|g| g.cells(n_units))
            .sum()
    }

    /// Cells computed to fill the tables.
    pub fn table_cells(&self, n_units: usize) -> u128 {
        self.groups
            .iter()
            .filter(|g| g.tabulate)
            .map(|g| u128::from(g.combos.unwrap_or(0)) * g.cells(n_units) as u128)
            .sum()
    }

    /// Whether a group recomputed at each point uses the override code (slower).
    pub fn slow_direct(&self) -> bool {
        self.groups.iter().any(|g| !g.tabulate && g.slow)
    }
}
