//! The command line (DESIGN.md "Command line"), as clap definitions. The
//! commands turn these raw arguments into typed options before any work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::export::reading::Reading;
use crate::model::Instant;
pub use crate::options::{
    ChartArgs, CheckArgs, ConvertArgs, ConvertFormatArg, DbArg, FormatArg, HistoryFormatArg, InputsArgs, ReadArgs, SelectArgs, ThemeArg,
};
use crate::selection::{Pairs, Selection};

#[derive(Parser, Debug)]
#[command(
    name = "fxsnap",
    version,
    about = "A time-series store for exchange-rate ticker snapshots, with charts",
    long_about = "fxsnap keeps every exchange-rate observation exactly and once in an SQLite file, \
                  de-duplicated by (source, pair, timestamp), and draws charts from it.",
    after_help = "Examples:\n  curl -s https://timesca.com/ | fxsnap ingest -\n  fxsnap latest\n  fxsnap chart -o rates.png --from 2y"
)]
pub struct Cli {
    /// The database file, for the commands that use one (also accepted after the command)
    /// [default: $XDG_DATA_HOME/fxsnap/rates.db]
    #[arg(long, env = "FXSNAP_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The configuration file (TOML: db, [defaults], [serve], [check]), before or after the command; `fxsnap config`
    /// shows what is in force
    /// [default: $XDG_CONFIG_HOME/fxsnap/config.toml, read when it exists]
    #[arg(long, global = true, env = "FXSNAP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Store ticker pages (text or HTML) and CSV files
    #[command(after_help = "Examples:\n  \
        curl -s https://timesca.com/ | fxsnap ingest -\n  \
        fxsnap ingest data/pages data/history\n  \
        fxsnap ingest --dry-run -v --at 2024-09-15 saved-page.html")]
    Ingest(IngestArgs),
    /// The newest observation of each series
    #[command(after_help = "Examples:\n  fxsnap latest\n  fxsnap latest --pair KZT,UZS --invert\n  fxsnap latest --format json")]
    Latest(ReadArgs),
    /// Observations in a range, ordered by time then pair
    #[command(after_help = "Examples:\n  \
        fxsnap history --pair KZT --from 90d\n  \
        fxsnap history --pair USD/KZT --source nbu --from 2015-08-01 --to 2015-08-31\n  \
        fxsnap history --format csv > backup.csv")]
    History(ReadArgs<HistoryFormatArg>),
    /// Per series: count, first, last, min, max, change, largest gap
    ///
    /// Values are in the shown direction (USD/XXX under --invert): exact where stored that way,
    /// otherwise the inverse to 10 significant digits. min and max compare exact values; on a tie
    /// the earliest observation wins.
    ///
    /// change_pct = (last / first - 1) x 100 from the exact stored values, rounded to 4 decimal
    /// places, ties to even, and printed with 4 decimals; largest_gap = the largest time between two
    /// consecutive observations in whole days or hours, rounded down ("31 days", "2 days 5 h",
    /// "6 h"; empty with fewer than two). A selected series with no observation in the range has
    /// count 0 and empty fields.
    #[command(
        after_help = "Examples:\n  fxsnap stats\n  fxsnap stats --pair KZT --invert --from 2015-01-01 --to 2015-12-31\n  fxsnap stats --format csv"
    )]
    Stats(ReadArgs),
    /// Convert an amount through USD with the newest rates at or before a time
    ///
    /// Each leg (FROM against USD, TO against USD) is the newest observation at or before --at
    /// (default now; a bare date means the end of that day). Without --source the newest across
    /// sources is used; on a tie in time, the source first in alphabetical order. A leg older than
    /// 7 days before --at is marked stale.
    ///
    /// The arithmetic is decimal, from the exact stored rates: AMOUNT x (1 FROM in USD) / (1 TO in
    /// USD). The result is rounded to 10 significant digits (ties to even; digits before the
    /// decimal point are never rounded away).
    #[command(
        after_help = "Examples:\n  fxsnap convert 1000 KZT UZS\n  fxsnap convert 1000 KZT UZS --at 2020-01-01 --source nbu\n  fxsnap convert 50 USD TJS --format json"
    )]
    Convert(ConvertArgs),
    /// Draw a PNG or SVG chart
    #[command(
        after_help = "Examples:\n  fxsnap chart -o rates.png\n  fxsnap chart -o kzt.svg --pair KZT --invert --from 2y\n  fxsnap chart -o index.png --index --from 2015-01-01"
    )]
    Chart(ChartArgs),
    /// Write a static HTML report (charts, latest rates, stats, conflicts, sources) to a folder
    ///
    /// DIR/index.html and one SVG per pair and range. DIR is replaced as a whole, atomically: it is
    /// built beside DIR and swapped into place, so a web server never serves half a report, and a
    /// failed run leaves the previous one. A folder that has other files and is not a report is
    /// never replaced. Ages, stale marks and the ranges count from now, or from SOURCE_DATE_EPOCH
    /// when it is set (the same store then gives the same folder, byte for byte).
    #[command(after_help = "Examples:\n  \
        fxsnap report -o /var/www/rates\n  \
        fxsnap report -o site --ranges 7d,90d,all --title 'Central Asian rates' --theme dark\n  \
        fxsnap report -o site --pair all --stale 2d")]
    Report(ReportArgs),
    /// The conflict log: values that were not kept, with the input of each value
    #[command(after_help = "Examples:\n  fxsnap conflicts\n  fxsnap conflicts --format csv")]
    Conflicts(ReadArgs),
    /// The inputs recorded, newest first: name, size, SHA-256, reader, times, counts
    #[command(after_help = "Examples:\n  fxsnap inputs\n  fxsnap inputs --format csv\n  fxsnap inputs --failed")]
    Inputs(InputsArgs),
    /// Remove observations, after writing them to standard output as CSV (so `fxsnap ingest -` puts them back)
    ///
    /// At least one filter is required. The filters combine: --input 12 --pair KZT deletes only the KZT/USD
    /// observations input 12 brought. Without --pair every pair is selected (not only the five the reading
    /// commands show). The removed rows are written first, in the CSV exchange format of `history --pair all
    /// --format csv` (as stored, with their source), then deleted in one transaction; the rollups charts read
    /// are rebuilt. The conflict log and the records of `fxsnap inputs` are kept.
    #[command(after_help = "Examples:\n  \
        fxsnap delete --dry-run --source nbu --from 2015-08-01 --to 2015-08-31\n  \
        fxsnap delete --input 1 > removed.csv\n  \
        fxsnap ingest removed.csv")]
    Delete(DeleteArgs),
    /// Check the database: SQLite's integrity check and the store's invariants
    ///
    /// With --max-age or --max-move, also the limits a cron job alerts on: exit 4 when a selected
    /// series' newest observation is too old or a series moved too much between two consecutive
    /// observations, one line per finding (with --format csv, json or jsonl, one row per finding on standard
    /// output). Integrity problems exit 1 first.
    #[command(
        after_help = "Examples:\n  fxsnap check\n  fxsnap --db /var/lib/fxsnap/rates.db check\n  fxsnap check --max-age 2d --max-move 5% || echo \"alert: fxsnap check exited $?\""
    )]
    Check(CheckArgs),
    /// Fetch the built-in sources' documents over HTTP and store them
    ///
    /// Each response is one input named by its URL and observed at its Date header. A URL that
    /// names a date and was already ingested is not asked again (--refetch asks). One request at a
    /// time, --delay apart per host; 3 retries with back-off on connection errors, timeouts, 429
    /// and 5xx. FXSNAP_<SOURCE>_ORIGIN=http://HOST:PORT replaces a source's scheme, host and port.
    #[command(after_help = "Examples:\n  \
        fxsnap fetch -q --archive ~/fxsnap/responses.warc.gz\n  \
        fxsnap fetch nbk cbr --from 2025-01-01 --to 2025-12-31\n  \
        fxsnap fetch --dry-run nbkr --date 2026-05-20")]
    Fetch(FetchArgs),
    /// Answer HTTP requests from the store: the Frankfurter API, metrics
    ///
    /// Only reads: fetch and ingest keep writing the store while it serves, and every answer
    /// comes from one committed state of it. Runs until SIGTERM or SIGINT, then finishes the
    /// requests in flight (10 s at most) and exits 0; exits 1 when an address cannot be listened on.
    #[command(after_help = "Examples:\n  \
        fxsnap serve\n  \
        fxsnap serve --listen 0.0.0.0:8080 --access-log\n  \
        curl 'http://127.0.0.1:8080/v1/latest?base=USD&symbols=KZT,UZS'")]
    Serve(ServeArgs),
    /// Print the settings in force and where each came from (command line, environment, config file, default)
    ///
    /// The configuration file is TOML: `db`; under [defaults] `source`, `pair`, `invert`, `cross`, `theme`; under
    /// [serve] `listen`, `prefer`; under [check] `max_age`, `max_move`. A list is an array or one string. The command
    /// line wins over the environment, which wins over the file, which wins over the built-in defaults.
    #[command(after_help = "Examples:\n  fxsnap config\n  fxsnap --config ~/fxsnap.toml config\n  FXSNAP_DB=/tmp/r.db fxsnap config")]
    Config(ConfigArgs),
    /// Copy the store while others write and read it: consistent, checked, renamed into place
    ///
    /// SQLite's online backup of one committed state, written beside FILE, checked (SQLite's
    /// integrity check), then renamed over FILE, so FILE is always a whole store. On failure FILE
    /// is left as it was and one line names it (exit 1). To restore: stop the writers (fetch,
    /// ingest, delete) and serve, put the copy in place of the store, start them again.
    #[command(after_help = "Examples:\n  \
        fxsnap backup -q /var/backups/fxsnap/rates.db\n  \
        fxsnap --db /var/lib/fxsnap/rates.db backup rates-$(date +%F).db")]
    Backup(BackupArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  source <(fxsnap completions bash)\n  fxsnap completions zsh > ~/.zfunc/_fxsnap")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  fxsnap man > fxsnap.1\n  fxsnap man | man -l -")]
    Man,
}

