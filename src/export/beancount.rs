//! beancount price directives, one a record: `2025-12-12 price KZT 0.00192 USD`
//! (beancount prices are per day: the time of day is left out).

use std::io::Write;

use super::{Cell, Exporter, PriceColumns};
use crate::error::Result;

/// Records as beancount prices.
pub(crate) struct Beancount {
    columns: PriceColumns,
}

impl Beancount {
    pub(crate) fn new(columns: &[&str]) -> Beancount {
        Beancount { columns: PriceColumns::new(columns) }
    }
}

impl<W: Write> Exporter<W> for Beancount {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _written: u64) -> Result<()> {
        let p = self.columns.price(&row)?;
        writeln!(out, "{} price {} {} {}", p.date, p.base, p.rate, p.quote)?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut W, _written: u64) -> Result<()> {
        Ok(())
    }
}
