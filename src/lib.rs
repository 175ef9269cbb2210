//! fxsnap: a time-series store for the exchange rates of the Central Asian
//! currencies: the ticker of news sites and the central banks' documents.
//!
//! The map is docs/ARCHITECTURE.md: `read` holds one reader per input
//! format, `intake` stores one document, `store` keeps observations in
//! SQLite, `selection` and `cross` say what a reading command shows,
//! `query` answers it as typed rows, `export` shapes them for an output,
//! `commands` holds one thin file per subcommand, `chart` draws, `report`
//! writes the HTML page, and `error` maps every failure to an exit code in
//! one place.

pub mod chart;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub(crate) mod cross;
pub(crate) mod dryrun;
pub mod error;
pub(crate) mod export;
pub(crate) mod fetch;
pub(crate) mod intake;
pub mod model;
pub mod options;
pub(crate) mod precision;
pub(crate) mod progress;
pub mod query;
pub mod read;
pub(crate) mod report;
pub mod selection;
pub(crate) mod serve;
pub mod sources;
pub mod store;
pub(crate) mod summary;
pub(crate) mod timespec;

use cli::{Cli, Command};
use error::Result;

/// Runs one command as parsed, `--db` and `--config` taken as given on
/// the command line (for callers without clap's matches, such as tests).
pub fn run(cli: Cli) -> Result<()> {
    let inv = config::Invocation::from_cli(&cli);
    run_with(cli, inv)
}

/// Runs one command with the settings in force (command line, environment,
/// config file, defaults). The configuration is read only by the commands
/// that use it, so `completions` and `man` need no home folder and are not
/// stopped by a broken file.
pub fn run_with(mut cli: Cli, inv: config::Invocation) -> Result<()> {
    if matches!(cli.command, Command::Completions { .. } | Command::Man) {
        return match &cli.command {
            Command::Completions { shell } => commands::completions::completions(*shell),
            _ => commands::completions::man(),
        };
    }
    let config = config::Config::load(&inv)?;
    config.apply(&mut cli.command, &inv);
    let db = || config.db_path();
    match &cli.command {
        Command::Ingest(a) => commands::ingest::run(&db()?, a),
        Command::Latest(_) | Command::History(_) | Command::Stats(_) | Command::Convert(_) | Command::Conflicts(_) | Command::Inputs(_) => {
            commands::read::run(&db()?, &cli.command)
        }
        Command::Check(a) => commands::check::run(&db()?, a),
        Command::Delete(a) => commands::delete::run(&db()?, a),
        Command::Config(_) => commands::config::run(&config),
        Command::Completions { .. } | Command::Man => Ok(()),
        Command::Chart(a) => commands::chart::run(&db()?, a),
        Command::Report(a) => commands::report::run(&db()?, a),
        Command::Fetch(a) => commands::fetch::run(&db()?, a),
        Command::Serve(a) => commands::serve::run(&db()?, a, &config),
        Command::Backup(a) => commands::backup::run(&db()?, a),
    }
}