impl Command {
    /// The `--db` given after the command, for the commands that open the
    /// database; None for those that open none (they do not offer `--db`).
    pub fn db_arg(&self) -> Option<&DbArg> {
        match self {
            Command::Ingest(a) => Some(&a.db),
            Command::Latest(a) | Command::Stats(a) | Command::Conflicts(a) => Some(&a.db),
            Command::History(a) => Some(&a.db),
            Command::Convert(a) => Some(&a.db),
            Command::Chart(a) => Some(&a.db),
            Command::Report(a) => Some(&a.db),
            Command::Check(a) => Some(&a.db),
            Command::Fetch(a) => Some(&a.db),
            Command::Inputs(a) => Some(&a.db),
            Command::Delete(a) => Some(&a.db),
            Command::Serve(a) => Some(&a.db),
            Command::Config(a) => Some(&a.db),
            Command::Backup(a) => Some(&a.db),
            Command::Completions { .. } | Command::Man => None,
        }
    }

    /// A reading command (`latest`, `history`, `stats`, `convert`, `conflicts`,
    /// `inputs`, `check`'s findings) as the typed options its answer is written
    /// from; `now` is convert's default `--at` (check counts from the clock,
    /// as its command does). Any other command is a usage error.
    pub fn reading(&self, now: Instant) -> Result<Reading> {
        match self {
            Command::Latest(a) => a.latest(now),
            Command::History(a) => a.reading(now),
            Command::Stats(a) => a.stats(now),
            Command::Convert(a) => a.reading(now),
            Command::Conflicts(a) => a.conflicts_reading(now),
            Command::Inputs(a) => Ok(a.reading()),
            Command::Check(a) => a.reading(crate::timespec::now()),
            _ => Err(Error::Usage("not a reading command: latest, history, stats, convert, conflicts, inputs or check".into())),
        }
    }
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Files, folders (every file below, in path order, hidden files skipped) or - for standard input [default: -]
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The time of every page's snapshot (CSV rows carry their own): YYYY-MM-DD (midnight UTC), RFC 3339 with Z or an
    /// offset, now, or a span back from now (36h, 90d, 12w, 6m, 2y); at most 7 days after now
    /// [default: the page's date line, else the file's modification time, else now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The source label of pages, and of CSV files without a source column (1-64 letters, digits, '-', '_' or '.')
    /// [default: timesca]
    #[arg(long)]
    pub source: Option<String>,
    /// What to do when a stored key meets a different value
    #[arg(long, value_enum, default_value = "keep")]
    pub on_conflict: OnConflict,
    /// No summary line
    #[arg(short, long)]
    pub quiet: bool,
    /// Read every input and say what it would store (new, duplicate, conflict per input), writing nothing and creating
    /// no database
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: every row too (its time, pair, rate, change and source; for a conflict, the value it meets)
    #[arg(short, long, requires = "dry_run")]
    pub verbose: bool,
    #[command(flatten)]
    pub db: DbArg,
}

