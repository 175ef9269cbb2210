//! beancount price directives, one a record: `2025-12-12 price KZT 0.00192 USD`
//! (beancount prices are per day: the time of day is left out).

use std::io::Write;

use super::{needs_price, Cell, Exporter, Price};
use crate::error::Result;

/// Records as beancount prices: each states its price (time, pair, rate), written from
/// those values, never re-split from the record's text.
pub(crate) struct Beancount;

impl<W: Write> Exporter<W> for Beancount {
    fn write(&mut self, out: &mut W, _row: Vec<Cell>, price: Option<&Price>, _written: u64) -> Result<()> {
        let p = needs_price(price)?;
        writeln!(out, "{} price {} {} {}", p.at.datetime().format("%Y-%m-%d"), p.pair.base, p.rate, p.pair.quote)?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut W, _written: u64) -> Result<()> {
        Ok(())
    }
}
