//! A reading command's answer (`latest`, `history`, `stats`, `convert`,
//! `conflicts`, `inputs`, `check`'s findings): its query's typed rows through its exporter, into
//! any writer. The command line and the server's `/api/` both come here with
//! the options `cli` made from their arguments, so their bytes are the same.

use std::io::Write;

use super::{check, conflicts, convert, inputs, quotes, stats, ConvertFormat, Format, HistoryFormat};
use crate::error::Result;
use crate::model::Instant;
use crate::query::{self, check::CheckOptions, convert::ConvertOptions, Listing};
use crate::selection::Selection;
use crate::store::Store;

/// A reading command as typed options, ready to answer.
pub enum Reading {
    Latest {
        selection: Selection,
        format: Format,
    },
    History {
        listing: Listing,
        format: HistoryFormat,
    },
    Stats {
        selection: Selection,
        format: Format,
    },
    Convert {
        options: ConvertOptions,
        format: ConvertFormat,
    },
    Conflicts {
        listing: Listing,
        format: Format,
    },
    /// `failed`: the fetches that gave no document instead of the inputs.
    Inputs {
        failed: bool,
        format: Format,
    },
    /// `check`'s findings past its limits (its integrity check is the command's own).
    Check {
        options: CheckOptions,
        format: Format,
    },
}

/// Writes the answer to `out` from a store already open. `now` counts
/// latest's ages (a command line's `made_at`).
pub fn write(store: &Store, reading: &Reading, now: Instant, out: &mut dyn Write) -> Result<()> {
    match reading {
        Reading::Latest { selection, format } => {
            let rows = query::latest::latest(store, selection)?;
            quotes::write_latest(out, *format, selection.cross, &rows, now)
        }
        Reading::History { listing, format } => quotes::write_history(out, *format, store, listing),
        Reading::Stats { selection, format } => {
            let rows = query::stats::stats(store, selection)?;
            stats::write_stats(out, *format, selection.cross, &rows)
        }
        Reading::Convert { options, format } => {
            let answer = query::convert::convert(store, options)?;
            convert::write_conversion(out, *format, options, &answer)
        }
        Reading::Conflicts { listing, format } => {
            let views = listing.selection.resolve(store)?;
            let rows = query::conflicts::conflicts(store, listing, &views)?;
            conflicts::write_conflicts(out, *format, &rows)
        }
        Reading::Inputs { failed: true, format } => inputs::write_failed(out, *format, &query::inputs::failed_fetches(store)?),
        Reading::Inputs { failed: false, format } => inputs::write_inputs(out, *format, &query::inputs::inputs(store)?),
        Reading::Check { options, format } => check::write_findings(out, *format, &query::check::findings(store, options)?),
    }
}
