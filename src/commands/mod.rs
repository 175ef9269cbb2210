//! One file per subcommand; the six reading commands share `read`.

pub mod backup;
pub mod chart;
pub mod check;
pub mod completions;
pub mod config;
pub mod delete;
pub mod fetch;
pub mod ingest;
pub mod read;
pub mod report;
pub mod serve;

use crate::error::{Error, Result};
use crate::model::Instant;

/// When a chart, a report or an answer relative to now is made:
/// `SOURCE_DATE_EPOCH` (seconds) when set, so the same store gives the same
/// bytes again, else now. Captions, ages (`latest`'s too), stale marks, the
/// ends of ranges and `convert`'s default `--at` count from it. Read here, at the
/// top, and handed down as a value: the library below never reads it.
pub fn made_at() -> Result<Instant> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v
            .trim()
            .parse::<i64>()
            .map(Instant::from_unix)
            .map_err(|_| Error::Usage(format!("SOURCE_DATE_EPOCH={v}: not a number of seconds since 1970"))),
        Err(_) => Ok(crate::timespec::now()),
    }
}

#[cfg(test)]
mod tests {
    /// `SOURCE_DATE_EPOCH` is read in one place, [`super::made_at`], at the top: the library
    /// below gets the time as a value.
    #[test]
    fn source_date_epoch_is_read_at_the_top_only() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, found);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    if text.contains(concat!("env::var(\"SOURCE_DATE", "_EPOCH\")")) {
                        found.push(p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert_eq!(found, ["src/commands/mod.rs"]);
    }
}
