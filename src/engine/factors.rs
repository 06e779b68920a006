//! The exact arithmetic of a cell: every factor of a (component, year) month by month,
//! the money each level gets per head as integer numerators over one denominator, and
//! a cell's fen from them. Kept apart from the run itself ([`super`]) because it is the
//! one place where amounts are multiplied: `i128` with checked operations, and big
//! integers when a number does not fit (see [`crate::exact`]).

use num_bigint::BigInt;
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::exact::{self, Exact, Int};
use crate::model::*;
use crate::money::{self, Overflow};
use crate::params::{ParamId, Unit as PUnit};

/// The money each level gets per head in each month of a (component, year) for one
/// fiscal class, in fen, exactly: numerators over `den` (the 1/12 of a month included).
#[derive(Debug, Clone)]
pub struct LevelAmounts<I> {
    pub den: I,
    /// `months[m][level]`.
    pub months: [[I; 4]; 12],
    /// Sum over the 12 months, per level.
    pub full: [I; 4],
}

/// [`LevelAmounts`] of one fiscal class, in `i128` when they fit (always, for realistic
/// inputs), else in big integers.
// The narrow variant is the one every realistic cell uses: kept inline, not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Amounts {
    Narrow(LevelAmounts<i128>),
    Wide(Box<LevelAmounts<BigInt>>),
}

/// The shares of one share rule, month by month: `central[m]`, `local[class][level][m]`
/// for each fiscal class of the plan.
#[derive(Debug, Clone)]
pub struct RuleFactors {
    pub central: [Exact; 12],
    pub local: Box<[[[Exact; 12]; 3]]>,
}

/// How a component's money is split, with every share month by month.
// Built once per (component, year) and read in place; boxing would only add a pointer.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum SplitFactors {
    Shares(RuleFactors),
    /// The standard up to `base` is split by `base_rule`, the rest by `topup_rule`.
    BaseTopup {
        base: [Exact; 12],
        base_rule: RuleFactors,
        topup_rule: RuleFactors,
    },
}

/// Every factor of one (component, year), month by month, exactly as the parameters
/// give them: what the engine multiplies and what `explain` prints.
#[derive(Debug, Clone)]
pub struct Factors {
    pub standard: [Exact; 12],
    pub coverage: [Exact; 12],
    /// 1 for yuan a year, 12 for yuan a month, the days for yuan a day.
    pub k: [Exact; 12],
    pub split: SplitFactors,
}

impl Factors {
    /// The factors of component `ci` of service `si` in year `y`; an error names a
    /// parameter without a value in that year.
    pub fn of(model: &Model, si: usize, ci: usize, y: i32) -> Result<Factors> {
        let mut f = Factors::blank(model, si, ci);
        f.fill(model, si, ci, y)?;
        Ok(f)
    }

    /// Factors of the right shape for component `ci` of service `si`, every value 1,
    /// to be filled year by year with `Factors::fill`.
    pub fn blank(model: &Model, si: usize, ci: usize) -> Factors {
        let c = &model.services[si].components[ci];
        let rule = RuleFactors {
            central: [Exact::ONE; 12],
            local: vec![[[Exact::ONE; 12]; 3]; model.plan.classes.len()].into_boxed_slice(),
        };
        let split = match &model.rule(c.split).kind {
            SplitKind::Shares { .. } => SplitFactors::Shares(rule),
            SplitKind::BaseTopup { .. } => SplitFactors::BaseTopup {
                base: [Exact::ONE; 12],
                base_rule: rule.clone(),
                topup_rule: rule,
            },
        };
        let k = match model.params.get(c.standard).unit {
            PUnit::YuanPerMonth => Exact::integer(12),
            _ => Exact::ONE,
        };
        Factors {
            standard: [Exact::ONE; 12],
            coverage: [Exact::ONE; 12],
            k: [k; 12],
            split,
        }
    }

    /// Fill the factors in place (they are large: no copies) for year `y`; an error
    /// names a parameter without a value in that year.
    pub(super) fn fill(&mut self, model: &Model, si: usize, ci: usize, y: i32) -> Result<()> {
        self.fill_with(model, si, ci, y, &|id, out| {
            model.params.get(id).exact_months(y, out)
        })
    }

