//! `fxsnap report`: a static HTML page of the store, for cron to regenerate
//! and any web server (or a browser from disk) to show. DESIGN "report".
//!
//! What the page holds, and where it comes from, so that it says what the
//! commands say:
//!
//! - the latest rate of each selected series: `query::latest` (the rows of
//!   `latest`), with the source's full name, the age and a stale mark past `--stale`;
//! - per pair, one chart per `--ranges` item, drawn in-process as SVG files
//!   beside `index.html` from the panels `fxsnap chart` builds ([`charts`]);
//! - the stats table: `query::stats` (the rows of `stats`);
//! - the newest conflicts: `query::conflicts`;
//! - each source's state: newest observation, last input, failed fetches (`query::sources`);
//! - the data behind it for other programs, `latest.json`, `latest.csv` and each pair's
//!   `history-PAIR.csv`, written by the commands' own exporters ([`data`]).
//!
//! Everything is read in one read transaction (one consistent snapshot).
//! The page needs no script, references nothing outside its folder and
//! fits a phone's width ([`html`], [`tables`]); the folder is replaced as a
//! whole ([`write`]).

pub mod charts;
pub mod data;
pub mod html;
pub mod tables;
pub mod write;

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::export::{conflicts::COLUMNS as CONFLICT_COLUMNS, fixed};
use crate::model::Instant;
use crate::precision::mark;
use crate::query::conflicts::ConflictRow;
use crate::query::panels::EmptyRange;
use crate::query::sources::{SourceState, FAILURES_SHOWN};
use crate::query::stats::StatsRow;
use crate::query::{self, Listing, Quote};
use crate::selection::Selection;
use crate::sources::full_name;
use crate::store::ConflictPolicy;
use crate::store::Store;
use crate::timespec::{ago, RangeSpec};

use html::{escape, Page};
use tables::{text, time_at, value_with, Column, Kind, Row, Table};
use write::ReportFile;

/// How many of the newest conflicts the page lists.
pub const CONFLICTS_SHOWN: usize = 20;

/// `--theme`: the page's colours and its charts'.
pub use crate::chart::Theme;

/// What the report is asked for, typed.
#[derive(Clone, Debug)]
pub struct Options {
    pub ranges: Vec<RangeSpec>,
    pub title: String,
    pub theme: Theme,
    /// A series whose newest observation is older than this (seconds) is stale.
    pub stale_secs: i64,
    /// `--stale` as given (`7d`), for the page's words.
    pub stale_label: String,
    pub now: Instant,
}

/// Reads the store and makes the report's files: `index.html` first, then the data files and the charts.
/// Also a one-line summary for the command to print (`15 series, 10 charts, 2 stale`).
pub fn build(store: &Store, sel: &Selection, opts: &Options) -> Result<(Vec<ReportFile>, String)> {
    let snapshot = store.begin_read()?;
    let gathered = gather(store, sel, opts);
    snapshot.finish()?;
    let g = gathered?;
    let mut files = vec![ReportFile { name: "index.html".into(), bytes: page(&g, sel, opts).into_bytes() }];
    files.extend(g.data.into_iter().map(|d| d.file));
    for pc in g.charts {
        for f in pc.figures {
            if let Some((name, svg)) = f.svg {
                files.push(ReportFile { name, bytes: svg.into_bytes() });
            }
        }
    }
    let reference = sel.to.unwrap_or(opts.now);
    let stale = g.latest.iter().filter(|r| reference.unix() - r.obs.at.unix() > opts.stale_secs).count();
    let charts = files.iter().filter(|f| f.name.ends_with(".svg")).count();
    let summary = format!("{} series, {charts} charts, {stale} stale (older than {})", g.latest.len(), opts.stale_label);
    Ok((files, summary))
}

/// Everything the page shows, read from one snapshot.
struct Gathered {
    /// `--cross`: the tables have a `via` column.
    cross: bool,
    latest: Vec<Quote>,
    stats: Vec<StatsRow>,
    conflicts: Vec<ConflictRow>,
    charts: Vec<charts::PairCharts>,
    sources: Vec<SourceState>,
    /// `latest.json`, `latest.csv` and each pair's history ([`data`]).
    data: Vec<data::DataFile>,
}

