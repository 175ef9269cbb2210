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
