//! `fxsnap serve`: options in, the server (`crate::serve`) runs until a
//! signal; the addresses it listens on are printed, and the access log
//! written, here.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::cli::{DbArg, ReportArgs, SelectArgs, ServeArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Source;
use crate::serve::Options;

pub fn run(db: &Path, args: &ServeArgs, config: &Config) -> Result<()> {
    let mut prefer = Vec::new();
    for label in args.prefer.split(',').map(str::trim).filter(|l| !l.is_empty()) {
        prefer.push(Source::label(label).map_err(|e| Error::Usage(format!("--prefer {label}: {e}")))?);
    }
    let now = super::made_at()?;
    // `/report/`: the report command's options, checked here once.
    let report = ReportArgs {
        output: "report".into(),
        select: SelectArgs::default(),
        ranges: args.ranges.clone(),
        title: args.title.clone(),
        theme: None,
        stale: args.stale.clone(),
        quiet: true,
        db: DbArg::default(),
    }
    .options(now)?;
    let opts = Options {
        db: db.to_path_buf(),
        listen: args.listen.clone(),
        prefer,
        max_connections: args.max_connections as usize,
        report,
        fixed_now: if std::env::var_os("SOURCE_DATE_EPOCH").is_some() { Some(now) } else { None },
        defaults: config.reading_defaults(),
    };
    let log: Option<crate::serve::LogLine> = if args.access_log {
        Some(Arc::new(|line: &str| {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }))
    } else {
        None
    };
    crate::serve::run(
        opts,
        |addrs| {
            let mut out = std::io::stdout().lock();
            for a in addrs {
                let _ = writeln!(out, "fxsnap: serving http://{a}/");
            }
            let _ = out.flush();
        },
        log,
    )
}
