//! Progress for long inputs, on a terminal only (cron logs stay clean).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    count: std::cell::Cell<u64>,
}

impl Progress {
    pub fn new(quiet: bool, what: &str) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg}: {pos} rows ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_message(what.to_string());
            b
        });
        Progress { bar, count: std::cell::Cell::new(0) }
    }

    pub fn tick(&self) {
        if let Some(b) = &self.bar {
            let n = self.count.get() + 1;
            self.count.set(n);
            if n.is_multiple_of(8192) {
                b.set_position(n);
            }
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A bar with an ETA over a known number of steps (`fetch`'s requests), on
/// a terminal only and only when there are more than a few.
pub struct Steps {
    bar: Option<ProgressBar>,
}

impl Steps {
    /// Runs of up to this many steps show no bar: they end before one helps.
    pub const FEW: u64 = 3;

    pub fn new(quiet: bool, total: u64, what: &str) -> Steps {
        let bar = (!quiet && total > Self::FEW && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} (ETA {eta}) {wide_msg}")
                    .map(|s| s.progress_chars("=> "))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_prefix(what.to_string());
            b
        });
        Steps { bar }
    }

    /// Starts the next step, named by `msg`.
    pub fn step(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
            b.inc(1);
        }
    }

    /// Runs `f` with the bar hidden, so a line it prints stays whole.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
