//! Parquet points (feature `parquet`), typed so that pandas, polars, R and DuckDB read
//! numbers, exactly:
//!
//! * `points.parquet`: the columns of points.csv. `point` is UInt64; each axis is
//!   Decimal128 with the axis's decimals (the values exactly as the spec gives them);
//!   each metric is **Int64 in fen** (money: divide by 100 for yuan) or **in millionths**
//!   (the cv and Theil indices: divide by 10^6), null where an index cannot be computed.
//!   Every metric field carries its scale in its metadata (`fendan:scale` = 2 or 6,
//!   `fendan:unit` = `fen` or `millionths`).
//! * `points_long.parquet` (`--layout long`): `point` UInt64, `year` Int32 (null on an
//!   axis row), `metric` and `key` Utf8, `value` Int64 and `scale` Int8, the number being
//!   `value / 10^scale` (fen for money, millionths for indices, the axis's decimals for
//!   an axis value).
//!
//! Written one row group per 131,072 rows, so memory stays flat and the row groups of a
//! single run and of `merge` fall at the same rows.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Decimal128Array, Int8Array, Int32Array, Int64Array, RecordBatch, StringArray,
    UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use super::long::PointsSchema;
use super::{Chunk, MISSING};
use crate::error::{Error, Result};

fn err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// The Arrow schema of `points.parquet`.
pub(super) fn wide_schema(s: &PointsSchema) -> Arc<Schema> {
    let mut fields = vec![Field::new("point", DataType::UInt64, false)];
    for (name, scale) in &s.axes {
        fields.push(Field::new(
            name,
            DataType::Decimal128(38, *scale as i8),
            false,
        ));
    }
    for c in &s.columns {
        let unit = if c.scale == 2 { "fen" } else { "millionths" };
        fields.push(
            Field::new(&c.name, DataType::Int64, true).with_metadata(HashMap::from([
                ("fendan:scale".to_owned(), c.scale.to_string()),
                ("fendan:unit".to_owned(), unit.to_owned()),
            ])),
        );
    }
    Arc::new(Schema::new(fields))
}

/// `points.parquet`.
pub struct Writer {
    inner: ArrowWriter<File>,
    schema: Arc<Schema>,
    axis_scales: Vec<u32>,
    n_metrics: usize,
    path: std::path::PathBuf,
}

impl Writer {
    /// A Parquet writer into `file`; errors name `path`, the file as the user will see it.
    pub fn create(file: File, path: &Path, s: &PointsSchema) -> Result<Writer> {
        let schema = wide_schema(s);
        let inner = ArrowWriter::try_new(
            file,
            schema.clone(),
            Some(crate::report::parquet::properties()),
        )
        .map_err(|e| err(path, e))?;
        Ok(Writer {
            inner,
            schema,
            axis_scales: s.axes.iter().map(|a| a.1).collect(),
            n_metrics: s.columns.len(),
            path: path.to_owned(),
        })
    }

    pub fn write(&mut self, c: &Chunk) -> Result<()> {
        let n = c.n;
        let n_axes = self.axis_scales.len();
        let n_m = self.n_metrics;
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(1 + n_axes + n_m);
        cols.push(Arc::new(UInt64Array::from_iter_values(
            c.first..c.first + n as u64,
        )));
        for (a, s) in self.axis_scales.iter().enumerate() {
            let vals = (0..n).map(|r| {
                let mut d = c.axis_values[r * n_axes + a];
                d.rescale(*s);
                d.mantissa()
            });
            let arr = Decimal128Array::from_iter_values(vals)
                .with_precision_and_scale(38, *s as i8)
                .map_err(|e| err(&self.path, e))?;
            cols.push(Arc::new(arr));
        }
        for j in 0..n_m {
            let vals = (0..n).map(|r| {
                let v = c.metrics[r * n_m + j];
                (v != MISSING).then_some(v)
            });
            cols.push(Arc::new(Int64Array::from_iter(vals)));
        }
        let batch =
            RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| err(&self.path, e))?;
        self.inner.write(&batch).map_err(|e| err(&self.path, e))
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path.clone();
        let file = self.inner.into_inner().map_err(|e| err(&path, e))?;
        file.sync_all().map_err(|e| err(&path, e))
    }
}

/// `points_long.parquet`.
pub struct LongWriter {
    inner: ArrowWriter<File>,
    schema: Arc<Schema>,
    layout: PointsSchema,
    path: std::path::PathBuf,
}

impl LongWriter {
    pub fn create(file: File, path: &Path, s: &PointsSchema) -> Result<LongWriter> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("point", DataType::UInt64, false),
            Field::new("year", DataType::Int32, true),
            Field::new("metric", DataType::Utf8, false),
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Int64, true),
            Field::new("scale", DataType::Int8, false),
        ]));
        let inner = ArrowWriter::try_new(
            file,
            schema.clone(),
            Some(crate::report::parquet::properties()),
        )
        .map_err(|e| err(path, e))?;
        Ok(LongWriter {
            inner,
            schema,
            layout: s.clone(),
            path: path.to_owned(),
        })
    }

    pub fn write(&mut self, c: &Chunk) -> Result<()> {
        let s = &self.layout;
        let n_axes = s.axes.len();
        let n_m = s.columns.len();
        let rows = c.n * (n_axes + n_m);
        let mut point = Vec::with_capacity(rows);
        let mut year = Vec::with_capacity(rows);
        let mut metric = Vec::with_capacity(rows);
        let mut key = Vec::with_capacity(rows);
        let mut value = Vec::with_capacity(rows);
        let mut scale = Vec::with_capacity(rows);
        for r in 0..c.n {
            let p = c.first + r as u64;
            for (a, (name, sc)) in s.axes.iter().enumerate() {
                let mut d = c.axis_values[r * n_axes + a];
                d.rescale(*sc);
                point.push(p);
                year.push(None);
                metric.push("axis");
                key.push(name.as_str());
                value.push(i64::try_from(d.mantissa()).ok());
                scale.push(*sc as i8);
            }
            for (j, col) in s.columns.iter().enumerate() {
                let v = c.metrics[r * n_m + j];
                point.push(p);
                year.push(Some(col.year));
                metric.push(col.metric.as_str());
                key.push(col.key.as_str());
                value.push((v != MISSING).then_some(v));
                scale.push(col.scale as i8);
            }
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(point)),
            Arc::new(Int32Array::from(year)),
            Arc::new(StringArray::from(metric)),
            Arc::new(StringArray::from(key)),
            Arc::new(Int64Array::from(value)),
            Arc::new(Int8Array::from(scale)),
        ];
        let batch =
            RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| err(&self.path, e))?;
        self.inner.write(&batch).map_err(|e| err(&self.path, e))
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path.clone();
        let file = self.inner.into_inner().map_err(|e| err(&path, e))?;
        file.sync_all().map_err(|e| err(&path, e))
    }
}
