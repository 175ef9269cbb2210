//! Aligned columns for people: each column as wide as its widest cell plus
//! two spaces, trailing spaces trimmed, the header first.

use std::io::{self, Write};

use super::{Cell, Exporter};
use crate::error::Result;

/// A table: rows are held to align columns unless widths are fixed.
pub(crate) struct Table {
    columns: &'static [&'static str],
    held: Vec<Vec<Cell>>,
    fixed_widths: Option<Vec<usize>>,
}

impl Table {
    /// Holds every row, then aligns them at the end.
    pub(crate) fn new(columns: &'static [&'static str]) -> Table {
        Table { columns, held: Vec::new(), fixed_widths: None }
    }

    /// Streams each row at these widths (a wider cell pushes its row's next ones right).
    pub(crate) fn fixed(columns: &'static [&'static str], widths: Vec<usize>) -> Table {
        Table { columns, held: Vec::new(), fixed_widths: Some(widths) }
    }
}

impl<W: Write> Exporter<W> for Table {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _price: Option<&super::Price>, written: u64) -> Result<()> {
        match &self.fixed_widths {
            Some(w) => {
                if written == 0 {
                    write_row(out, &header_cells(self.columns), w)?;
                }
                write_row(out, &row, w)?;
            }
            None => self.held.push(row),
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut W, written: u64) -> Result<()> {
        let header = header_cells(self.columns);
        match &self.fixed_widths {
            None => {
                let mut widths: Vec<usize> = header.iter().map(|c| c.text().chars().count()).collect();
                for row in &self.held {
                    for (w, c) in widths.iter_mut().zip(row) {
                        *w = (*w).max(c.text().chars().count());
                    }
                }
                write_row(out, &header, &widths)?;
                for row in std::mem::take(&mut self.held) {
                    write_row(out, &row, &widths)?;
                }
            }
            Some(widths) if written == 0 => write_row(out, &header, widths)?,
            Some(_) => {}
        }
        Ok(())
    }
}

fn header_cells(columns: &[&str]) -> Vec<Cell> {
    columns.iter().map(|c| Cell::from(*c)).collect()
}

fn write_row<W: Write>(out: &mut W, row: &[Cell], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (c, w)) in row.iter().zip(widths).enumerate() {
        let t = c.text();
        if i + 1 == row.len() {
            line.push_str(t);
        } else {
            line.push_str(t);
            for _ in t.chars().count()..*w + 2 {
                line.push(' ');
            }
        }
    }
    out.write_all(line.trim_end().as_bytes())?;
    out.write_all(b"\n")
}