/// `fxsnap backup FILE`.
#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The copy to write (replaced atomically when it exists; its folder must exist)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Nothing on success (otherwise one line on standard error: what was copied where)
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// Sources to fetch: timesca nbk nbkr cbu nbt cbt cbr, or official for the six central banks
    /// (any case) [default: all; with past dates all but timesca, which has no archive]
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// One past day: YYYY-MM-DD
    #[arg(long, value_name = "D", conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// First day of a range (inclusive): YYYY-MM-DD or a span back such as 30d
    #[arg(long, value_name = "D")]
    pub from: Option<String>,
    /// Last day of the range (inclusive) [default: today]
    #[arg(long, value_name = "D", requires = "from")]
    pub to: Option<String>,
    /// What to do when a stored key meets a different value [default: newest]
    #[arg(long, value_enum)]
    pub on_conflict: Option<OnConflict>,
    /// Ask again for dated documents already ingested
    #[arg(long)]
    pub refetch: bool,
    /// Print the URLs that would be fetched; touch nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Append every response to this WARC 1.1 file (gzip per record) before ingesting it; a folder (DIR/) gets one file per month, DIR/fxsnap-YYYY-MM.warc.gz
    #[arg(long, value_name = "FILE.warc.gz|DIR/")]
    pub archive: Option<PathBuf>,
    /// Limit for a whole response, in seconds (60, 0.5s, 500ms, 2m)
    #[arg(long, value_name = "DUR", default_value = "60")]
    pub timeout: String,
    /// Least time between two requests to one host
    #[arg(long, value_name = "DUR", default_value = "0.5")]
    pub delay: String,
    /// No summary line (failures are still reported)
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: DbArg,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Only the observations this input brought: its ID from `fxsnap inputs`; repeatable or comma-separated
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub input: Vec<i64>,
    /// Only these pairs: KZT/USD, USD/KZT or KZT (the same series), any pair such as KZT/KGS, or `all`, any case;
    /// repeatable or comma-separated [default: every pair]
    #[arg(long, value_name = "P")]
    pub pair: Vec<String>,
    /// Only these sources (nbk, timesca, ...; any case; `official` for the six central banks); repeatable or
    /// comma-separated [default: all]
    #[arg(long, value_name = "S")]
    pub source: Vec<String>,
    /// From this time (inclusive): YYYY-MM-DD (its start), RFC 3339 with Z or an offset, now, or a span back from now
    /// (36h, 90d, 12w, 6m, 2y)
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// To this time (inclusive): the same forms as --from (YYYY-MM-DD means the end of that day)
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// Only write out what would be deleted; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DbArg,
}

