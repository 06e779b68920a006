//! The sweep's `capacity` metric: per year, the transfer need and the burden share of the
//! units with fiscal data, exactly as `capacity_summary.csv` gives them.
//!
//! A point's capacity depends on two things the accumulator carries: each unit's
//! county-level outlay (summed from the cells, like the other metrics) and the
//! threshold in force — an axis on `capacity.threshold` touches no cell, so the
//! threshold itself is an accumulated value (an integer of [`THRESHOLD_DP`] decimals),
//! and its change at a point is recorded like a cell's. The measures are then computed
//! by [`crate::capacity::assess::year`], the function `simulate` uses.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::eval::{Column, MISSING};
use crate::capacity::assess::{self, Rule, THRESHOLD_DP};
use crate::capacity::{Measure, THRESHOLD};
use crate::engine::Years;
use crate::error::{Error, Location, Result};
use crate::model::Model;
use crate::params::ParamId;

/// Where the metric's inputs sit in the accumulator, and the fixed fiscal figures.
#[derive(Debug, Clone)]
pub struct CapacityMetric {
    /// County-level outlay per year and unit: `county_off + year × units + unit`.
    pub county_off: usize,
    /// The threshold per year, in units of 10^-12: `threshold_off + year`.
    pub threshold_off: usize,
    /// The parameter an axis must name to move the threshold.
    pub threshold: Option<ParamId>,
    revenue: Vec<Vec<Option<i64>>>,
    urban: Vec<bool>,
    rule: Rule,
    years: Years,
    /// Whether a revenue figure of the run's years is made up for an example.
    pub illustrative: bool,
}

/// A threshold as the accumulator holds it.
pub fn threshold_units(t: Decimal) -> i64 {
    (assess::held(t) * Decimal::from(10i64.pow(THRESHOLD_DP)))
        .to_i64()
        .unwrap_or(MISSING)
}

impl CapacityMetric {
    /// Lay the metric out after `acc_len` slots of the accumulator (which grows).
    pub fn new(model: &Model, years: Years, rule: Rule, acc_len: &mut usize) -> CapacityMetric {
        let n = model.units.len();
        let ny = years.len();
        let county_off = *acc_len;
        let threshold_off = county_off + ny * n;
        *acc_len = threshold_off + ny;
        let revenue = years
            .iter()
            .map(|y| {
                (0..n)
                    .map(|u| {
                        model
                            .fiscal
                            .as_ref()
                            .and_then(|f| f.fen(y, u, Measure::OwnRevenue))
                    })
                    .collect()
            })
            .collect();
        CapacityMetric {
            county_off,
            threshold_off,
            threshold: model.params.lookup(THRESHOLD),
            revenue,
            urban: crate::capacity::urban(model),
            rule,
            years,
            illustrative: model
                .fiscal
                .as_ref()
                .is_some_and(|f| f.illustrative_in(years.first, years.last)),
        }
    }

    /// The thresholds of `model` (after a point's overrides), one a year.
    pub fn thresholds(&self, model: &Model) -> Vec<i64> {
        self.years
            .iter()
            .map(|y| threshold_units(crate::capacity::fixed_threshold(model, y)))
            .collect()
    }

    /// The columns of one year: `transfer_need_Y` (yuan) and `burden_share_Y`.
    pub fn columns(year: i32) -> [Column; 2] {
        [
            Column {
                name: format!("transfer_need_{year}"),
                scale: 2,
            },
            Column {
                name: format!("burden_share_{year}"),
                scale: 4,
            },
        ]
    }

    fn measure(&self, acc: &[i64], yi: usize) -> Option<assess::YearMeasure> {
        let n = self.urban.len();
        let o = self.county_off + yi * n;
        let t = acc[self.threshold_off + yi];
        let t = Decimal::new(t, THRESHOLD_DP);
        assess::year(&acc[o..o + n], &self.revenue[yi], &self.urban, self.rule, t).ok()
    }

    /// The two values of year `yi` (fen; ten-thousandths), [`MISSING`] where unknown.
    pub fn values(&self, acc: &[i64], yi: usize) -> [i64; 2] {
        let Some(m) = self.measure(acc, yi) else {
            return [MISSING; 2];
        };
        let share = m
            .share()
            .map(|s| {
                (s.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
                    * Decimal::from(10_000))
                .to_i64()
                .unwrap_or(MISSING)
            })
            .unwrap_or(MISSING);
        [m.need.unwrap_or(MISSING), share]
    }

    /// Refuse a base run whose figures overflow, as `simulate` would.
    pub fn check(&self, acc: &[i64], file: &str) -> Result<()> {
        for (yi, y) in self.years.iter().enumerate() {
            if self.measure(acc, yi).is_none() {
                return Err(Error::input(
                    Location::file(file),
                    format!(
                        "the {y} figures of {file} and the outlays add up to more than fendan can hold (about 92,000 trillion yuan); check the amounts, which are in yuan"
                    ),
                ));
            }
        }
        Ok(())
    }
}
