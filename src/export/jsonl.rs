//! JSON lines: one JSON object a record, keyed by column name, each on its own line.

use std::io::{self, Write};

use super::{json, Cell, Exporter};
use crate::error::Result;

/// Records as JSON lines.
pub(crate) struct Jsonl {
    columns: &'static [&'static str],
}

impl Jsonl {
    pub(crate) fn new(columns: &'static [&'static str]) -> Jsonl {
        Jsonl { columns }
    }
}

impl<W: Write> Exporter<W> for Jsonl {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _price: Option<&super::Price>, _written: u64) -> Result<()> {
        serde_json::to_writer(&mut *out, &json::object(self.columns, &row)).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut W, _written: u64) -> Result<()> {
        Ok(())
    }
}
