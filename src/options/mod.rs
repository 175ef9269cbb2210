//! The typed parameters of the reading commands and `chart`: one
//! definition per command, read by the command line (clap's derives) and by
//! a URL (`url::FromUrl`, serve's `/api/` and `/chart.*`), so both front
//! doors reach the same typed options, the same query and the same
//! messages. `cli` holds the commands that only the command line has.

pub mod chart;
pub mod read;
pub mod select;
pub mod url;

use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::export::reading::Reading;
use crate::model::Instant;
use url::UrlQuery;

pub use chart::{ChartArgs, ThemeArg};
pub use read::{ApiFormat, CheckArgs, ConvertArgs, ConvertFormatArg, FormatArg, HistoryFormatArg, InputsArgs, ReadArgs};
pub use select::{SelectArgs, SelectDefaults};

/// What the configuration file's `[defaults]` fill in for a reading command
/// or a chart, resolved before a command (or a server) starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defaults {
    pub select: SelectDefaults,
    pub theme: Option<ThemeArg>,
    /// `[check]`'s `max_age` and `max_move`.
    pub max_age: Option<String>,
    pub max_move: Option<String>,
}

/// A reading command asked by a URL (`/api/NAME?…`): its typed options as
/// the `Reading` it is answered from, the format, and whether the answer is
/// of a closed past range (kept a day) or moves with the clock.
pub struct UrlReading {
    pub reading: Reading,
    pub format: ApiFormat,
    pub past: bool,
}

/// The reading commands a URL can ask for (`/api/NAME`).
pub const URL_READINGS: [&str; 7] = ["latest", "history", "stats", "convert", "conflicts", "inputs", "check"];

/// `/api/NAME?…` as typed options, the configuration's `[defaults]` filled in
/// where the URL leaves them open (as on the command line); None: no such
/// reading command. `now`: spans and convert's `at`; `clock`: check's ages.
pub fn url_reading(name: &str, q: &UrlQuery, defaults: &Defaults, now: Instant, clock: Instant) -> Result<Option<UrlReading>> {
    let format = ApiFormat::from_url(q)?;
    let today = now.datetime().date_naive();
    let select = |mut s: SelectArgs| {
        defaults.select.apply(&mut s);
        s
    };
    let (reading, past) = match name {
        "latest" => {
            let mut a: ReadArgs = q.read()?;
            a.select = select(a.select);
            (a.latest(now)?, false)
        }
        "history" => {
            let mut a: ReadArgs<HistoryFormatArg> = q.read()?;
            a.select = select(a.select);
            (a.reading(now)?, a.select.closed_before(today))
        }
        "stats" => {
            let mut a: ReadArgs = q.read()?;
            a.select = select(a.select);
            (a.stats(now)?, a.select.closed_before(today))
        }
        "conflicts" => {
            let mut a: ReadArgs = q.read()?;
            a.select = select(a.select);
            (a.conflicts_reading(now)?, a.select.closed_before(today))
        }
        "convert" => {
            let a: ConvertArgs = q.read()?;
            let past = a.at.as_deref().is_some_and(|at| select::ends_before(at, today));
            (a.reading(now)?, past)
        }
        "inputs" => (q.read::<InputsArgs>()?.reading(), false),
        "check" => {
            let mut a: CheckArgs = q.read()?;
            a.select = select(a.select);
            if a.max_age.is_none() {
                a.max_age.clone_from(&defaults.max_age);
            }
            if a.max_move.is_none() {
                a.max_move.clone_from(&defaults.max_move);
            }
            // Ages count to now: never kept past it.
            (a.reading(clock)?, false)
        }
        _ => return Ok(None),
    };
    Ok(Some(UrlReading { reading, format, past }))
}

/// `/chart.png|svg?…` as the chart asked for, with `[defaults]` filled in,
/// and whether it is of a closed past range.
pub fn url_chart(q: &UrlQuery, defaults: &Defaults, now: Instant) -> Result<(crate::query::panels::ChartAsk, bool)> {
    let mut a: ChartArgs = q.read()?;
    defaults.select.apply(&mut a.select);
    if a.theme.is_none() {
        a.theme = defaults.theme;
    }
    let past = a.select.closed_before(now.datetime().date_naive());
    Ok((a.ask(now)?, past))
}

/// `--db` of a command that opens the database. `FXSNAP_DB` is read by the
/// top-level `--db` only, so a path given here wins over the environment.
#[derive(Args, Debug, Clone, Default)]
pub struct DbArg {
    /// The database file; wins over FXSNAP_DB and a --db before the command
    /// [default: $XDG_DATA_HOME/fxsnap/rates.db]
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<PathBuf>,
}
