//! The sums every summary table is made of, accumulated cell by cell.
//!
//! A run of 28,600 units has 18 million cells: too many to keep for the summaries,
//! which need only sums. [`Totals`] holds the four level amounts of each (year, unit)
//! and of each (year, service), and the run's total, in whole fen; `simulate` adds each
//! cell as it is rendered and then forgets it. Every sum goes through the checked
//! helpers of [`crate::money`], and integer sums do not depend on the order they are
//! added in, so the tables are the same whatever the thread count or the chunking.
//! Every amount is 0 or more: when the run's total fits, so does every sum below it.

use crate::engine::{Cell, Years};
use crate::model::{DomainId, Model};
use crate::money::{Overflow, add_levels, checked_add};

/// Level amounts (central, province, city, county) summed by (year, unit) and by
/// (year, service), whole fen.
#[derive(Debug, Clone)]
pub struct Totals {
    pub years: Years,
    units: usize,
    services: usize,
    /// `[year index × units + unit]`.
    by_unit: Vec<[i64; 4]>,
    /// `[year index × services + service]`.
    by_service: Vec<[i64; 4]>,
    /// The sum of every cell's total.
    pub total: i64,
    /// The number of cells added.
    pub cells: usize,
}

impl Totals {
    /// Nothing added yet.
    pub fn new(model: &Model, years: Years) -> Totals {
        Totals {
            years,
            units: model.units.len(),
            services: model.services.len(),
            by_unit: vec![[0; 4]; years.len() * model.units.len()],
            by_service: vec![[0; 4]; years.len() * model.services.len()],
            total: 0,
            cells: 0,
        }
    }

    /// The totals of `cells`.
    pub fn of<'a>(
        model: &Model,
        years: Years,
        cells: impl IntoIterator<Item = &'a Cell>,
    ) -> Result<Totals, Overflow> {
        let mut t = Totals::new(model, years);
        for c in cells {
            t.add(c)?;
        }
        Ok(t)
    }

    /// Add one cell.
    #[inline]
    pub fn add(&mut self, c: &Cell) -> Result<(), Overflow> {
        let yi = (c.year - self.years.first) as usize;
        add_levels(
            &mut self.by_unit[yi * self.units + c.unit as usize],
            &c.levels,
        )?;
        add_levels(
            &mut self.by_service[yi * self.services + c.service as usize],
            &c.levels,
        )?;
        self.total = checked_add(self.total, c.total)?;
        self.cells += 1;
        Ok(())
    }

    /// The level amounts of unit `u` in year `y`.
    pub fn unit(&self, y: i32, u: usize) -> [i64; 4] {
        self.by_unit[(y - self.years.first) as usize * self.units + u]
    }

    /// The level amounts of every unit in year `y`, summed.
    pub fn year(&self, y: i32) -> Result<[i64; 4], Overflow> {
        let yi = (y - self.years.first) as usize;
        let mut t = [0; 4];
        for l in &self.by_unit[yi * self.units..(yi + 1) * self.units] {
            add_levels(&mut t, l)?;
        }
        Ok(t)
    }

    /// The level amounts of the services of domain `d` in year `y`, summed.
    pub fn domain(&self, model: &Model, y: i32, d: DomainId) -> Result<[i64; 4], Overflow> {
        let yi = (y - self.years.first) as usize;
        let mut t = [0; 4];
        for (s, l) in model
            .services
            .iter()
            .zip(&self.by_service[yi * self.services..(yi + 1) * self.services])
        {
            if s.domain == d {
                add_levels(&mut t, l)?;
            }
        }
        Ok(t)
    }
}
