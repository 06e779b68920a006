//! Reading a point's cells directly: the factors of the point's values are read straight
//! from the base model (a `set` puts the value in the months of its window, a `scale`
//! multiplies the base values there, as a scenario override does, and each axis's
//! reading is checked against the override code before any point, in
//! [`Plan::verify`]), then the engine's own functions give the money per head and round
//! each cell to the fen.
//!
//! An axis that a direct reading cannot express (a `shift` of a split rule, or two axes
//! on one parameter) is applied with the scenario override code to a copy of the model,
//! as `simulate` applies it. So is any point whose direct reading fails (a value without
//! a decimal form, an amount past `i128`, a headcount out of bounds), so that its error,
//! if it has one, is the one `simulate` gives.

use rust_decimal::Decimal;

use super::Assign;
use super::eval::{Evaluator, Scratch};
use super::plan::{AxisPlan, Entry, Group, OFF, Plan, Point};
use crate::date::Date;
use crate::engine::{self, Amounts, Factors};
use crate::error::Result;
use crate::exact::{self, Exact, Int};
use crate::model::Model;
use crate::money;
use crate::params::ParamId;

/// A headcount a table could not compute (the point is then recomputed in full).
pub(super) const BAD_COUNT: i64 = i64::MIN;

/// The money per head of one (component, year, fiscal class, eligible months): the fen
/// of each level per head, `parts / den`, exactly (what the engine multiplies by the
/// headcount).
#[derive(Debug, Clone, Copy)]
pub(super) struct Rate {
    parts: [i128; 4],
    den: i128,
    /// `⌊(2^64 − 1) / den⌋` when `den` fits 62 bits, else 0: division by `den` as a
    /// multiplication (see [`Rate::cell_u64`]).
    inv: u64,
}

impl Rate {
    pub(super) fn new(parts: [i128; 4], den: i128) -> Rate {
        Rate {
            parts,
            den,
            inv: Rate::inverse(den),
        }
    }

    /// A rate whose denominator's [`Rate::inverse`] is known.
    pub(super) fn with_inverse(parts: [i128; 4], den: i128, inv: u64) -> Rate {
        Rate { parts, den, inv }
    }

    pub(super) fn inverse(den: i128) -> u64 {
        match u64::try_from(den) {
            Ok(d) if d > 1 && d < 1 << 62 => u64::MAX / d,
            _ => 0,
        }
    }

    /// The numerators and the denominator (0 for [`Rate::BAD`]).
    pub(super) fn raw(&self) -> ([i128; 4], i128) {
        (self.parts, self.den)
    }

    /// A rate that could not be computed in `i128` (the point is recomputed in full).
    pub(super) const BAD: Rate = Rate {
        parts: [0; 4],
        den: 0,
        inv: 0,
    };

    /// The rates of `amounts` for each (class, months) variant; [`Rate::BAD`] where a
    /// number needs big integers.
    pub(super) fn of(amounts: &[Amounts], variants: &[(usize, Option<[bool; 12]>)]) -> Vec<Rate> {
        variants
            .iter()
            .map(|(class, mask)| match &amounts[*class] {
                Amounts::Narrow(a) => {
                    let parts = match mask {
                        None => Some(a.full),
                        Some(mask) => {
                            let mut s = [0i128; 4];
                            let mut ok = true;
                            for (month, _) in a.months.iter().zip(mask).filter(|(_, on)| **on) {
                                for (x, v) in s.iter_mut().zip(month) {
                                    match x.checked_add(*v) {
                                        Some(y) => *x = y,
                                        None => ok = false,
                                    }
                                }
                            }
                            ok.then_some(s)
                        }
                    };
                    parts.map_or(Rate::BAD, |parts| Rate::new(parts, a.den))
                }
                Amounts::Wide(_) => Rate::BAD,
            })
            .collect()
    }