fn gather(store: &Store, sel: &Selection, opts: &Options) -> Result<Gathered> {
    let resolved = sel.resolve_with_cross(store)?;
    if resolved.direct.is_empty() && resolved.cross.is_empty() {
        return Err(Error::NotFound("nothing to report: the store has no observations (no folder written)".into()));
    }
    let listing = Listing { selection: sel.clone() };
    let latest = query::latest::latest_of(store, sel, &resolved)?;
    let charts = charts::pair_charts(store, sel, &resolved, &opts.ranges, opts.now, opts.theme)?;
    let mut data = data::latest(sel, &latest, opts.now)?;
    let end = sel.to.unwrap_or(opts.now);
    let from = data::longest_from(&opts.ranges, sel, end)?;
    for pc in &charts {
        data.push(data::history(store, sel, pc.pair, from, end)?);
    }
    Ok(Gathered {
        cross: sel.cross,
        latest,
        stats: query::stats::stats_of(store, sel, &resolved)?,
        conflicts: query::conflicts::conflicts(store, &listing, &resolved.direct)?,
        charts,
        sources: query::sources::states(store, sel)?,
        data,
    })
}

fn page(g: &Gathered, sel: &Selection, opts: &Options) -> String {
    let mut p = Page::new(&opts.title, opts.theme);
    let reference = sel.to.unwrap_or(opts.now);
    let stale: Vec<&Quote> = g.latest.iter().filter(|r| reference.unix() - r.obs.at.unix() > opts.stale_secs).collect();

    let shown_sources = g.latest.iter().map(|r| r.source()).collect::<std::collections::BTreeSet<_>>().len();
    let mut head = String::new();
    let _ = writeln!(head, "<header>\n<h1>{}</h1>", escape(&opts.title));
    let _ = writeln!(
        head,
        "<p class=\"summary\">{} series from {} source{}; made {} UTC{}.</p>",
        g.latest.len(),
        shown_sources,
        if shown_sources == 1 { "" } else { "s" },
        time_at(opts.now),
        match sel.to {
            Some(t) => format!(", as of {}", time_at(t)),
            None => String::new(),
        }
    );
    if stale.is_empty() {
        let _ = writeln!(head, "<p class=\"fresh\">No series is older than {}.</p>", escape(&opts.stale_label));
    } else {
        // Grouped by source: a dead feed is one line, not one per pair.
        let mut by_source: std::collections::BTreeMap<&str, (Vec<String>, Instant)> = std::collections::BTreeMap::new();
        for r in &stale {
            let e = by_source.entry(r.source().as_str()).or_insert_with(|| (Vec::new(), r.obs.at));
            e.0.push(r.shown.to_string());
            e.1 = e.1.max(r.obs.at);
        }
        let names: Vec<String> = by_source
            .iter()
            .map(|(src, (pairs, newest))| format!("{src}: {} (newest {})", pairs.join(", "), tables::short_time(*newest)))
            .collect();
        let _ = writeln!(
            head,
            "<p class=\"stale-note\"><strong>{} stale</strong> (newest observation older than {}): {}.</p>",
            stale.len(),
            escape(&opts.stale_label),
            escape(&names.join("; "))
        );
    }
    head.push_str(
        "<nav aria-label=\"Sections\"><ul><li><a href=\"#latest\">Latest rates</a></li><li><a href=\"#charts\">Charts</a></li>\
         <li><a href=\"#stats\">Statistics</a></li><li><a href=\"#conflicts\">Conflicts</a></li><li><a href=\"#sources\">Sources</a></li><li><a href=\"#data\">Data</a></li></ul></nav>\n</header>\n<main>\n",
    );
    p.push(&head);
    p.push(&latest_section(g, opts, reference));
    p.push(&charts_section(g));
    p.push(&stats_section(g));
    p.push(&conflicts_section(g));
    p.push(&sources_section(g, reference));
    p.push(&data_section(g));
    p.push(&format!(
        "</main>\n<footer>\n<p>Made by fxsnap {} at {} UTC. All times are UTC. Rates are shown exactly as their sources \
         quoted them (inverses and cross rates to 10 significant digits); ±N% marks a value quoted with less than 2% precision.</p>\n</footer>\n",
        env!("CARGO_PKG_VERSION"),
        time_at(opts.now)
    ));
    p.finish()
}

