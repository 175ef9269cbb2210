//! ledger/hledger price directives, one a record: `P 2025-12-12 00:00:00 KZT 0.00192 USD`
//! (the price of one unit of the pair's base in its quote, at that UTC time).

use std::io::Write;

use super::{Cell, Exporter, PriceColumns};
use crate::error::Result;

/// Records as ledger prices.
pub(crate) struct Ledger {
    columns: PriceColumns,
}

impl Ledger {
    pub(crate) fn new(columns: &[&str]) -> Ledger {
        Ledger { columns: PriceColumns::new(columns) }
    }
}

impl<W: Write> Exporter<W> for Ledger {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _written: u64) -> Result<()> {
        let p = self.columns.price(&row)?;
        writeln!(out, "P {} {} {} {} {}", p.date, p.time, p.base, p.rate, p.quote)?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut W, _written: u64) -> Result<()> {
        Ok(())
    }
}