    /// The levels of a cell of `h` heads, rounded once and allocated as the engine does;
    /// `None` if this rate is [`Rate::BAD`] or a number does not fit.
    #[inline]
    fn cell(&self, h: i64) -> Option<[i64; 4]> {
        if let Some(l) = self.cell_u64(h) {
            return Some(l);
        }
        if self.den <= 0 {
            return None;
        }
        let h = i128::from(h);
        let mut parts = [0i128; 4];
        for (p, x) in parts.iter_mut().zip(&self.parts) {
            *p = x.times(&h)?;
        }
        money::allocate(&parts, &self.den).ok().map(|(_, l)| l)
    }

    /// [`Rate::cell`] when every number is at least 0 and fits 62 bits (nearly every
    /// cell): the same floor, the same rounding half up of the total and the same
    /// largest-remainder allocation (ties to the first level) as [`money::allocate`],
    /// with native 64-bit division. `None` when the numbers are outside that range.
    #[inline]
    fn cell_u64(&self, h: i64) -> Option<[i64; 4]> {
        const MAX: u64 = 1 << 62;
        if self.inv == 0 || h < 0 {
            return None;
        }
        // inv ≠ 0: 1 < den < 2^62. Below, every product is < 2^62 (checked) and every
        // sum < 2^64, so the operations are written wrapping: they cannot wrap.
        let (d, h) = (self.den as u64, h as u64);
        let mut q = [0u64; 4];
        let mut r = [0u64; 4];
        let mut floor = 0u64;
        let mut rem = 0u64;
        for l in 0..4 {
            let x = self.parts[l];
            if !(0..MAX as i128).contains(&x) {
                return None;
            }
            let p = u128::from(x as u64).wrapping_mul(u128::from(h));
            if p >= u128::from(MAX) {
                return None;
            }
            let p = p as u64;
            // With inv = ⌊(2^64 − 1)/d⌋ and p < 2^62, ⌊p·inv/2^64⌋ is the quotient or
            // one less: one correction step at most.
            let mut ql = (u128::from(p).wrapping_mul(u128::from(self.inv)) >> 64) as u64;
            let mut rl = p.wrapping_sub(ql.wrapping_mul(d));
            while rl >= d {
                ql = ql.wrapping_add(1);
                rl = rl.wrapping_sub(d);
            }
            q[l] = ql;
            r[l] = rl;
            floor = floor.wrapping_add(ql);
            rem = rem.wrapping_add(rl);
        }
        // rem < 4d: the exact total is floor + rem / d, rounded half up.
        let carry = u64::from(rem >= d)
            .wrapping_add(u64::from(rem >= d.wrapping_mul(2)))
            .wrapping_add(u64::from(rem >= d.wrapping_mul(3)));
        let acc = rem.wrapping_sub(carry.wrapping_mul(d));
        let extra = carry.wrapping_add(u64::from(acc >= d.wrapping_sub(acc)));
        if floor.wrapping_add(extra) > i64::MAX as u64 {
            return None;
        }
        let mut given = [false; 4];
        for _ in 0..extra {
            let mut best = 4;
            for i in 0..4 {
                if !given[i] && (best == 4 || r[i] > r[best]) {
                    best = i;
                }
            }
            given[best] = true;
            q[best] = q[best].wrapping_add(1);
        }
        Some(q.map(|x| x as i64))
    }
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

impl Plan {
    /// The twelve monthly values of `id` in year `y` (index `yi`) with the axes `on`
    /// at the values `vals` (one each), read directly.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn months(
        &self,
        m: &Model,
        id: ParamId,
        y: i32,
        yi: usize,
        on: &[usize],
        vals: &[Decimal],
        out: &mut [Exact; 12],
    ) -> Option<()> {
        m.params.get(id).exact_months(y, out)?;
        for (&a, v) in on.iter().zip(vals) {
            let ap = &self.axes[a];
            if ap.param != id || !ap.active[yi] {
                continue;
            }
            for (i, slot) in out.iter_mut().enumerate() {
                if ap.within(Date::first_of(y, i as u32 + 1)) {
                    *slot = ap.apply(*slot, *v)?;
                }
            }
        }
        Some(())
    }

