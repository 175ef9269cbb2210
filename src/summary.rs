//! The end of an `ingest` or `fetch` run, reported from one place: one line
//! per failed input as it fails, then the summary line (DESIGN "Exit
//! codes"), then the error that carries the exit code.
//!
//! `fxsnap: 2 inputs, 10 rates: 5 new, 4 duplicate, 1 conflict (kept); 0 failed`

use crate::error::{Error, Failure, Result};
use crate::store::{ConflictPolicy, Counts};

/// What a run did, input by input.
#[derive(Debug)]
pub struct Summary {
    policy: ConflictPolicy,
    quiet: bool,
    inputs: u64,
    counts: Counts,
    /// Recognized inputs that had no rates for their day (NBK's `<info>` reply).
    empty: u64,
    failed: Vec<(String, Error)>,
    /// Lines worth saying beside the counts (a document dated other than asked).
    notes: Vec<String>,
    /// `ingest --dry-run`: the line says nothing was written.
    dry_run: bool,
    /// Requests not made because their host could not be reached, per source.
    not_made: Vec<(String, u64)>,
}

impl Summary {
    pub fn new(policy: ConflictPolicy, quiet: bool) -> Summary {
        Summary {
            policy,
            quiet,
            inputs: 0,
            counts: Counts::default(),
            empty: 0,
            failed: Vec::new(),
            notes: Vec::new(),
            dry_run: false,
            not_made: Vec::new(),
        }
    }

    /// An input stored (or found to be all duplicates).
    pub fn stored(&mut self, c: &Counts) {
        self.inputs += 1;
        self.counts.add(c);
    }

    /// An input that was a bank's "no rates for this day" reply.
    pub fn empty(&mut self) {
        self.inputs += 1;
        self.empty += 1;
    }

    /// An input that failed: said at once on its own line (unless quiet).
    pub fn failed(&mut self, name: &str, e: Error) {
        self.inputs += 1;
        if Failure::of(&e) == Failure::ConflictRefused {
            // The refused value is a conflict too: count it.
            self.counts.conflict += 1;
        }
        if !self.quiet {
            say(&format!("{name}: {e}"));
        }
        self.failed.push((name.to_string(), e));
    }

    /// `count` requests of `source` not made, its host unreachable: one line
    /// said at once (`nbk: host unreachable, 3,650 requests not made`); the
    /// run fails.
    pub fn not_made(&mut self, source: &str, count: u64) {
        let line = not_made_line(source, count);
        if !self.quiet {
            say(&line);
        }
        self.not_made.push((source.to_string(), count));
    }

    /// A line said at once (unless quiet): what a run met on its way, such as
    /// a repaired archive. Only `summary` prints below the commands.
    pub fn say(&self, line: &str) {
        if !self.quiet {
            say(line);
        }
    }

    /// A line printed after the summary (unless quiet).
    pub fn note(&mut self, line: String) {
        self.notes.push(line);
    }

    /// The summary line, without the `fxsnap: ` prefix.
    pub fn line(&self) -> String {
        let empty = if self.empty > 0 { format!(", {} empty", self.empty) } else { String::new() };
        let dry = if self.dry_run { " (dry run: nothing written)" } else { "" };
        let not_made: u64 = self.not_made.iter().map(|(_, n)| n).sum();
        let not_made = if not_made > 0 { format!(", {} not made (host unreachable)", grouped(not_made)) } else { String::new() };
        format!(
            "{} input{}, {}{empty}; {} failed{not_made}{dry}",
            self.inputs,
            plural(self.inputs),
            counts_phrase(&self.counts, self.policy),
            self.failed.len()
        )
    }

    /// A dry run's summary says that nothing was written.
    pub fn dry_run(mut self, dry: bool) -> Summary {
        self.dry_run = dry;
        self
    }

