//! fxsnap: a time-series store for the exchange rates of the Central Asian
//! currencies: the ticker of news sites and the central banks' documents.
//!
//! The map is docs/ARCHITECTURE.md: `read` holds one reader per input
//! format, `intake` stores one document, `store` keeps observations in
//! SQLite, `selection` and `cross` say what a reading command shows,
//! `commands` holds one file per subcommand, `chart` draws, `report` writes
//! the HTML page, and `error` maps every failure to an exit code in one
//! place.

pub mod chart;
pub mod cli;
pub mod commands;
pub mod cross;
pub mod dryrun;
pub mod error;
pub(crate) mod export;
pub mod fetch;
pub mod intake;
pub mod model;
pub mod precision;
pub mod progress;
pub mod query;
pub mod read;
pub mod report;
pub mod selection;
pub mod serve;
pub mod sources;
pub mod store;
pub mod summary;
pub mod timespec;

use std::path::PathBuf;

use cli::{Cli, Command};
use error::{Error, Result};

/// The database path: `--db` after the command, `--db` before it,
/// `FXSNAP_DB`, or `$XDG_DATA_HOME/fxsnap/rates.db`.
pub fn db_path(cli: &Cli) -> Result<PathBuf> {
    if let Some(p) = cli.command.db_arg().and_then(|a| a.db.as_ref()).or(cli.db.as_ref()) {
        return Ok(p.clone());
    }
    directories::BaseDirs::new()
        .map(|d| d.data_dir().join("fxsnap").join("rates.db"))
        .ok_or_else(|| Error::Usage("no home folder to keep the database in: give --db or FXSNAP_DB".into()))
}

/// Runs one command. The database path is worked out only for the commands
/// that open one, so `completions` and `man` need no home folder.
pub fn run(cli: Cli) -> Result<()> {
    let db = || db_path(&cli);
    match &cli.command {
        Command::Ingest(a) => commands::ingest::run(&db()?, a),
        Command::Latest(a) => commands::latest::run(&db()?, a),
        Command::History(a) => commands::history::run(&db()?, a),
        Command::Conflicts(a) => commands::conflicts::run(&db()?, a),
        Command::Check(a) => commands::check::run(&db()?, a),
        Command::Inputs(a) => commands::inputs::run(&db()?, a),
        Command::Delete(a) => commands::delete::run(&db()?, a),
        Command::Stats(a) => commands::stats::run(&db()?, a),
        Command::Convert(a) => commands::convert::run(&db()?, a),
        Command::Completions { shell } => commands::completions::completions(*shell),
        Command::Man => commands::completions::man(),
        Command::Chart(a) => commands::chart::run(&db()?, a),
        Command::Report(a) => commands::report::run(&db()?, a),
        Command::Fetch(a) => commands::fetch::run(&db()?, a),
        Command::Serve(a) => commands::serve::run(&db()?, a),
    }
}