    /// The value of `id` used once a year (on 1 July: ratios, adjustments) with the axes
    /// `on` at `vals`.
    pub(super) fn year_value(
        &self,
        m: &Model,
        id: ParamId,
        y: i32,
        yi: usize,
        on: &[usize],
        vals: &[Decimal],
    ) -> Option<Exact> {
        let mut x = m.params.get(id).exact_for_year(y)?;
        for (&a, v) in on.iter().zip(vals) {
            let ap = &self.axes[a];
            if ap.param == id && ap.active[yi] && ap.within(Date::new(y, 7, 1)) {
                x = ap.apply(x, *v)?;
            }
        }
        Some(x)
    }

    /// The axes of `axes` that are on at `pt`, with their values.
    fn on(axes: &[usize], pt: &Point) -> (Vec<usize>, Vec<Decimal>) {
        axes.iter()
            .filter(|a| pt.idx[**a] != OFF)
            .map(|a| (*a, pt.vals[*a]))
            .unzip()
    }

    /// The money per head of entry `e` at `pt` (its factor axes read directly).
    pub(super) fn entry_rates(&self, ev: &Evaluator, e: &Entry, pt: &Point) -> Option<Vec<Rate>> {
        let m = &ev.model;
        let (on, vals) = Plan::on(&e.f_axes, pt);
        let (si, ci) = ev.comps[e.k];
        let y = ev.years.first + e.yi as i32;
        let mut f = Factors::blank(m, si, ci);
        f.fill_with(m, si, ci, y, &|id, o| {
            self.months(m, id, y, e.yi, &on, &vals, o)
        })
        .ok()?;
        let (amounts, display) = f.all_amounts();
        display?;
        let rates = Rate::of(&amounts, &e.variants);
        rates.iter().all(|r| r.den != 0).then_some(rates)
    }

    /// The headcounts group `g` needs at `pt`, as a headcount row ([`BAD_COUNT`] if
    /// they cannot be read directly).
    pub(super) fn fill_heads(
        &self,
        ev: &Evaluator,
        g: &Group,
        pt: &Point,
        s: &mut Scratch,
        out: &mut [i64],
    ) {
        let n_u = ev.n_units;
        if self.refill(ev, g, pt, s).is_some() {
            for (i, (c, yi)) in g.needed.iter().enumerate() {
                for u in 0..n_u {
                    out[i * n_u + u] = s.hc.data[(*yi, u, *c)];
                }
            }
        } else {
            out.fill(BAD_COUNT);
        }
        self.reset_headcounts(ev, g, s);
    }

    /// Recompute the cohorts of group `g` in `s.hc` at `pt`, read directly.
    fn refill(&self, ev: &Evaluator, g: &Group, pt: &Point, s: &mut Scratch) -> Option<()> {
        let m = &ev.model;
        let (on, vals) = Plan::on(&g.h_axes, pt);
        engine::refill_headcounts_with(m, &mut s.hc, &g.cohorts, &|id, y| {
            self.year_value(m, id, y, (y - ev.years.first) as usize, &on, &vals)
        })
        .ok()
    }

    /// The change of group `g`'s cells at point `pt`, into `out` (its row layout).
    pub(super) fn group_delta(
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
        let n_u = ev.n_units;
        // Headcounts: a table row, or the cohorts recomputed in the scratch copy.
        let mut refilled = false;
        let heads: Option<&[i64]> = match (&g.heads, self.row_of(&g.h_axes, pt)) {
            _ if g.cohorts.is_empty() => None,
            (Some(t), Some(r)) if !t.is_empty() => {
                let w = g.needed.len() * n_u;
                let row = &t[r * w..(r + 1) * w];
                if row.contains(&BAD_COUNT) {
                    return None;
                }
                Some(row)
            }
            _ => {
                refilled = true;
                if self.refill(ev, g, pt, s).is_none() {
                    self.reset_headcounts(ev, g, s);
                    return None;
                }
                None
            }
        };
        let result = self.cells(ev, g, pt, heads, &s.hc, out);
        if refilled {
            self.reset_headcounts(ev, g, s);
        }
        result
    }

