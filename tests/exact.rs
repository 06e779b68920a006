//! The engine's exact cell arithmetic against a big-rational reference.
//!
//! Each case is one cell: random standards, coverages, day counts and split shares that
//! change in a random month, a random set of eligible months, a headcount, and a fiscal
//! class. Values are decimals (few digits, or many, up to the unit bounds) or points on
//! a straight line a third, a seventh or a twelfth of the way between two decimals —
//! shares with denominators 3, 7 and 12, which no decimal holds. The reference computes
//! the level amounts as big rationals, the plain way, rounds the total half away from
//! zero and allocates by largest remainder with ties to the earlier level; the engine
//! (`Factors::amounts` then `Amounts::cell`, the functions `simulate` runs) must give
//! the same fen, or refuse the same cells as too large.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use proptest::prelude::*;
use rust_decimal::Decimal;

use fendan::engine::{Amounts, Factors, RuleFactors, SplitFactors};
use fendan::exact::Exact;
use fendan::model::FiscalClassId;

/// The classes of these made-up factors: any three, by place (as the embedded plan's
/// direct, managed and district).
const DIRECT: FiscalClassId = FiscalClassId(0);
const MANAGED: FiscalClassId = FiscalClassId(1);

/// Cells checked against the reference by each of the four tests below (10^5 in all,
/// split so that the test threads share them).
const CELLS: u32 = 25_000;

