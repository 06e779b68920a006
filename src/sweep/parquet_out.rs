//! `points.parquet` (feature `parquet`): the same columns as points.csv, exact —
//! `point` as UInt64, axis values and metrics as Decimal128 with their decimals
//! (metrics in yuan with 2, indices with 6; a missing index is null). Written one
//! row group per 131,072 points, so memory stays flat.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::{Chunk, Domain, MISSING, Sweep};
use crate::error::{Error, Result};

pub struct Writer {
    inner: ArrowWriter<File>,
    schema: Arc<Schema>,
    axis_scales: Vec<u32>,
    metric_scales: Vec<i8>,
    path: std::path::PathBuf,
}

fn err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}

impl Writer {
    /// A Parquet writer into `file`; errors name `path`, the file as the user will see it.
    pub fn create(file: File, path: &Path, sweep: &Sweep) -> Result<Writer> {
        let axis_scales: Vec<u32> = sweep
            .spec
            .axes
            .iter()
            .map(|a| match &a.domain {
                Domain::List(v) => v
                    .iter()
                    .map(|(d, _)| d.normalize().scale())
                    .max()
                    .unwrap_or(0),
                Domain::Range { start, step, .. } => {
                    start.normalize().scale().max(step.normalize().scale())
                }
                Domain::Dist { decimals, .. } => *decimals,
            })
            .collect();
        let mut fields = vec![Field::new("point", DataType::UInt64, false)];
        for (a, s) in sweep.spec.axes.iter().zip(&axis_scales) {
            fields.push(Field::new(
                &a.name,
                DataType::Decimal128(38, *s as i8),
                false,
            ));
        }
        let metric_scales: Vec<i8> = sweep.ev.columns.iter().map(|c| c.scale as i8).collect();
        for (c, s) in sweep.ev.columns.iter().zip(&metric_scales) {
            fields.push(Field::new(&c.name, DataType::Decimal128(38, *s), true));
        }
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(131_072)
            .set_created_by(format!("fendan {}", env!("CARGO_PKG_VERSION")))
            .build();
        let inner =
            ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| err(path, e))?;
        Ok(Writer {
            inner,
            schema,
            axis_scales,
            metric_scales,
            path: path.to_owned(),
        })
    }

    pub fn write(&mut self, c: &Chunk) -> Result<()> {
        let n = c.n;
        let n_axes = self.axis_scales.len();
        let n_m = self.metric_scales.len();
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
        for (j, s) in self.metric_scales.iter().enumerate() {
            let vals = (0..n).map(|r| {
                let v = c.metrics[r * n_m + j];
                (v != MISSING).then_some(i128::from(v))
            });
            let arr = Decimal128Array::from_iter(vals)
                .with_precision_and_scale(38, *s)
                .map_err(|e| err(&self.path, e))?;
            cols.push(Arc::new(arr));
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