    /// `Factors::fill` with each parameter's twelve monthly values in `y` read from
    /// `values` instead of the model (a sweep gives the values of a point this way,
    /// without applying its overrides to a copy of the model).
    pub fn fill_with(
        &mut self,
        model: &Model,
        si: usize,
        ci: usize,
        y: i32,
        values: &dyn Fn(ParamId, &mut [Exact; 12]) -> Option<()>,
    ) -> Result<()> {
        let c = &model.services[si].components[ci];
        let months = |id: ParamId, out: &mut [Exact; 12]| -> Result<()> {
            let p = model.params.get(id);
            values(id, out).ok_or_else(|| {
                Error::input(
                    c.origin.clone(),
                    format!(
                        "`{}` has no value for {y}; give a value dated on or before {y}-01-01",
                        p.path
                    ),
                )
            })
        };
        let rule = |r: RuleId, out: &mut RuleFactors| -> Result<()> {
            let SplitKind::Shares { central, local } = &model.rule(r).kind else {
                unreachable!("base_topup rules refer to share rules only (checked on load)")
            };
            months(*central, &mut out.central)?;
            for (ids, slots) in local.iter().zip(out.local.iter_mut()) {
                for (id, slot) in ids.iter().zip(slots.iter_mut()) {
                    months(*id, slot)?;
                }
            }
            Ok(())
        };
        months(c.standard, &mut self.standard)?;
        months(c.coverage, &mut self.coverage)?;
        if model.params.get(c.standard).unit == PUnit::YuanPerDay {
            let days = c
                .days
                .expect("per-day standards have days (checked on load)");
            months(days, &mut self.k)?;
        }
        match (&model.rule(c.split).kind, &mut self.split) {
            (SplitKind::Shares { .. }, SplitFactors::Shares(out)) => rule(c.split, out)?,
            (
                SplitKind::BaseTopup {
                    base,
                    base_rule,
                    topup_rule,
                },
                SplitFactors::BaseTopup {
                    base: b,
                    base_rule: br,
                    topup_rule: tr,
                },
            ) => {
                months(*base, b)?;
                rule(*base_rule, br)?;
                rule(*topup_rule, tr)?;
            }
            _ => unreachable!("`blank` gave the factors the rule's shape"),
        }
        Ok(())
    }

    /// The class-independent part, exactly, in `I`; `None` if a number does not fit.
    fn per_head<I: Int>(&self) -> Option<PerHead<I>> {
        let mul = |a: &I, b: &I| a.times(b);
        let (cov, qv) = exact::align(&self.coverage)?;
        let (k, qk) = exact::align(&self.k)?;
        let (std, base, qs) = match &self.split {
            SplitFactors::Shares(_) => {
                let (std, qs) = exact::align(&self.standard)?;
                (std, None, qs)
            }
            SplitFactors::BaseTopup { base, .. } => {
                // The standard and the base over one denominator, to take the smaller.
                let (sb, q) = exact::align_with::<I, 24>(|i| {
                    if i < 12 {
                        &self.standard[i]
                    } else {
                        &base[i - 12]
                    }
                })?;
                let mut sb = sb.into_iter();
                let std: [I; 12] = std::array::from_fn(|_| sb.next().expect("24 values"));
                let base: [I; 12] = std::array::from_fn(|_| sb.next().expect("24 values"));
                (std, Some(base), q)
            }
        };
        let mut parts: [[I; 12]; 2] = std::array::from_fn(|_| std::array::from_fn(|_| I::zero()));
        for m in 0..12 {
            let ck = mul(&cov[m], &k[m])?;
            match &base {
                None => parts[0][m] = mul(&std[m], &ck)?,
                Some(base) => {
                    let below = (&std[m]).min(&base[m]);
                    parts[1][m] = mul(&std[m].checked_sub(below)?, &ck)?;
                    parts[0][m] = mul(below, &ck)?;
                }
            }
        }
        Some(PerHead {
            den: mul(&mul(&qs, &qv)?, &qk)?,
            parts,
            std,
            qs,
            cov,
            qv,
            k,
            qk,
        })
    }