fn latest_section(g: &Gathered, opts: &Options, reference: Instant) -> String {
    let via = g.cross;
    let mut columns = vec![
        Column::new("pair", Some("pair"), Kind::Text),
        Column::new("rate", Some("rate"), Kind::Num),
        Column::new("change %", Some("change_pct"), Kind::Num),
        Column::new("source", Some("source"), Kind::Text),
    ];
    if via {
        columns.push(Column::new("via", Some("via"), Kind::Text));
    }
    columns.extend([
        Column::new("quoted", Some("quoted"), Kind::Text),
        Column::new("time (UTC)", Some("timestamp"), Kind::Text),
        Column::new("age", None, Kind::Num),
        Column::new("state", None, Kind::Text),
    ]);
    let mut t = Table::new("latest-table", columns);
    t.caption = Some(format!("Stale: the newest observation is older than {} (before {} UTC).", opts.stale_label, {
        tables::short_time(Instant::from_unix(reference.unix() - opts.stale_secs))
    }));
    for r in &g.latest {
        let secs = reference.unix() - r.obs.at.unix();
        let is_stale = secs > opts.stale_secs;
        let prec = r.precision_pct().map(|p| format!(" <span class=\"prec\">{}</span>", escape(&mark(p)))).unwrap_or_default();
        let src = r.source().as_str();
        let mut cells = vec![
            text(&r.shown.to_string()),
            value_with(&r.rate().to_string(), &prec),
            text(&r.change().map(|c| c.to_string()).unwrap_or_default()),
            value_with(src, &format!(" <span class=\"name\">{}</span>", escape(full_name(src)))),
        ];
        if via {
            cells.push(text(&r.via.map(|c| c.to_string()).unwrap_or_default()));
        }
        // The published quote behind a computed rate, as `latest` writes it.
        cells.push(text(crate::export::quotes::Shape::quoted(r).text()));
        cells.push(time_at(r.obs.at));
        cells.push(escape(&ago(secs)));
        cells.push(if is_stale { "<span class=\"stale\">⚠ stale</span>".into() } else { "<span class=\"fresh\">current</span>".into() });
        t.rows.push(Row { class: is_stale.then_some("is-stale"), cells });
    }
    format!("<section id=\"latest\">\n<h2>Latest rates</h2>\n{}</section>\n", t.html())
}

fn charts_section(g: &Gathered) -> String {
    let mut s = String::from("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for pc in &g.charts {
        let pair = pc.pair.to_string();
        let id = pair.to_ascii_lowercase().replace('/', "-");
        let meaning = crate::chart::meaning::meaning(pc.pair.base.as_str(), pc.pair.quote.as_str());
        let meaning = format!(" <span class=\"name-inline\">— {}</span>", escape(&meaning));
        let _ = writeln!(s, "<section id=\"chart-{id}\">\n<h3>{}{meaning}</h3>", escape(&pair));
        let drawn: Vec<(&charts::Figure, &String)> = pc.figures.iter().filter_map(|f| f.svg.as_ref().map(|(name, _)| (f, name))).collect();
        if !drawn.is_empty() {
            s.push_str("<div class=\"charts\">\n");
        }
        for (f, name) in &drawn {
            let caption = format!("{} · {}", capitalize(&f.range.describe()), f.span);
            let _ = writeln!(
                s,
                "<figure><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"><figcaption>{}</figcaption></figure>",
                escape(name),
                escape(&f.alt),
                charts::CHART_WIDTH,
                charts::CHART_HEIGHT,
                escape(&caption)
            );
        }
        if !drawn.is_empty() {
            s.push_str("</div>\n");
        }
        if let Some(line) = empty_ranges_line(&pc.figures) {
            let _ = writeln!(s, "<p class=\"empty-ranges\">{}</p>", escape(&line));
        }
        s.push_str("</section>\n");
    }
    s.push_str("</section>\n");
    s
}

/// The ranges of one pair without observations, in one line instead of a box each: `Last 7
/// days, last 30 days: no observations between 2026-11-03 and 2026-12-03; the newest is from
/// 2026-05-24.` (the widest of them, whose start is the earliest).
fn empty_ranges_line(figures: &[charts::Figure]) -> Option<String> {
    let empty: Vec<(&charts::Figure, &EmptyRange)> = figures.iter().filter_map(|f| f.empty.as_ref().map(|e| (f, e))).collect();
    let widest = empty.iter().map(|(_, e)| e).min_by_key(|e| e.from.map_or(i64::MIN, |f| f.unix()))?;
    let names: Vec<String> = empty.iter().map(|(f, _)| f.range.describe()).collect();
    Some(format!("{}: {widest}.", capitalize(&names.join(", "))))
}

