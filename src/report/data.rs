//! The data behind the page, for other programs (DESIGN "report (v3)"): `latest.json` and
//! `latest.csv`, the rows of `latest` (the bytes `fxsnap latest --format json|csv` writes for
//! the report's selection, made at the report's time: the same `SOURCE_DATE_EPOCH`), and per
//! pair `history-PAIR.csv`, the rows of `history --format csv` over the report's longest range.
//! A file name holds no `/`: the pair's currencies are joined by `-` (`history-KZT-USD.csv` for
//! KZT/USD). Written by the commands' own exporters (`crate::export::quotes`), from the
//! report's read transaction.

use crate::error::Result;
use crate::export::{quotes, Format, HistoryFormat};
use crate::model::{Instant, Pair};
use crate::query::{Listing, Quote};
use crate::selection::{Pairs, Selection};
use crate::store::Store;
use crate::timespec::RangeSpec;

use super::write::ReportFile;

/// One data file: its name and bytes, and what it holds in the page's words.
pub struct DataFile {
    pub file: ReportFile,
    pub what: String,
}

/// `latest.json` and `latest.csv`: `rows` (the report's latest table) as `latest` writes them,
/// their ages (JSON's `age_seconds`) counted from `now`, the time the report is made.
pub fn latest(sel: &Selection, rows: &[Quote], now: Instant) -> Result<Vec<DataFile>> {
    let mut out = Vec::new();
    for (format, ext) in [(Format::Json, "json"), (Format::Csv, "csv")] {
        let mut bytes = Vec::new();
        quotes::write_latest(&mut bytes, format, sel.cross, rows, now)?;
        let (name, what) = (format!("latest.{ext}"), format!("the latest rate of each series, as fxsnap latest --format {ext} writes it"));
        out.push(DataFile { file: ReportFile { name, bytes }, what });
    }
    Ok(out)
}

/// The file name of a pair's history: `history-KZT-USD.csv`.
pub fn history_name(pair: Pair) -> String {
    format!("history-{}-{}.csv", pair.base, pair.quote)
}

/// Where the longest of `ranges` ending at `end` starts, within the selection's `--from`
/// (None: from the first observation).
pub fn longest_from(ranges: &[RangeSpec], sel: &Selection, end: Instant) -> Result<Option<Instant>> {
    let mut from: Option<Option<Instant>> = None;
    for r in ranges {
        let start = r.start(end)?;
        from = Some(match (from, start) {
            (None, s) => s,
            (Some(None), _) | (Some(_), None) => None,
            (Some(Some(a)), Some(b)) => Some(a.min(b)),
        });
    }
    Ok(match (from.flatten(), sel.from) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    })
}

/// `history-PAIR.csv`: the rows of `fxsnap history --format csv --pair PAIR --from FROM --to
/// END` with the report's other selection (sources, `--cross`): every row as PAIR, a computed
/// one with its published quote in `quoted`.
pub fn history(store: &Store, sel: &Selection, pair: Pair, from: Option<Instant>, end: Instant) -> Result<DataFile> {
    // The pair as shown is the direction asked: `--invert` is already in it.
    let selection = Selection { pairs: Pairs::Listed(vec![pair]), from, to: Some(end), invert: false, ..sel.clone() };
    let mut bytes = Vec::new();
    quotes::write_history(&mut bytes, HistoryFormat::Csv, store, &Listing { selection })?;
    let day = |t: Instant| t.datetime().format("%Y-%m-%d").to_string();
    let what = match from {
        Some(f) => format!("every {pair} observation from {} to {}, as fxsnap history --format csv writes it", day(f), day(end)),
        None => format!("every {pair} observation up to {}, as fxsnap history --format csv writes it", day(end)),
    };
    Ok(DataFile { file: ReportFile { name: history_name(pair), bytes }, what })
}