/// What `delete` removes, typed before the store is opened: a selection of
/// stored series (every pair unless `--pair` names some) and range, and the
/// inputs whose rows only.
#[derive(Clone, Debug)]
pub struct DeleteOptions {
    pub selection: Selection,
    pub inputs: Vec<crate::store::InputId>,
}

impl DeleteArgs {
    /// The typed filter: at least one of the filters must be given.
    pub fn options(&self, now: Instant) -> Result<DeleteOptions> {
        if self.pair.is_empty() && self.source.is_empty() && self.from.is_none() && self.to.is_none() && self.input.is_empty() {
            return Err(Error::Usage(
                "delete needs a filter: give at least one of --input ID (see `fxsnap inputs`), --source, --pair, --from, --to \
                 (--pair all selects every observation)"
                    .into(),
            ));
        }
        let select = SelectArgs {
            pair: self.pair.clone(),
            source: self.source.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            invert: false,
            no_invert: false,
            cross: false,
            no_cross: false,
        };
        let mut selection = select.selection(now)?;
        if selection.pairs == Pairs::TheFive {
            // No --pair: every pair. A delete limited to the five by default
            // would leave the rest of a mistake behind.
            selection.pairs = Pairs::All;
        }
        Ok(DeleteOptions { selection, inputs: self.input.iter().map(|i| crate::store::InputId::new(*i)).collect() })
    }
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The report folder (DIR/index.html and its charts), replaced as a whole
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub select: SelectArgs,
    /// The ranges charted, comma-separated: spans back from --to or now (36h, 30d, 12w, 6m, 2y) or all
    #[arg(long, value_name = "R,...", default_value = "30d,1y,all")]
    pub ranges: String,
    /// The page's title [default: Exchange rates]
    #[arg(long)]
    pub title: Option<String>,
    /// The page's colours and its charts' [default: light, or the config file's]
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
    /// Mark a series stale when its newest observation is older than this (36h, 7d, 2w)
    #[arg(long, value_name = "DUR", default_value = "7d")]
    pub stale: String,
    /// No summary line
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: DbArg,
}

