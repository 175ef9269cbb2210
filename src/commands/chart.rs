//! `fxsnap chart`: the panels of each range (`crate::query::panels`), read
//! in one read transaction, handed to `crate::chart` to draw; `--ranges`
//! draws each range on a second thread while the next is read; a range
//! without observations gets a chart that says so (`query::panels::EmptyRange`).

use std::path::{Path, PathBuf};

use crate::chart::{self, ChartError, ChartOptions};
use crate::cli::{ChartArgs, ThemeArg};
use crate::error::{Error, Result};
use crate::model::{Instant, Source};
use crate::query::panels::{caption, chart_panels, empty_panels, range, snap_for, vs_panels, EmptyRange};
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
    let max = chart::MAX_SIDE;
    if args.width < 300 || args.height < 200 || args.width > max || args.height > max {
        return Err(Error::Usage(format!("--width {} --height {}: a chart is 300x200 to {max}x{max} pixels", args.width, args.height)));
    }
    if args.vs.is_some() && (args.index || args.log) {
        return Err(Error::Usage("--vs draws deviations in %: it does not go with --index or --log".into()));
    }
    let vs: Option<Source> = args.vs.as_deref().map(str::parse).transpose().map_err(|e: Error| Error::Usage(format!("--vs: {e}")))?;
    let made = super::made_at()?;
    let sel = args.select.selection()?;
    let ranges = drawings(args, sel.from, sel.to, made)?;

    let store = Store::open_existing(db)?;
    let resolved = sel.resolve_with_cross(&store)?;
    let (views, crosses) = (resolved.direct, resolved.cross);
    if vs.is_some() && !crosses.is_empty() {
        return Err(Error::Usage("--vs compares the sources' own quotes: it does not go with --cross".into()));
    }
    if let Some(r) = &vs {
        if !views.iter().any(|v| v.series.source == *r) {
            return Err(Error::NotFound(format!("--vs {r}: no observations from source '{r}' among the selected series")));
        }
    }

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
            let Some((t0, t1)) = range(&store, &views, &crosses, spec.from, spec.to, made)? else {
                let empty = EmptyRange::of(&store, &views, &crosses, spec.from, spec.to.unwrap_or(made))?;
                // Under --ranges an empty range does not stop the others: its chart says so.
                let Some(r) = &spec.spec else { return Err(nothing_to_chart(&what, Some(&empty))) };
                warnings.push(format!("fxsnap: warning: range {}: {empty}; {} says so", r.label, path.display()));
                let (t0, t1) = empty.span();
                let mut opts = options(args, t0, t1);
                opts.note = Some(empty.to_string());
                opts.caption = caption(&[], made);
                names.push(what);
                if !send((opts, empty_panels(&views, &crosses), path)) {
                    break;
                }
                continue;
            };
            let mut opts = options(args, t0, t1);
            let columns = chart::plot_columns(&opts);
            opts.snap = snap_for(&store, t0, t1, columns);
            let drawn = match &vs {
                None => chart_panels(&store, &views, &crosses, t0, t1, columns)?,
                Some(r) => vs_panels(&store, &views, r, t0, t1, columns, opts.snap)?,
            };
            let panels = drawn.panels;
            if panels.is_empty() {
                return Err(nothing_to_chart(&what, None));
            }
            opts.caption = caption(&drawn.sources, made);
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

/// The chart options of the command line, over `t0..=t1`.
fn options(args: &ChartArgs, t0: i64, t1: i64) -> ChartOptions {
    let mut opts = ChartOptions::new(t0, t1);
    opts.width = args.width;
    opts.height = args.height;
    opts.title = args.title.clone();
    opts.index = args.index;
    opts.log = args.log;
    opts.theme = ThemeArg::theme(args.theme);
    opts
}

fn chart_error(e: ChartError, what: &str) -> Error {
    match e {
        ChartError::NoData => nothing_to_chart(what, None),
        ChartError::Size { .. } => Error::Usage(e.to_string()),
        ChartError::NotPositive { .. } | ChartError::CannotRebase { .. } => Error::invalid(e.to_string()),
        other @ (ChartError::InvalidRange { .. }
        | ChartError::UnknownFormat { .. }
        | ChartError::Font
        | ChartError::Draw(_)
        | ChartError::Write { .. }
        | ChartError::Encode { .. }) => Error::Chart(other.to_string()),
    }
}

/// A chart with nothing to draw: why (the empty range and the newest date, when known).
fn nothing_to_chart(what: &str, empty: Option<&EmptyRange>) -> Error {
    let why = empty.map_or_else(|| "no observations in the range".to_string(), EmptyRange::to_string);
    Error::NotFound(format!("nothing to chart{what}: {why} (no file written)"))
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
