//! `fxsnap serve`: options in, the server (`crate::serve`) runs until a
//! signal; the addresses it listens on are printed, and the access log
//! written, here.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Source;
use crate::serve::Options;

pub fn run(db: &Path, args: &ServeArgs, config: &Config) -> Result<()> {
    let mut prefer = Vec::new();
    for label in args.prefer.split(',').map(str::trim).filter(|l| !l.is_empty()) {
        prefer.push(Source::label(label).map_err(|e| Error::Usage(format!("--prefer {label}: {e}")))?);
    }
    crate::timespec::parse_ranges(&args.ranges).map_err(|e| Error::Usage(format!("--ranges {}: {e}", args.ranges)))?;
    crate::timespec::parse_stale(&args.stale, crate::model::Instant::now())
        .map_err(|e| Error::Usage(format!("--stale {}: {e}", args.stale)))?;
    let opts = Options {
        db: db.to_path_buf(),
        listen: args.listen.clone(),
        prefer,
        max_connections: args.max_connections as usize,
        title: args.title.clone(),
        stale: args.stale.clone(),
        ranges: args.ranges.clone(),
        fixed_now: if std::env::var_os("SOURCE_DATE_EPOCH").is_some() { Some(super::made_at()?) } else { None },
        config: Some(config.clone()),
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
