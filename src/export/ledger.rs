//! ledger/hledger price directives, one a record: `P 2025-12-12 00:00:00 KZT 0.00192 USD`
//! (the price of one unit of the pair's base in its quote, at that UTC time).

use std::io::Write;

use super::{needs_price, Cell, Exporter, Price};
use crate::error::Result;

/// Records as ledger prices: each states its price (time, pair, rate), written from
/// those values, never re-split from the record's text.
pub(crate) struct Ledger;

impl<W: Write> Exporter<W> for Ledger {
    fn write(&mut self, out: &mut W, _row: Vec<Cell>, price: Option<&Price>, _written: u64) -> Result<()> {
        let p = needs_price(price)?;
        writeln!(out, "P {} {} {} {}", p.at.datetime().format("%Y-%m-%d %H:%M:%S"), p.pair.base, p.rate, p.pair.quote)?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut W, _written: u64) -> Result<()> {
        Ok(())
    }
}