    /// Prints the summary and notes (unless quiet) and gives the run's
    /// outcome: Ok, or the error whose exit code the worst failure decides.
    pub fn finish(self) -> Result<()> {
        if !self.quiet {
            say(&self.line());
            for n in &self.notes {
                say(n);
            }
        }
        let unreachable = (!self.not_made.is_empty()).then_some(Failure::Error);
        let Some(worst) = self.failed.iter().map(|(_, e)| Failure::of(e)).chain(unreachable).max() else { return Ok(()) };
        // Under -q the reasons were not printed yet: an error must never be silent.
        let detail = if self.quiet {
            let failed = self.failed.iter().map(|(n, e)| format!("{n}: {e}"));
            failed.chain(self.not_made.iter().map(|(s, n)| not_made_line(s, *n))).collect::<Vec<_>>().join("\n")
        } else {
            String::new()
        };
        Err(Error::InputsFailed { detail, worst })
    }
}

/// One line on standard error, `fxsnap: ` first. A closed or full standard
/// error loses the line; it never stops the run (nor panics, as
/// `eprintln!` would).
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "fxsnap: {line}");
}

/// `nbk: host unreachable, 3,650 requests not made`.
fn not_made_line(source: &str, count: u64) -> String {
    let s = if count == 1 { "request" } else { "requests" };
    format!("{source}: host unreachable, {} {s} not made", grouped(count))
}

/// `3650` → `3,650`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `10 rates: 5 new, 4 duplicate, 1 conflict (kept), 2 skipped`: the counts
/// of an input or a run, with what the policy did to the conflicts.
pub fn counts_phrase(c: &Counts, policy: ConflictPolicy) -> String {
    let how = match policy {
        ConflictPolicy::Keep => " (kept)",
        ConflictPolicy::Replace => " (replaced)",
        ConflictPolicy::Newest => " (newest kept)",
        ConflictPolicy::Fail => " (refused)",
    };
    let skipped = if c.skipped > 0 { format!(", {} skipped", c.skipped) } else { String::new() };
    format!(
        "{} rate{}: {} new, {} duplicate, {} conflict{}{}{skipped}",
        c.rates(),
        plural(c.rates()),
        c.new,
        c.duplicate,
        c.conflict,
        plural(c.conflict),
        if c.conflict > 0 { how } else { "" },
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_not_made_fail_the_run_and_are_counted_in_groups_of_three() {
        assert_eq!(
            (grouped(0), grouped(999), grouped(3650), grouped(1234567)),
            ("0".into(), "999".into(), "3,650".into(), "1,234,567".into())
        );
        assert_eq!(not_made_line("nbk", 3650), "nbk: host unreachable, 3,650 requests not made");
        let mut s = Summary::new(ConflictPolicy::Newest, true);
        s.not_made("nbk", 2);
        assert!(s.line().ends_with("; 0 failed, 2 not made (host unreachable)"), "{}", s.line());
        match s.finish() {
            Err(Error::InputsFailed { detail, worst: Failure::Error }) => assert_eq!(detail, "nbk: host unreachable, 2 requests not made"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_line_reads_as_design_shows_it() {
        let mut s = Summary::new(ConflictPolicy::Keep, true);
        s.stored(&Counts { new: 5, duplicate: 4, conflict: 1, skipped: 0 });
        s.stored(&Counts::default());
        assert_eq!(s.line(), "2 inputs, 10 rates: 5 new, 4 duplicate, 1 conflict (kept); 0 failed");
        s.empty();
        s.stored(&Counts { new: 1, duplicate: 0, conflict: 0, skipped: 2 });
        assert_eq!(s.line(), "4 inputs, 11 rates: 6 new, 4 duplicate, 1 conflict (kept), 2 skipped, 1 empty; 0 failed");
    }

    #[test]
    fn the_worst_failure_decides_the_exit_code() {
        let mut s = Summary::new(ConflictPolicy::Fail, true);
        s.failed("a", Error::invalid("bad"));
        s.failed("b", Error::ConflictRefused("refused".into()));
        let e = s.finish().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(e.to_string(), "a: bad\nb: refused");
    }
}