    /// The exact fen per head of each level and month for one fiscal class, in `I`;
    /// `None` if a number does not fit `I`.
    fn level_amounts<I: Int>(&self, ph: &PerHead<I>, class: usize) -> Option<LevelAmounts<I>> {
        let mul = |a: &I, b: &I| a.times(b);
        let mut months: [[I; 4]; 12] = std::array::from_fn(|_| std::array::from_fn(|_| I::zero()));
        let den = match &self.split {
            SplitFactors::Shares(rule) => {
                let (sh, qr) = level_shares::<I>(rule, class)?;
                for m in 0..12 {
                    for l in 0..4 {
                        months[m][l] = mul(&ph.parts[0][m], &sh[m][l])?;
                    }
                }
                mul(&ph.den, &qr)?
            }
            SplitFactors::BaseTopup {
                base_rule,
                topup_rule,
                ..
            } => {
                let (shb, qb) = level_shares::<I>(base_rule, class)?;
                let (sht, qt) = level_shares::<I>(topup_rule, class)?;
                // Both rules' shares over one denominator qbt.
                let g = qb.gcd_with(&qt);
                let qbt = mul(&qb.div_rem_floor(&g).0, &qt)?;
                let (fb, ft) = (qbt.div_rem_floor(&qb).0, qbt.div_rem_floor(&qt).0);
                for m in 0..12 {
                    for l in 0..4 {
                        months[m][l] = mul(&mul(&ph.parts[0][m], &shb[m][l])?, &fb)?
                            .checked_add(&mul(&mul(&ph.parts[1][m], &sht[m][l])?, &ft)?)?;
                    }
                }
                mul(&ph.den, &qbt)?
            }
        };
        // Yuan a year per head over `den` → fen a month: × 100 / 12 = × 25 / 3.
        let (n25, n3) = (I::from(25i64), I::from(3i64));
        let mut full: [I; 4] = std::array::from_fn(|_| I::zero());
        for month in months.iter_mut() {
            for (x, f) in month.iter_mut().zip(full.iter_mut()) {
                *x = mul(x, &n25)?;
                *f = f.checked_add(x)?;
            }
        }
        Some(LevelAmounts {
            den: mul(&den, &n3)?,
            months,
            full,
        })
    }

    /// The exact fen per head of each level and month for units of `class`.
    pub fn amounts(&self, class: FiscalClassId) -> Amounts {
        let narrow = self.per_head::<i128>();
        self.class_amounts(narrow.as_ref(), class.index())
    }

    /// [`Factors::amounts`] for every fiscal class of the plan (indexed by
    /// [`FiscalClassId::index`]), sharing the work they share, with the annualised
    /// standard and the mean coverage for display (`None` if they do not fit a decimal).
    pub fn all_amounts(&self) -> (Box<[Amounts]>, Option<(Decimal, Decimal)>) {
        let narrow = self.per_head::<i128>();
        let classes = match &self.split {
            SplitFactors::Shares(r) => r.local.len(),
            SplitFactors::BaseTopup { base_rule, .. } => base_rule.local.len(),
        };
        let amounts = (0..classes)
            .map(|class| self.class_amounts(narrow.as_ref(), class))
            .collect();
        let display = match &narrow {
            Some(ph) => Factors::display(ph),
            None => None,
        }
        .or_else(|| Factors::display(&self.per_head::<BigInt>()?));
        (amounts, display)
    }

    fn class_amounts(&self, narrow: Option<&PerHead<i128>>, class: usize) -> Amounts {
        match narrow.and_then(|ph| self.level_amounts(ph, class)) {
            Some(a) => Amounts::Narrow(a),
            None => {
                let ph = self
                    .per_head::<BigInt>()
                    .expect("big integers do not overflow");
                Amounts::Wide(Box::new(
                    self.level_amounts(&ph, class)
                        .expect("big integers do not overflow"),
                ))
            }
        }
    }