impl ReportArgs {
    /// The report's selection and options, typed, as of `now` (`report`'s, and
    /// `serve`'s `/report/`, which parses its options with these definitions).
    pub fn options(&self, now: Instant) -> Result<(Selection, crate::report::Options)> {
        let ask = self.select.listing(now)?;
        let opts = crate::report::Options {
            ranges: crate::timespec::parse_ranges(&self.ranges)?,
            title: self.title.clone().unwrap_or_else(|| "Exchange rates".into()),
            theme: ThemeArg::theme(self.theme),
            stale_secs: crate::timespec::parse_stale(&self.stale, now)?,
            stale_label: self.stale.trim().to_ascii_lowercase(),
            now,
        };
        Ok((ask.selection, opts))
    }
}

/// `fxsnap serve`'s options.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// An address to listen on, host:port (repeatable; [::]:8080 or 0.0.0.0:8080 to serve others)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: Vec<String>,
    /// Where other currencies' reference rates come from, first that quotes them and USD that day
    #[arg(long, value_name = "SOURCES", default_value = crate::query::reference::DEFAULT_PREFER)]
    pub prefer: String,
    /// Connections served at once; more wait to be accepted
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// One Common Log Format line per request on standard error
    #[arg(long)]
    pub access_log: bool,
    /// The report's title, at /report/ [default: Exchange rates]
    #[arg(long)]
    pub title: Option<String>,
    /// The report's stale mark: a series older than this (36h, 7d, 2w)
    #[arg(long, value_name = "DUR", default_value = "7d")]
    pub stale: String,
    /// The report's ranges, comma-separated (36h, 30d, 12w, 6m, 2y, all)
    #[arg(long, value_name = "R,...", default_value = "30d,1y,all")]
    pub ranges: String,
    #[command(flatten)]
    pub db: DbArg,
}

/// `--on-conflict`: what to do when a stored key meets a different value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnConflict {
    /// Keep the stored value; log the new one.
    Keep,
    /// Store the new value; log the old one.
    Replace,
    /// Keep the value whose input was observed later (ties: the stored one); log the other
    Newest,
    /// Refuse the whole input (exit 3).
    Fail,
}

impl OnConflict {
    /// The store's policy this value names.
    pub fn policy(self) -> crate::store::ConflictPolicy {
        use crate::store::ConflictPolicy;
        match self {
            OnConflict::Keep => ConflictPolicy::Keep,
            OnConflict::Replace => ConflictPolicy::Replace,
            OnConflict::Newest => ConflictPolicy::Newest,
            OnConflict::Fail => ConflictPolicy::Fail,
        }
    }
}
