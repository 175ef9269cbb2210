//! `fxsnap config`: the settings in force and where each came from.

use std::io::Write;

use crate::config::Config;
use crate::error::Result;

pub fn run(config: &Config) -> Result<()> {
    let rows = config.rows();
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let v = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = crate::export::stdout();
    writeln!(out, "{:w$}  {:v$}  from", "setting", "value")?;
    for (name, value, from) in &rows {
        writeln!(out, "{name:w$}  {value:v$}  {from}")?;
    }
    out.flush()?;
    Ok(())
}