    /// The annualised standard (to the fen) and the mean coverage (to 4 decimals).
    fn display<I: Int>(ph: &PerHead<I>) -> Option<(Decimal, Decimal)> {
        let mut annual = I::zero();
        for m in 0..12 {
            annual = annual.checked_add(&ph.std[m].checked_mul(&ph.k[m])?)?;
        }
        let mut mean = I::zero();
        for c in &ph.cov {
            mean = mean.checked_add(c)?;
        }
        let twelve = I::from(12i64);
        let fen = exact::round_div(
            &annual.checked_mul(&I::from(100i64))?,
            &ph.qs.checked_mul(&ph.qk)?.checked_mul(&twelve)?,
        )?;
        let cov4 = exact::round_div(
            &mean.checked_mul(&I::from(10_000i64))?,
            &ph.qv.checked_mul(&twelve)?,
        )?;
        Some((Decimal::new(fen, 2), Decimal::new(cov4, 4)))
    }
}

/// The class-independent part of a (component, year): each month's money per head
/// before the split — the whole (a share rule), or the parts up to the national base
/// and above it (base + top-up) — over `den`; and the aligned factors it came from.
struct PerHead<I> {
    parts: [[I; 12]; 2],
    den: I,
    std: [I; 12],
    qs: I,
    cov: [I; 12],
    qv: I,
    k: [I; 12],
    qk: I,
}

/// A share rule's four level shares for a fiscal class, month by month, as numerators
/// over one denominator: central `c`, then `(1 − c) × local` for each local level.
fn level_shares<I: Int>(rule: &RuleFactors, class: usize) -> Option<([[I; 4]; 12], I)> {
    let (c, qc) = exact::align::<I, 12>(&rule.central)?;
    let l = &rule.local[class];
    let (l, ql) = exact::align_with::<I, 36>(|i| &l[i / 12][i % 12])?;
    let mut out: [[I; 4]; 12] = std::array::from_fn(|_| std::array::from_fn(|_| I::zero()));
    for m in 0..12 {
        let rest = qc.checked_sub(&c[m])?;
        out[m][0] = c[m].times(&ql)?;
        for i in 0..3 {
            out[m][i + 1] = rest.times(&l[i * 12 + m])?;
        }
    }
    Some((out, qc.checked_mul(&ql)?))
}

fn widen(a: &LevelAmounts<i128>) -> LevelAmounts<BigInt> {
    LevelAmounts {
        den: a.den.into(),
        months: a.months.map(|m| m.map(BigInt::from)),
        full: a.full.map(BigInt::from),
    }
}

impl Amounts {
    /// The published fen of a cell of this (component, year, fiscal class): `h` × the
    /// months admitted by `mask` (all when `None`), rounded once to the fen and allocated
    /// to the levels by largest remainder. In `i128` when the numbers fit, else in big
    /// integers; [`Overflow`] when the amount does not fit `i64` fen.
    pub fn cell(&self, mask: Option<&[bool; 12]>, h: i64) -> Result<(i64, [i64; 4]), Overflow> {
        match self {
            Amounts::Narrow(a) => cell_fen(a, mask, h).unwrap_or_else(|| {
                cell_fen(&widen(a), mask, h).expect("big integers do not overflow")
            }),
            Amounts::Wide(a) => cell_fen(a, mask, h).expect("big integers do not overflow"),
        }
    }
}

/// The fen of a cell: `h` × the months of `a` admitted by `mask` (all when `None`),
/// rounded and allocated; `None` if a number does not fit `I`.
fn cell_fen<I: Int>(
    a: &LevelAmounts<I>,
    mask: Option<&[bool; 12]>,
    h: i64,
) -> Option<Result<(i64, [i64; 4]), Overflow>> {
    let mut parts = match mask {
        None => a.full.clone(),
        Some(mask) => {
            let mut sums: [I; 4] = std::array::from_fn(|_| I::zero());
            for (month, _) in a.months.iter().zip(mask).filter(|(_, on)| **on) {
                for (s, x) in sums.iter_mut().zip(month) {
                    *s = s.checked_add(x)?;
                }
            }
            sums
        }
    };
    let h = I::from(h);
    for p in parts.iter_mut() {
        *p = p.times(&h)?;
    }
    Some(money::allocate(&parts, &a.den))
}