fn decimal(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

/// A decimal in `0..=max` with up to `digits` decimals.
fn dec_upto(max: i64, digits: u32) -> BoxedStrategy<Decimal> {
    (0..=digits)
        .prop_flat_map(move |scale| {
            let top = max.saturating_mul(10i64.pow(scale));
            (0..=top).prop_map(move |m| decimal(m, scale))
        })
        .boxed()
}

/// A decimal of up to 28 digits in [0, 1]: mantissa up to 10^18 over 10^(18..=28).
fn long_share() -> impl Strategy<Value = Decimal> {
    (0..=1_000_000_000_000_000_000i64, 18u32..=28).prop_map(|(m, s)| {
        let d = Decimal::from_i128_with_scale(i128::from(m), s);
        d.min(Decimal::ONE)
    })
}

/// A point `step/steps` of the way between two values, steps 3, 7 or 12.
fn line(ends: BoxedStrategy<Decimal>) -> impl Strategy<Value = Exact> {
    (ends.clone(), ends, prop::sample::select(vec![3i64, 7, 12])).prop_flat_map(
        |(from, to, steps)| {
            (1..steps).prop_map(move |step| Exact::Line {
                from,
                to,
                step,
                steps,
            })
        },
    )
}

fn share() -> BoxedStrategy<Exact> {
    prop_oneof![
        4 => dec_upto(1, 4).prop_map(Exact::Decimal),
        1 => Just(Exact::Decimal(Decimal::ZERO)),
        1 => Just(Exact::ONE),
        3 => line(dec_upto(1, 3)),
        1 => long_share().prop_map(Exact::Decimal),
    ]
    .boxed()
}

fn money() -> BoxedStrategy<Exact> {
    prop_oneof![
        6 => dec_upto(100_000, 2).prop_map(Exact::Decimal),
        2 => line(dec_upto(10_000, 2)),
        1 => dec_upto(1_000_000_000, 0).prop_map(Exact::Decimal),
        1 => (0..=1_000_000_000_000_000_000i64, 9u32..=18)
            .prop_map(|(m, s)| Exact::Decimal(decimal(m, s))),
    ]
    .boxed()
}

fn days() -> BoxedStrategy<Exact> {
    prop_oneof![
        3 => dec_upto(366, 0).prop_map(Exact::Decimal),
        1 => dec_upto(366, 1).prop_map(Exact::Decimal),
        1 => line(dec_upto(366, 0)),
    ]
    .boxed()
}

/// Twelve monthly values: one value, changing to another from a random month.
fn months(value: BoxedStrategy<Exact>) -> impl Strategy<Value = [Exact; 12]> {
    (value.clone(), value, 0usize..=12)
        .prop_map(|(a, b, from)| std::array::from_fn(|m| if m < from { a } else { b }))
}

fn rule() -> impl Strategy<Value = RuleFactors> {
    (months(share()), prop::collection::vec(months(share()), 9)).prop_map(|(central, l)| {
        RuleFactors {
            central,
            local: (0..3)
                .map(|c| std::array::from_fn(|i| l[c * 3 + i]))
                .collect(),
        }
    })
}

/// One random cell: its factors, fiscal class, eligible months and headcount.
fn cell() -> impl Strategy<Value = Case> {
    let k = prop_oneof![
        Just([Exact::ONE; 12]).boxed(),
        Just([Exact::integer(12); 12]).boxed(),
        months(days()).boxed(),
    ];
    let split = prop_oneof![
        3 => rule().prop_map(SplitFactors::Shares),
        1 => (months(money()), rule(), rule()).prop_map(|(base, base_rule, topup_rule)| {
            SplitFactors::BaseTopup { base, base_rule, topup_rule }
        }),
    ];
    let mask = prop_oneof![
        2 => Just(None),
        1 => prop::array::uniform12(any::<bool>()).prop_map(Some),
    ];
    let headcount = prop_oneof![
        3 => 0i64..10_000,
        2 => 0i64..10_000_000,
        1 => 0i64..=2_000_000_000,
    ];
    (
        months(money()),
        months(share()),
        k,
        split,
        prop::sample::select((0..3).map(FiscalClassId).collect::<Vec<_>>()),
        mask,
        headcount,
    )
        .prop_map(|(standard, coverage, k, split, class, mask, h)| {
            (
                Factors {
                    standard,
                    coverage,
                    k,
                    split,
                },
                class,
                mask,
                h,
            )
        })
}

fn shares(rule: &RuleFactors, class: FiscalClassId, m: usize) -> [BigRational; 4] {
    let c = rule.central[m].big();
    let rest = BigRational::one() - &c;
    let l = &rule.local[class.index()];
    [
        c,
        &rest * l[0][m].big(),
        &rest * l[1][m].big(),
        &rest * l[2][m].big(),
    ]
}

/// The plain computation: exact level amounts, the total rounded half away from zero,
/// each level's floor plus one fen to the largest remainders, ties to the earlier level.
/// `None` when an amount does not fit `i64` fen.
fn reference(
    f: &Factors,
    class: FiscalClassId,
    mask: Option<[bool; 12]>,
    h: i64,
) -> Option<(i64, [i64; 4])> {
    let mut level: [BigRational; 4] = std::array::from_fn(|_| BigRational::zero());
    let per_month =
        BigRational::from_integer(BigInt::from(h)) / BigRational::from_integer(12.into());
    let on = |m: usize| mask.is_none_or(|mask| mask[m]);
    let key = |m: usize| {
        let (b, rb, rt) = match &f.split {
            SplitFactors::Shares(r) => (None, r, None),
            SplitFactors::BaseTopup {
                base,
                base_rule,
                topup_rule,
            } => (Some(base[m]), base_rule, Some(topup_rule)),
        };
        let rule = |r: &RuleFactors| {
            (
                r.central[m],
                r.local.iter().map(|c| c.map(|l| l[m])).collect::<Vec<_>>(),
            )
        };
        (
            f.standard[m],
            f.coverage[m],
            f.k[m],
            b,
            rule(rb),
            rt.map(rule),
        )
    };
    // Months with the same factors are summed as one term of `n` months.
    let mut m = 0;
    while m < 12 {
        let mut n = 1;
        while m + n < 12 && on(m + n) == on(m) && key(m + n) == key(m) {
            n += 1;
        }
        let first = m;
        m += n;
        if !on(first) {
            continue;
        }
        let m = first;
        let std = f.standard[m].big();
        let common = &per_month
            * BigRational::from_integer(BigInt::from(n))
            * f.coverage[m].big()
            * f.k[m].big();
        match &f.split {
            SplitFactors::Shares(r) => {
                for (x, s) in level.iter_mut().zip(shares(r, class, m)) {
                    *x += &common * &std * s;
                }
            }
            SplitFactors::BaseTopup {
                base,
                base_rule,
                topup_rule,
            } => {
                let below = std.clone().min(base[m].big());
                let above = &std - &below;
                let (sb, st) = (shares(base_rule, class, m), shares(topup_rule, class, m));
                for l in 0..4 {
                    level[l] += &common * (&below * &sb[l] + &above * &st[l]);
                }
            }
        }
    }
    let fen = level.map(|x| x * BigRational::from_integer(100.into()));
    let total: BigRational = fen.iter().sum();
    let total = total.round().to_integer().to_i64()?;
    let floors: Vec<BigRational> = fen.iter().map(|x| x.floor()).collect();
    let mut out = [0i64; 4];
    for (o, x) in out.iter_mut().zip(&floors) {
        *o = x.to_integer().to_i64()?;
    }
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|&a, &b| {
        (&fen[b] - &floors[b])
            .cmp(&(&fen[a] - &floors[a]))
            .then(a.cmp(&b))
    });
    let missing = total - out.iter().sum::<i64>();
    for &i in order.iter().take(missing as usize) {
        out[i] += 1;
    }
    Some((total, out))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CELLS,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cells_match_a_big_rational_reference_1(cell in cell()) {
        check(cell)?;
    }

    #[test]
    fn cells_match_a_big_rational_reference_2(cell in cell()) {
        check(cell)?;
    }

    #[test]
    fn cells_match_a_big_rational_reference_3(cell in cell()) {
        check(cell)?;
    }

    #[test]
    fn cells_match_a_big_rational_reference_4(cell in cell()) {
        check(cell)?;
    }
}