    fn cells(
        &self,
        ev: &Evaluator,
        g: &Group,
        pt: &Point,
        heads: Option<&[i64]>,
        hc: &engine::Headcounts,
        out: &mut [i64],
    ) -> Option<()> {
        let m = &ev.model;
        let n_u = ev.n_units;

        let mut computed;
        let mut lin_buf = [Rate::BAD; 8];
        let mut heads_buf: Vec<i64> = Vec::with_capacity(n_u);
        for e in &g.entries {
            let rates: &[Rate] = match (&e.fixed, &e.rates, self.row_of(&e.f_axes, pt)) {
                (Some(f), _, _) => f,
                _ if e.lin.is_some()
                    && e.variants.len() <= lin_buf.len()
                    && e.f_axes.iter().all(|a| pt.idx[*a] != OFF) =>
                {
                    let out = &mut lin_buf[..e.variants.len()];
                    match e.lin.as_ref().expect("checked").rates(pt.vals, out) {
                        Some(()) => &*out,
                        None => {
                            computed = self.entry_rates(ev, e, pt)?;
                            &computed
                        }
                    }
                }
                (None, Some(t), Some(r)) if !t.is_empty() => {
                    let w = e.variants.len();
                    &t[r * w..(r + 1) * w]
                }
                _ => {
                    computed = self.entry_rates(ev, e, pt)?;
                    &computed
                }
            };
            let (si, ci) = ev.comps[e.k];
            let cohort = m.services[si].components[ci].cohort;
            let y = ev.years.first + e.yi as i32;
            let lp = g.lvl_pos[e.yi];
            let up = g.unit_pos[e.yi];
            let cp = g.county_pos[e.yi];
            heads_buf.clear();
            match heads {
                Some(row) => {
                    heads_buf.extend_from_slice(&row[e.needed * n_u..(e.needed + 1) * n_u])
                }
                None => heads_buf.extend((0..n_u).map(|u| hc.get(y, u, cohort))),
            }
            // Sums of at most n_units differences of i64 fit i128: checked once.
            // (Differences of i64 fit i128 with room for any count of units: wrapping
            // operations cannot wrap.)
            let mut lv = [0i128; 4];
            for (u, h) in heads_buf.iter().enumerate() {
                let levels = rates[e.unit_variant[u] as usize].cell(*h)?;
                let b = &e.base[u];
                let mut sum = 0i128;
                for l in 0..4 {
                    let d = i128::from(levels[l]).wrapping_sub(i128::from(b[l]));
                    lv[l] = lv[l].wrapping_add(d);
                    sum = sum.wrapping_add(d);
                }
                if up != usize::MAX {
                    let x = &mut out[up + u];
                    *x = i64::try_from(i128::from(*x).wrapping_add(sum)).ok()?;
                }
                if cp != usize::MAX {
                    let x = &mut out[cp + u];
                    *x = x.checked_add(levels[3].checked_sub(b[3])?)?;
                }
            }
            for l in 0..4 {
                out[lp + l] = i64::try_from(i128::from(out[lp + l]).wrapping_add(lv[l])).ok()?;
            }
        }
        if let Some(p) = ev.pop {
            for &(yi, ni) in &g.pop_years {
                let y = ev.years.first + yi as i32;
                for u in 0..n_u {
                    let h = match heads {
                        Some(row) => row[ni * n_u + u],
                        None => hc.get(y, u, p),
                    };
                    out[g.pop_pos[yi] + u] = h.checked_sub(ev.base.headcounts.get(y, u, p))?;
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
        let model = s.model.get_or_insert_with(|| ev.model.clone());
        crate::overrides::apply(model, ovs, ev.years)?;
        if !g.cohorts.is_empty() {
            engine::refill_headcounts(model, &mut s.hc, &g.cohorts)?;
        }
        let n_u = ev.n_units;
        let n_k = ev.comps.len();
        let per_year = n_u * n_k;
        let overflow = |y: i32| ev.change_overflow(ovs, y);
        let mut cys: Option<(usize, Vec<engine::ComponentYear>)> = None;
        for e in &g.entries {
            let (si, ci) = ev.comps[e.k];
            let y = ev.years.first + e.yi as i32;
            if cys.as_ref().is_none_or(|(k, _)| *k != e.k) {
                let list = engine::component_year_list(model, ev.years, si, ci)?;
                cys = Some((e.k, list));
            }
            let list = &cys.as_ref().expect("just set").1;
            for u in 0..n_u {
                let cell = engine::component_cell(model, list, &s.hc, y, u, si, ci)?;
                let b = &ev.base.cells[e.yi * per_year + u * n_k + e.k];
                let mut sum = 0i64;
                for l in 0..4 {
                    let d =
                        money::checked_sub(cell.levels[l], b.levels[l]).map_err(|_| overflow(y))?;
                    let x = &mut out[g.lvl_pos[e.yi] + l];
                    *x = money::checked_add(*x, d).map_err(|_| overflow(y))?;
                    sum = money::checked_add(sum, d).map_err(|_| overflow(y))?;
                }
                if g.unit_pos[e.yi] != usize::MAX {
                    let x = &mut out[g.unit_pos[e.yi] + u];
                    *x = money::checked_add(*x, sum).map_err(|_| overflow(y))?;
                }
                if g.county_pos[e.yi] != usize::MAX {
                    let x = &mut out[g.county_pos[e.yi] + u];
                    let d =
                        money::checked_sub(cell.levels[3], b.levels[3]).map_err(|_| overflow(y))?;
                    *x = money::checked_add(*x, d).map_err(|_| overflow(y))?;
                }
            }
        }
        if let (Some(cap), false) = (&ev.capacity, g.thr_years.is_empty()) {
            let t = cap.thresholds(model);
            for &yi in &g.thr_years {
                out[g.thr_pos[yi]] = money::checked_sub(t[yi], ev.base_acc[cap.threshold_off + yi])
                    .map_err(|_| overflow(ev.years.first + yi as i32))?;
            }
        }
        if let Some(p) = ev.pop {
            for &(yi, _) in &g.pop_years {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 64-bit cell gives what `money::allocate` gives, ties and carries included.
    #[test]
    fn the_native_cell_equals_the_engines_allocation() {
        let mut rng = crate::test_rng::XorShift::new(0x9E37_79B9_7F4A_7C15);
        let mut next = |m: u64| rng.below(m);
        let mut fast = 0;
        for i in 0..200_000 {
            let den = 1 + next(if i % 3 == 0 { 8 } else { 1_000_000_007 }) as i128;
            // Ties: parts that are multiples of a common step.
            let step = if i % 5 == 0 { den / 2 + 1 } else { 1 };
            let parts: [i128; 4] =
                std::array::from_fn(|_| (next(5_000_000_000) as i128 / step) * step);
            let h = next(2_000_000) as i64;
            let r = Rate::new(parts, den);
            let want = {
                let p = parts.map(|p| p * i128::from(h));
                money::allocate(&p, &den).ok().map(|(_, l)| l)
            };
            if let Some(got) = r.cell_u64(h) {
                fast += 1;
                assert_eq!(Some(got), want, "parts {parts:?} den {den} h {h}");
            }
            assert_eq!(r.cell(h), want);
        }
        assert!(fast > 100_000, "the native path was taken {fast} times");
    }
}
