//! The long ("tidy") layout of the points, written beside the wide one with
//! `--layout long`: one row per value, `point,year,metric,key,value`, so that a
//! researcher loads one file and filters or pivots it (pandas, polars, R, DuckDB).
//!
//! * A metric value: `7,2019,level_totals,central,123456.78` (yuan with 2 decimals),
//!   `7,2019,unit_totals,130402,…`, `7,2019,equalization,cv,0.123456` (6 decimals; an
//!   index that cannot be computed has an empty value, as in the wide layout).
//! * An axis value, so the file stands alone: `7,,axis,<axis name>,650.5` (no year).
//!
//! The rows of a point follow its axes, then its metrics in the wide layout's column
//! order; points are in order. The same rows come from a single run and from `merge`.

use serde::{Deserialize, Serialize};

use super::fixed::push_fixed;
use super::{Domain, Sweep};

/// The decimals of an axis's values: the most any listed value or range step has, or
/// a distribution's `decimals`.
pub(super) fn axis_scale(d: &Domain) -> u32 {
    match d {
        Domain::List(v) => v
            .iter()
            .map(|(x, _)| x.normalize().scale())
            .max()
            .unwrap_or(0),
        Domain::Range { start, step, .. } => {
            start.normalize().scale().max(step.normalize().scale())
        }
        Domain::Dist { dist, decimals, .. } => {
            let (lo, hi) = dist.bounds();
            (*decimals)
                .max(lo.normalize().scale())
                .max(hi.normalize().scale())
        }
    }
}

/// The header of `points_long.csv`.
pub(super) const HEADER: &[u8] = b"point,year,metric,key,value\n";

/// The columns of the points, for the writers of every layout and format (and for
/// `merge`, which has no spec): the axes' names and decimals and, per metric column,
/// its name, metric, key, year and decimals.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(super) struct PointsSchema {
    pub(super) axes: Vec<(String, u32)>,
    pub(super) columns: Vec<SchemaColumn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SchemaColumn {
    pub(super) name: String,
    pub(super) metric: String,
    pub(super) key: String,
    pub(super) year: i32,
    pub(super) scale: u8,
}

impl PointsSchema {
    pub(super) fn of(sweep: &Sweep) -> PointsSchema {
        PointsSchema {
            axes: sweep
                .spec
                .axes
                .iter()
                .map(|a| (a.name.clone(), axis_scale(&a.domain)))
                .collect(),
            columns: sweep
                .ev
                .columns
                .iter()
                .map(|c| SchemaColumn {
                    name: c.name.clone(),
                    metric: c.metric.to_owned(),
                    key: c.key.clone(),
                    year: c.year,
                    scale: c.scale,
                })
                .collect(),
        }
    }

    /// Append the rows of point `p`: its axis values (as written in the wide layout)
    /// and its metric values.
    pub(super) fn push<'a>(
        &self,
        buf: &mut Vec<u8>,
        p: u64,
        axis_texts: impl Iterator<Item = &'a [u8]>,
        metrics: &[i64],
    ) {
        let mut num = itoa::Buffer::new();
        let point = num.format(p).as_bytes().to_vec();
        for ((name, _), text) in self.axes.iter().zip(axis_texts) {
            buf.extend_from_slice(&point);
            buf.extend_from_slice(b",,axis,");
            buf.extend_from_slice(name.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(text);
            buf.push(b'\n');
        }
        for (c, v) in self.columns.iter().zip(metrics) {
            buf.extend_from_slice(&point);
            buf.push(b',');
            buf.extend_from_slice(num.format(c.year).as_bytes());
            buf.push(b',');
            buf.extend_from_slice(c.metric.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(c.key.as_bytes());
            buf.push(b',');
            push_fixed(buf, *v, c.scale);
            buf.push(b'\n');
        }
    }
}
