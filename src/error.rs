//! Every error fxsnap reports, and the one place that maps them to exit codes.

use std::io;

/// Exit codes of DESIGN.md "Exit codes".
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFLICT_REFUSED: i32 = 3;
    /// `check --max-age`/`--max-move` found a series past its limit.
    pub const LIMIT_EXCEEDED: i32 = 4;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: a page, a CSV row, a value. The message names what and why.
    #[error("{0}")]
    Invalid(String),
    /// The command line asked for something impossible (beyond what clap checks).
    #[error("{0}")]
    Usage(String),
    /// Well-formed, but nothing matches: no such series, source or input,
    /// nothing in the range. A server answers it 404; the exit code is 1,
    /// as for [`Error::Invalid`].
    #[error("{0}")]
    NotFound(String),
    /// `--on-conflict fail` met a conflict.
    #[error("{0}")]
    ConflictRefused(String),
    /// The database file is missing for a reading command.
    #[error("no database at {0} (run `fxsnap ingest` first, or give --db)")]
    NoDatabase(String),
    #[error("database {path}: {message}")]
    Database { path: String, message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    Chart(String),
    /// `check` found series past `--max-age` or `--max-move` (each already reported).
    #[error("{0}")]
    LimitExceeded(String),
    /// Some inputs of an `ingest` or `fetch` failed; each was reported on
    /// its own line (`detail` repeats them under `-q`, where nothing else is
    /// printed). The worst failure decides the exit code.
    #[error("{detail}")]
    InputsFailed { detail: String, worst: Failure },
    /// `check` found integrity problems, each already printed on its own line.
    #[error("{0}")]
    CheckFailed(String),
}

/// How bad the worst failed input of a run was, for its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// A bad input, I/O or database trouble.
    Error,
    /// A conflict refused by `--on-conflict fail`.
    ConflictRefused,
    /// An option that does not apply to an input (`--source` on a CSV with its own column).
    Usage,
}

impl Failure {
    /// The failure an input's error stands for.
    pub fn of(e: &Error) -> Failure {
        match e {
            Error::Usage(_) => Failure::Usage,
            Error::ConflictRefused(_) => Failure::ConflictRefused,
            _ => Failure::Error,
        }
    }
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Error {
        Error::Invalid(msg.into())
    }

    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }

    /// Nothing matched (a missing store included): the question was
    /// well-formed, the answer is empty. A server's 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_) | Error::NoDatabase(_))
    }

    /// Prefixes the message with the input or file it concerns.
    pub fn context(self, what: &str) -> Error {
        match self {
            Error::Invalid(m) => Error::Invalid(format!("{what}: {m}")),
            Error::ConflictRefused(m) => Error::ConflictRefused(format!("{what}: {m}")),
            other => other,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::ConflictRefused(_) => exit::CONFLICT_REFUSED,
            Error::InputsFailed { worst: Failure::Usage, .. } => exit::USAGE,
            Error::InputsFailed { worst: Failure::ConflictRefused, .. } => exit::CONFLICT_REFUSED,
            Error::InputsFailed { worst: Failure::Error, .. } | Error::CheckFailed(_) => exit::ERROR,
            Error::LimitExceeded(_) => exit::LIMIT_EXCEEDED,
            _ => exit::ERROR,
        }
    }

    /// A closed output pipe (`fxsnap history | head`) is success, not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io { context: "output".into(), source: e }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