type Case = (Factors, FiscalClassId, Option<[bool; 12]>, i64);

/// The engine's fen of one cell equal the reference's (or both refuse it).
fn check((f, class, mask, h): Case) -> Result<(), TestCaseError> {
    let engine = f.amounts(class).cell(mask.as_ref(), h).ok();
    prop_assert_eq!(engine, reference(&f, class, mask, h));
    if let Some((total, levels)) = engine {
        prop_assert_eq!(levels.iter().sum::<i64>(), total);
    }
    Ok(())
}

/// Issue 9 item 8, as factors: 2570 boarders, 1000 yuan for four months and 900 for
/// eight, split 5:2:1:2. Central, province and county tie at ⅓ fen after the city's ⅔:
/// the last fen goes to central, the earliest level.
#[test]
fn a_true_tie_goes_to_the_earlier_level() {
    let d = |s: &str| Exact::Decimal(s.parse().unwrap());
    let rule = RuleFactors {
        central: [d("0.5"); 12],
        local: vec![[[d("0.4")], [d("0.2")], [d("0.4")]].map(|x| [x[0]; 12]); 3].into(),
    };
    let f = Factors {
        standard: std::array::from_fn(|m| if m < 4 { d("1000") } else { d("900") }),
        coverage: [Exact::ONE; 12],
        k: [Exact::ONE; 12],
        split: SplitFactors::Shares(rule),
    };
    let (total, levels) = f.amounts(MANAGED).cell(None, 2570).unwrap();
    // why: 2570 × (4 × 1000 + 8 × 900) / 12 = 2398666.66⅔ yuan → 2398666.67; exact levels
    // 1199333.33⅓, 479733.33⅓, 239866.66⅔, 479733.33⅓; floors leave 2 fen: city (⅔)
    // and central (first of the ⅓ ties).
    assert_eq!(total, 239_866_667);
    assert_eq!(levels, [119_933_334, 47_973_333, 23_986_667, 47_973_333]);
    assert_eq!(reference(&f, MANAGED, None, 2570), Some((total, levels)));
}

/// Values with many digits take the big-integer path, and agree with the reference.
#[test]
fn long_values_take_the_wide_path_and_stay_exact() {
    let d = |s: &str| Exact::Decimal(s.parse().unwrap());
    let third = Exact::Line {
        from: Decimal::ZERO,
        to: Decimal::ONE,
        step: 1,
        steps: 3,
    };
    let rule = RuleFactors {
        central: [d("0.1234567890123456789012345678"); 12],
        local: vec![[[third; 12], [third; 12], [third; 12]]; 3].into(),
    };
    let f = Factors {
        standard: [d("999999999.123456789"); 12],
        coverage: [d("0.9876543210987654321098765432"); 12],
        k: [d("365.5"); 12],
        split: SplitFactors::Shares(rule),
    };
    let amounts = f.amounts(DIRECT);
    assert!(matches!(amounts, Amounts::Wide(_)));
    for h in [0, 1, 7, 25_000] {
        let got = amounts.cell(None, h).ok();
        assert_eq!(got, reference(&f, DIRECT, None, h), "h = {h}");
        assert!(got.is_some());
    }
    // 2×10^9 heads of a 3.65×10^11-yuan year do not fit i64 fen: an overflow, not a wrap.
    assert_eq!(reference(&f, DIRECT, None, 2_000_000_000), None);
    assert!(amounts.cell(None, 2_000_000_000).is_err());
}
