//! `fxsnap chart`: the panels of each range (`crate::query::panels`), read
//! in one read transaction, handed to `crate::chart` to draw; `--ranges`
//! draws each range on a second thread while the next is read; a range
//! without observations gets a chart that says so (`query::panels::EmptyRange`).

use std::path::{Path, PathBuf};

use crate::chart::{self, ChartOptions};
use crate::cli::ChartArgs;
use crate::error::{Error, Result};
use crate::model::Instant;
use crate::query::panels::{caption, chart_error, check_vs, empty_panels, nothing_to_chart, range_chart, RangeChart};
use crate::store::Store;
use crate::timespec::{parse_ranges, RangeSpec};

/// The placeholder in `-o` that `--ranges` replaces with each range's name.
const RANGE_PLACEHOLDER: &str = "{range}";

/// One range to draw: its `--ranges` item (for `{range}`; None for the one
/// of `--from`/`--to`), and its ends.
struct Drawing {
    spec: Option<RangeSpec>,
    from: Option<Instant>,
    to: Option<Instant>,
}

pub fn run(db: &Path, args: &ChartArgs) -> Result<()> {
    chart::ImageFormat::from_path(&args.output).map_err(|e| Error::Usage(e.to_string()))?;
    let made = super::made_at()?;
    let ask = args.ask(made)?;
    let ranges = drawings(args, ask.selection.from, ask.selection.to, made)?;

    let store = Store::open_existing(db)?;
    let resolved = ask.selection.resolve_with_cross(&store)?;
    let (views, crosses) = (resolved.direct, resolved.cross);
    check_vs(&views, &crosses, ask.vs.as_ref())?;

    // One read transaction for every range's queries: one consistent
    // snapshot, and no per-query WAL lock and unlock. Each range's chart is
    // drawn on a second thread while the next range is read.
    let mut names = Vec::new();
    let mut warnings = Vec::new();
    let written = chart::render_files_while(|send| -> Result<()> {
        let snapshot = store.begin_read()?;
        for spec in &ranges {
            let what = spec.spec.as_ref().map(|r| format!(" (range {})", r.label)).unwrap_or_default();
            let path = match &spec.spec {
                Some(r) => PathBuf::from(args.output.to_string_lossy().replace(RANGE_PLACEHOLDER, &r.label)),
                None => args.output.clone(),
            };
            let (opts, panels) = match range_chart(&store, &views, &crosses, &ask, spec.from, spec.to, made)? {
                RangeChart::Drawn(opts, panels) => (opts, panels),
                RangeChart::Nothing => return Err(nothing_to_chart(&what, None)),
                RangeChart::Empty(empty) => {
                    // Under --ranges an empty range does not stop the others: its chart says so.
                    let Some(r) = &spec.spec else { return Err(nothing_to_chart(&what, Some(&empty))) };
                    warnings.push(format!("fxsnap: warning: range {}: {empty}; {} says so", r.label, path.display()));
                    let (t0, t1) = empty.span();
                    let opts = ChartOptions { t0, t1, note: Some(empty.to_string()), caption: caption(&[], made), ..ask.look.clone() };
                    (opts, empty_panels(&views, &crosses))
                }
            };
            names.push(what);
            if !send((opts, panels, path)) {
                break; // a chart failed: its error is the one reported
            }
        }
        snapshot.finish()
    });
    match written {
        Ok(()) => {
            for w in warnings {
                eprintln!("{w}");
            }
            Ok(())
        }
        Err(chart::Stopped::Caller(e)) => Err(e),
        Err(chart::Stopped::Chart(i, e)) => Err(chart_error(e, names.get(i).map_or("", String::as_str))),
    }
}

/// The ranges asked for: `--ranges` (each back from `--to`, or from the time the chart is made),
/// or the one of `--from`/`--to`.
fn drawings(args: &ChartArgs, from: Option<Instant>, to: Option<Instant>, made: Instant) -> Result<Vec<Drawing>> {
    let Some(list) = &args.ranges else {
        return Ok(vec![Drawing { spec: None, from, to }]);
    };
    if from.is_some() {
        return Err(Error::Usage("--ranges counts back from --to (or now): it does not go with --from".into()));
    }
    if !args.output.to_string_lossy().contains(RANGE_PLACEHOLDER) {
        return Err(Error::Usage(format!(
            "--ranges writes one file per range: put {RANGE_PLACEHOLDER} in the -o name (rates-{{range}}.png)"
        )));
    }
    let end = to.unwrap_or(made);
    let mut out = Vec::new();
    for spec in parse_ranges(list)? {
        out.push(Drawing { from: spec.start(end)?, to: Some(end), spec: Some(spec) });
    }
    Ok(out)
}
