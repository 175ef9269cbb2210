//! `convert`'s answer: a table for people (the result line, the legs with
//! their age, a low-precision note) or one JSON document.

use std::io::Write;

use super::{json, Cell, ConvertFormat, Format, RecordWriter};
use crate::error::Result;
use crate::model::Observation;
use crate::precision::{low_precision, mark};
use crate::query::convert::{Conversion, ConvertOptions, STALE_DAYS};
use crate::timespec::ago;

/// `age`: how long before `--at` the rate was observed.
const LEG_COLUMNS: &[&str] = &["pair", "rate", "timestamp", "source", "age"];

/// The conversion in `format`.
pub fn write_conversion(out: &mut dyn Write, format: ConvertFormat, opts: &ConvertOptions, c: &Conversion) -> Result<()> {
    match format {
        ConvertFormat::Json => json::write_document(out, &document(opts, c)),
        ConvertFormat::Table => table(out, opts, c),
    }
}

fn document(opts: &ConvertOptions, c: &Conversion) -> serde_json::Value {
    let legs: Vec<serde_json::Value> = c
        .legs
        .iter()
        .map(|l| {
            let mut leg = serde_json::json!({
                "currency": l.currency.to_string(),
                "pair": l.obs.pair.to_string(),
                "rate": l.obs.rate.to_string(),
                "timestamp": l.obs.at.rfc3339(),
                "source": l.obs.source.to_string(),
                "stale": l.stale(opts.at),
            });
            // A leg through a bank's home currency: its USD quote of the same time.
            if let (Some(t), Some(map)) = (&l.through, leg.as_object_mut()) {
                map.insert("through".into(), serde_json::json!({ "pair": t.pair.to_string(), "rate": t.rate.to_string() }));
            }
            leg
        })
        .collect();
    serde_json::json!({
        "amount": opts.amount_text,
        "from": opts.from.to_string(),
        "to": opts.to.to_string(),
        "result": c.result.to_string(),
        "at": opts.at.rfc3339(),
        "via": opts.via.to_string(),
        "precision_pct": c.precision_pct.and_then(|p| p.to_string().parse::<serde_json::Number>().ok()),
        "legs": legs,
    })
}

fn table(out: &mut dyn Write, opts: &ConvertOptions, c: &Conversion) -> Result<()> {
    writeln!(out, "{} {} = {} {}", opts.amount_text, opts.from, c.result, opts.to)?;
    if c.legs.is_empty() {
        writeln!(out, "(no rate needed)")?;
        out.flush()?;
        return Ok(());
    }
    let routes: Vec<String> =
        c.legs.iter().filter_map(|l| l.pivot().map(|p| format!("{} through {p} from {}", l.currency, l.obs.source))).collect();
    let routes = if routes.is_empty() { String::new() } else { format!(" ({})", routes.join(", ")) };
    writeln!(out, "through {}{routes}, with the newest rates at or before {}:", opts.via, opts.at)?;
    let mut w = RecordWriter::new(&mut *out, Format::Table, LEG_COLUMNS);
    // Each quote used once: two legs through one bank share its USD quote.
    let mut shown: Vec<&Observation> = Vec::new();
    for l in &c.legs {
        for o in l.quotes() {
            if shown.iter().any(|s| s.source == o.source && s.pair == o.pair && s.at == o.at) {
                continue;
            }
            shown.push(o);
            let age = ago(opts.at.unix() - o.at.unix());
            let note = if l.stale(opts.at) { format!("{age}, STALE (over {STALE_DAYS} days)") } else { age };
            w.write(vec![
                o.pair.to_string().into(),
                o.rate.to_string().into(),
                o.at.rfc3339().into(),
                o.source.to_string().into(),
                Cell::from(note),
            ])?;
        }
    }
    w.finish()?;
    if let Some(p) = c.precision_pct {
        let rough: Vec<String> = c
            .legs
            .iter()
            .flat_map(|l| l.quotes())
            .filter(|o| low_precision(&[o.rate.decimal()]).is_some())
            .map(|o| format!("{} {} from {}", o.pair, o.rate, o.source))
            .collect();
        writeln!(out, "low precision: the result is good to {} only ({} quoted to too few digits)", mark(p), rough.join(", "))?;
        out.flush()?;
    }
    Ok(())
}
