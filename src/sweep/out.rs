//! Where the points go: `points.csv` or `points.parquet`, and with `--layout long`
//! `points_long.csv` or `points_long.parquet` beside it. A single run and `merge` hand
//! the same chunks to the same writers, so their files are the same bytes.

use std::fs;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::long::{HEADER, PointsSchema};
#[cfg(feature = "parquet")]
use super::read_err;
use super::{Chunk, Format, hex};
#[cfg(not(feature = "parquet"))]
use crate::error::Error;
use crate::error::Result;
use crate::output::{Sink, Staging};

/// How the points are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One row per point, one column per axis and metric (always written).
    #[default]
    Wide,
    /// Also one row per value: `point,year,metric,key,value`.
    Long,
}

/// The names of the points files of a format and layout.
pub(super) fn names(format: Format, layout: Layout) -> Vec<&'static str> {
    let (wide, long) = match format {
        Format::Csv => ("points.csv", "points_long.csv"),
        Format::Parquet => ("points.parquet", "points_long.parquet"),
    };
    match layout {
        Layout::Wide => vec![wide],
        Layout::Long => vec![wide, long],
    }
}

/// The open points files of a run or a merge (one value a run: its size is no matter).
#[allow(clippy::large_enum_variant)]
pub(super) enum Writers {
    Csv {
        files: Vec<(&'static str, Sink, Sha256)>,
    },
    #[cfg(feature = "parquet")]
    Parquet {
        wide: super::parquet_out::Writer,
        long: Option<super::parquet_out::LongWriter>,
        names: Vec<&'static str>,
    },
}

impl Writers {
    /// Create the points files in `staging`; `header` is the wide CSV header.
    pub(super) fn create(
        staging: &Staging,
        format: Format,
        layout: Layout,
        schema: &Arc<PointsSchema>,
        header: &[u8],
    ) -> Result<Writers> {
        let names = names(format, layout);
        match format {
            Format::Csv => {
                let mut files = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    let mut w = staging.create(name)?;
                    let mut h = Sha256::new();
                    let head = if i == 0 { header } else { HEADER };
                    w.write_all(head)?;
                    h.update(head);
                    files.push((*name, w, h));
                }
                Ok(Writers::Csv { files })
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => {
                let open =
                    |name: &str| fs::File::create(staging.path(name)).map_err(staging.err(name));
                let wide = super::parquet_out::Writer::create(
                    open(names[0])?,
                    &staging.shown(names[0]),
                    schema,
                )?;
                let long = match names.get(1) {
                    Some(n) => Some(super::parquet_out::LongWriter::create(
                        open(n)?,
                        &staging.shown(n),
                        schema,
                    )?),
                    None => None,
                };
                Ok(Writers::Parquet { wide, long, names })
            }
            #[cfg(not(feature = "parquet"))]
            Format::Parquet => {
                let _ = (schema, fs::metadata(".").ok());
                Err(Error::Usage(
                    "this fendan was built without Parquet; rebuild it with `cargo build --release --features parquet`, or write CSV".into(),
                ))
            }
        }
    }

    pub(super) fn write(&mut self, c: &Chunk) -> Result<()> {
        match self {
            Writers::Csv { files } => {
                for (i, (_, w, h)) in files.iter_mut().enumerate() {
                    let bytes = if i == 0 { &c.csv } else { &c.long };
                    w.write_all(bytes)?;
                    h.update(bytes);
                }
                Ok(())
            }
            #[cfg(feature = "parquet")]
            Writers::Parquet { wide, long, .. } => {
                wide.write(c)?;
                if let Some(l) = long {
                    l.write(c)?;
                }
                Ok(())
            }
        }
    }

    /// Close the files; their names and SHA-256, in order.
    pub(super) fn finish(self, staging: &Staging) -> Result<Vec<(String, String)>> {
        match self {
            Writers::Csv { files } => {
                let _ = staging;
                files
                    .into_iter()
                    .map(|(name, w, h)| {
                        w.finish()?;
                        Ok((name.to_owned(), hex(&h.finalize())))
                    })
                    .collect()
            }
            #[cfg(feature = "parquet")]
            Writers::Parquet { wide, long, names } => {
                wide.finish()?;
                if let Some(l) = long {
                    l.finish()?;
                }
                names
                    .into_iter()
                    .map(|name| {
                        let path = staging.path(name);
                        let mut h = Sha256::new();
                        let mut f = fs::File::open(&path).map_err(read_err(&path))?;
                        std::io::copy(&mut f, &mut h).map_err(read_err(&path))?;
                        Ok((name.to_owned(), hex(&h.finalize())))
                    })
                    .collect()
            }
        }
    }
}