/// The files beside the page that other programs read, each linked with what it holds.
fn data_section(g: &Gathered) -> String {
    let mut s = String::from("<section id=\"data\">\n<h2>Data</h2>\n<p>The rows behind this page, for other programs:</p>\n<ul>\n");
    for d in &g.data {
        let name = escape(&d.file.name);
        let _ = writeln!(s, "<li><a href=\"{name}\">{name}</a>: {}</li>", escape(&d.what));
    }
    s.push_str("</ul>\n</section>\n");
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn stats_section(g: &Gathered) -> String {
    let via = g.cross;
    // Each of first, last, min and max shows its value with its date under it: one cell, two columns.
    let paired: [(&'static str, &'static str, &str); 4] = [
        ("first", "first_timestamp", "first"),
        ("last", "last_timestamp", "last"),
        ("min", "min_timestamp", "min"),
        ("max", "max_timestamp", "max"),
    ];
    let mut columns = vec![
        Column::new("pair", Some("pair"), Kind::Text),
        Column::new("source", Some("source"), Kind::Text),
        Column::new("count", Some("count"), Kind::Num),
    ];
    columns.extend(paired.iter().map(|(_, _, l)| Column::new(l, None, Kind::Num)));
    columns.push(Column::new("change %", Some("change_pct"), Kind::Num));
    columns.push(Column::new("largest gap", Some("largest_gap"), Kind::Num));
    if via {
        columns.push(Column::new("via", Some("via"), Kind::Text));
    }
    let mut t = Table::new("stats-table", columns);
    t.wide = true;
    t.caption = Some(
        "Each value with the time it was observed; change % is first to last; min and max compare exact values (the earliest wins a tie)."
            .into(),
    );
    for r in &g.stats {
        let mut cells = vec![text(&r.shown.to_string()), text(r.source.as_str()), text(&r.count.to_string())];
        for ((value, at, _), point) in paired.into_iter().zip([&r.first, &r.last, &r.min, &r.max]) {
            cells.push(tables::value_and_time(value, at, point.as_ref()));
        }
        cells.push(text(&r.change_pct.map(fixed).unwrap_or_default()));
        cells.push(text(&r.largest_gap_secs.map(ago).unwrap_or_default()));
        if via {
            cells.push(text(&r.via.map(|c| c.to_string()).unwrap_or_default()));
        }
        t.rows.push(Row { class: None, cells });
    }
    format!("<section id=\"stats\">\n<h2>Statistics</h2>\n{}</section>\n", t.html())
}

fn conflicts_section(g: &Gathered) -> String {
    let mut s = String::from("<section id=\"conflicts\">\n<h2>Conflicts</h2>\n");
    if g.conflicts.is_empty() {
        s.push_str("<p>No conflicts logged: no stored value ever met a different one.</p>\n</section>\n");
        return s;
    }
    let spec: &[(&'static str, &str, Kind)] = &[
        ("pair", "pair", Kind::Text),
        ("source", "source", Kind::Text),
        ("timestamp", "time (UTC)", Kind::Text),
        ("kept", "kept", Kind::Num),
        ("dropped", "not kept", Kind::Num),
        ("kept_change_pct", "kept change %", Kind::Num),
        ("dropped_change_pct", "not kept change %", Kind::Num),
        ("policy", "policy", Kind::Text),
        ("kept_input", "kept from", Kind::Long),
        ("dropped_input", "not kept from", Kind::Long),
        ("logged_at", "logged (UTC)", Kind::Text),
    ];
    let mut t = Table::new("conflicts-table", spec.iter().map(|(k, l, kind)| Column::new(l, Some(k), *kind)).collect());
    t.wide = true;
    let n = g.conflicts.len();
    t.caption = Some(if n > CONFLICTS_SHOWN {
        format!("The {CONFLICTS_SHOWN} newest of {n} conflicts, newest first; `fxsnap conflicts` lists them all.")
    } else if n == 1 {
        "The one conflict logged.".into()
    } else {
        format!("All {n} conflicts, newest first.")
    });
    for r in g.conflicts.iter().rev().take(CONFLICTS_SHOWN) {
        // A conflict logged before version 2 names only the input of the new
        // value (`input`): kept under replace, not kept otherwise.
        let (kept_in, dropped_in) = (r.kept_input.as_deref().unwrap_or(""), r.dropped_input.as_deref().unwrap_or(""));
        let old = (kept_in.is_empty() && dropped_in.is_empty()).then_some(r.input.as_str()).filter(|i| !i.is_empty());
        let new_value_side = if r.policy == ConflictPolicy::Replace { "kept_input" } else { "dropped_input" };
        let cells = spec
            .iter()
            .map(|(k, _, _)| {
                if let (Some(input), true) = (old, *k == new_value_side) {
                    return format!("{} <span class=\"name\">(the new value; logged before inputs were recorded)</span>", text(input));
                }
                conflict_cell(r, k)
            })
            .collect();
        t.rows.push(Row { class: None, cells });
    }
    s.push_str(&t.html());
    s.push_str("</section>\n");
    s
}

/// A value as published, under the computed one it is shown as (nothing when shown as published).
fn published(o: Option<&crate::model::Observation>) -> String {
    let quoted = crate::export::conflicts::quoted(o);
    if quoted.text().is_empty() {
        return String::new();
    }
    format!(" <span class=\"name\">{}</span>", escape(quoted.text()))
}

/// A conflict's cell under its command column `key` (one of [`CONFLICT_COLUMNS`]).
fn conflict_cell(r: &ConflictRow, key: &str) -> String {
    debug_assert!(CONFLICT_COLUMNS.contains(&key), "{key}");
    let change = |c: &Option<crate::model::Change>| text(&c.as_ref().map(|c| c.to_string()).unwrap_or_default());
    match key {
        "timestamp" => time_at(r.at),
        "logged_at" => time_at(r.logged_at),
        "pair" => text(&r.shown.to_string()),
        "source" => text(r.source.as_str()),
        // A computed value with its published quote under it (`kept_quoted`, `dropped_quoted`).
        "kept" => value_with(&r.kept.to_string(), &published(r.kept_quoted.as_ref())),
        "dropped" => value_with(&r.dropped.to_string(), &published(r.dropped_quoted.as_ref())),
        "kept_change_pct" => change(&r.kept_change),
        "dropped_change_pct" => change(&r.dropped_change),
        "policy" => text(r.policy.as_str()),
        "input" => text(&r.input),
        "kept_input" => text(r.kept_input.as_deref().unwrap_or("")),
        "dropped_input" => text(r.dropped_input.as_deref().unwrap_or("")),
        _ => String::new(),
    }
}

fn sources_section(g: &Gathered, reference: Instant) -> String {
    let columns = vec![
        Column::new("source", Some("source"), Kind::Text),
        Column::new("series", None, Kind::Num),
        Column::new("newest observation", None, Kind::Text),
        Column::new("last input", None, Kind::Long),
        Column::new("input seen (UTC)", None, Kind::Text),
        Column::new("input stored (UTC)", None, Kind::Text),
        Column::new("failed fetches", None, Kind::Long),
    ];
    let mut t = Table::new("sources-table", columns);
    t.wide = true;
    let recorded = g.sources.iter().any(|s| s.recorded);
    t.caption = Some(if recorded {
        format!(
            "Last input: of the inputs that brought each series' newest observation, the one stored last. \
             Failed fetches: the {} newest; `fxsnap inputs --failed` lists them all.",
            FAILURES_SHOWN
        )
    } else {
        "This store keeps no input log or fetch failures (a version 1 store): the first `fxsnap ingest` or `fetch` upgrades it.".into()
    });
    for s in &g.sources {
        let label = s.source.as_str();
        let newest = match s.last_observation {
            Some(at) => format!("{} <span class=\"name\">{} ago</span>", time_at(at), escape(&ago(reference.unix() - at.unix()))),
            None => "none".into(),
        };
        let (input, seen, stored) = match (&s.last_input, s.recorded) {
            (Some(i), _) => (text(&i.name), time_at(i.observed), time_at(i.ingested)),
            (None, true) => ("none recorded".into(), String::new(), String::new()),
            (None, false) => ("not recorded".into(), String::new(), String::new()),
        };
        let failures = if !s.recorded {
            "not recorded".into()
        } else if s.failures.is_empty() {
            "none".into()
        } else {
            let mut f = String::new();
            for x in &s.failures {
                let _ = write!(f, "<span class=\"stale\">{}</span> {}: {}<br>", time_at(x.at), text(&x.url), text(&x.reason));
            }
            if s.failures_total > s.failures.len() {
                let _ = write!(f, "<span class=\"name\">{} in all; `fxsnap inputs --failed` lists them</span>", s.failures_total);
            }
            f
        };
        let cells = vec![
            value_with(label, &format!(" <span class=\"name\">{}</span>", escape(full_name(label)))),
            s.series.to_string(),
            newest,
            input,
            seen,
            stored,
            failures,
        ];
        t.rows.push(Row { class: None, cells });
    }
    format!("<section id=\"sources\">\n<h2>Sources</h2>\n{}</section>\n", t.html())
}
