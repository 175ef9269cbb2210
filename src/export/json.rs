//! JSON: the records as one array of objects keyed by column name, one
//! object a line; and a whole document (`convert --format json`).

use std::io::{self, Write};

use super::{Cell, Exporter};
use crate::error::Result;

/// A JSON array of records.
pub(crate) struct Json {
    columns: &'static [&'static str],
}

impl Json {
    pub(crate) fn new(columns: &'static [&'static str]) -> Json {
        Json { columns }
    }
}

/// One record as a JSON object, keys in column order.
pub(super) fn object(columns: &[&str], row: &[Cell]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (name, cell) in columns.iter().zip(row) {
        map.insert((*name).to_string(), cell.json());
    }
    serde_json::Value::Object(map)
}

impl<W: Write> Exporter<W> for Json {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _price: Option<&super::Price>, written: u64) -> Result<()> {
        out.write_all(if written == 0 { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *out, &object(self.columns, &row)).map_err(io::Error::from)?;
        Ok(())
    }

    fn finish(&mut self, out: &mut W, written: u64) -> Result<()> {
        out.write_all(if written == 0 { b"[]\n" } else { b"\n]\n" })?;
        Ok(())
    }
}

/// A whole JSON document, pretty-printed, then a line break and a flush.
pub(crate) fn write_document<W: Write>(mut out: W, doc: &serde_json::Value) -> Result<()> {
    serde_json::to_writer_pretty(&mut out, doc).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
