//! The configuration file (DESIGN "Configuration", v3): defaults a user would
//! otherwise type every time, in TOML. Each setting is resolved once, here,
//! with where it came from: the command line wins over the environment,
//! which wins over the file, which wins over the built-in defaults.
//!
//! `FXSNAP_CONFIG` and `FXSNAP_DB` are read by clap (which says whether a
//! value came from them); `$XDG_CONFIG_HOME` and `$XDG_DATA_HOME` through
//! `directories`, here. Everything below gets values.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::cli::{Cli, Command, SelectArgs, ThemeArg};
use crate::error::{Error, Result};
use crate::selection::{parse_pairs, parse_sources};

/// Where a setting in force came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An option on the command line (`--db`).
    CommandLine(&'static str),
    /// An environment variable (`FXSNAP_DB`).
    Environment(&'static str),
    /// The configuration file, at this line (1-based).
    File { path: PathBuf, line: usize },
    /// fxsnap's own default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine(opt) => write!(f, "command line ({opt})"),
            Origin::Environment(var) => write!(f, "environment ({var})"),
            Origin::File { path, line } => write!(f, "{} line {line}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// One setting in force and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting { value, origin: Origin::Default }
    }
}

/// What the process was started with that decides the settings: the
/// `--config` and `--db` clap parsed, and whether it took each from the
/// command line or from the environment (`FXSNAP_CONFIG`, `FXSNAP_DB`).
#[derive(Clone, Debug, Default)]
pub struct Invocation {
    pub config: Option<Setting<PathBuf>>,
    pub db: Option<Setting<PathBuf>>,
    /// The command's options given on the command line (clap ids), so a
    /// default clap fills in (`serve --listen`) is not taken for a choice.
    pub given: Vec<String>,
}

impl Invocation {
    /// `--config` and `--db` of a parsed command line, each taken as given
    /// there (without clap's matches, an environment value cannot be told apart).
    pub fn from_cli(cli: &Cli) -> Invocation {
        let given =
            |value: &Option<PathBuf>, opt: &'static str| value.clone().map(|value| Setting { value, origin: Origin::CommandLine(opt) });
        let db = cli.command.db_arg().and_then(|a| a.db.clone()).or_else(|| cli.db.clone());
        Invocation { config: given(&cli.config, "--config"), db: given(&db, "--db"), given: Vec::new() }
    }

    /// Reads where clap found `--config` and `--db` (`--db` after the
    /// command wins over one before it and over `FXSNAP_DB`).
    pub fn of(cli: &Cli, matches: &ArgMatches) -> Invocation {
        let from = |id: &str, opt: &'static str, var: &'static str, value: &Option<PathBuf>| {
            let origin = match matches.value_source(id) {
                Some(ValueSource::EnvVariable) => Origin::Environment(var),
                _ => Origin::CommandLine(opt),
            };
            value.clone().map(|value| Setting { value, origin })
        };
        let after = cli.command.db_arg().and_then(|a| a.db.clone()).map(|value| Setting { value, origin: Origin::CommandLine("--db") });
        let given = match matches.subcommand() {
            Some((_, sub)) => {
                sub.ids().filter(|id| sub.value_source(id.as_str()) == Some(ValueSource::CommandLine)).map(|id| id.to_string()).collect()
            }
            None => Vec::new(),
        };
        Invocation {
            config: from("config", "--config", "FXSNAP_CONFIG", &cli.config),
            db: after.or_else(|| from("db", "--db", "FXSNAP_DB", &cli.db)),
            given,
        }
    }
}

/// Which configuration file is read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChoice {
    pub path: PathBuf,
    pub origin: Origin,
    /// False for the default location when nothing is there (it is optional).
    pub exists: bool,
}

/// The settings in force for one run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file read (or the default location looked at), if there is one.
    pub file: Option<FileChoice>,
    /// The database; `None` when nothing names one and there is no home
    /// folder to keep it in.
    pub db: Option<Setting<PathBuf>>,
    pub defaults: Defaults,
    pub serve: ServeSettings,
    pub check: CheckSettings,
}

/// `[defaults]`: the selection and look of the reading commands, `chart`,
/// `report` and `check`. Lists as written (`official` is expanded where a
/// selection is parsed).
#[derive(Clone, Debug)]
pub struct Defaults {
    /// Empty: every source.
    pub source: Setting<Vec<String>>,
    /// Empty: the five.
    pub pair: Setting<Vec<String>>,
    pub invert: Setting<bool>,
    pub cross: Setting<bool>,
    pub theme: Setting<ThemeArg>,
}

/// `[serve]`, for `fxsnap serve`: the addresses to listen on and the
/// sources the reference rates prefer.
#[derive(Clone, Debug)]
pub struct ServeSettings {
    pub listen: Setting<Vec<String>>,
    pub prefer: Setting<Vec<String>>,
}

/// `[check]`: the limits `fxsnap check` alerts on.
#[derive(Clone, Debug)]
pub struct CheckSettings {
    pub max_age: Setting<Option<String>>,
    pub max_move: Setting<Option<String>>,
}

/// `serve --listen`'s default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The file as written. Every table refuses keys it does not know.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    db: Option<Spanned<String>>,
    #[serde(default)]
    defaults: FileDefaults,
    #[serde(default)]
    serve: FileServe,
    #[serde(default)]
    check: FileCheck,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDefaults {
    source: Option<Spanned<List>>,
    pair: Option<Spanned<List>>,
    invert: Option<Spanned<bool>>,
    cross: Option<Spanned<bool>>,
    theme: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileServe {
    listen: Option<Spanned<List>>,
    prefer: Option<Spanned<List>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileCheck {
    max_age: Option<Spanned<String>>,
    max_move: Option<Spanned<String>>,
}

/// A list of strings: a TOML array, or one string for a single value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct List(Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<List, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<List, E> {
                Ok(List(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(ListVisitor)
    }
}

impl Config {
    /// Reads the configuration file (if any) and resolves every setting.
    pub fn load(inv: &Invocation) -> Result<Config> {
        let file = choose_file(inv)?;
        let text = match &file {
            Some(f) if f.exists => Some(read_file(f)?),
            _ => None,
        };
        let path = file.as_ref().map(|f| f.path.clone()).unwrap_or_default();
        let parsed = match &text {
            Some(t) => parse(&path, t)?,
            None => FileSettings::default(),
        };
        let at =
            |span: std::ops::Range<usize>| Origin::File { path: path.clone(), line: line_of(text.as_deref().unwrap_or(""), span.start) };
        let from_file = |s: &Spanned<List>| Setting { value: s.get_ref().0.clone(), origin: at(s.span()) };

        let db = if let Some(given) = &inv.db {
            Some(given.clone())
        } else if let Some(s) = &parsed.db {
            Some(Setting { value: relative_to(&path, s.get_ref()), origin: at(s.span()) })
        } else {
            directories::BaseDirs::new().map(|d| Setting::default(d.data_dir().join("fxsnap").join("rates.db")))
        };

        let d = &parsed.defaults;
        let defaults = Defaults {
            source: d.source.as_ref().map(from_file).unwrap_or_else(|| Setting::default(Vec::new())),
            pair: d.pair.as_ref().map(from_file).unwrap_or_else(|| Setting::default(Vec::new())),
            invert: d.invert.as_ref().map(|b| Setting { value: *b.get_ref(), origin: at(b.span()) }).unwrap_or(Setting::default(false)),
            cross: d.cross.as_ref().map(|b| Setting { value: *b.get_ref(), origin: at(b.span()) }).unwrap_or(Setting::default(false)),
            theme: match &d.theme {
                Some(t) => {
                    Setting { value: theme(t.get_ref()).map_err(|why| bad(&at(t.span()), "defaults.theme", &why))?, origin: at(t.span()) }
                }
                None => Setting::default(ThemeArg::Light),
            },
        };
        let s = &parsed.serve;
        let serve = ServeSettings {
            listen: s.listen.as_ref().map(from_file).unwrap_or_else(|| Setting::default(vec![DEFAULT_LISTEN.to_string()])),
            prefer: s
                .prefer
                .as_ref()
                .map(from_file)
                .unwrap_or_else(|| Setting::default(vec![crate::query::reference::DEFAULT_PREFER.to_string()])),
        };
        let c = &parsed.check;
        let check = CheckSettings {
            max_age: c
                .max_age
                .as_ref()
                .map(|v| Setting { value: Some(v.get_ref().clone()), origin: at(v.span()) })
                .unwrap_or(Setting::default(None)),
            max_move: c
                .max_move
                .as_ref()
                .map(|v| Setting { value: Some(v.get_ref().clone()), origin: at(v.span()) })
                .unwrap_or(Setting::default(None)),
        };
        let config = Config { file, db, defaults, serve, check };
        config.validate()?;
        Ok(config)
    }

    /// Values the file gives are checked as the options they stand for
    /// would be, so a mistake is reported with its line, before any work.
    fn validate(&self) -> Result<()> {
        let d = &self.defaults;
        parse_sources(&d.source.value).map_err(|e| bad(&d.source.origin, "defaults.source", &usage_text(e)))?;
        parse_pairs(&d.pair.value).map_err(|e| bad(&d.pair.origin, "defaults.pair", &usage_text(e)))?;
        for a in &self.serve.listen.value {
            // host:port, as serve binds it (a name such as localhost:8080 too).
            let port = a.rsplit_once(':').filter(|(host, _)| !host.is_empty()).and_then(|(_, p)| p.parse::<u16>().ok());
            if port.is_none() {
                let why = format!("{a}: expected an address and port such as 127.0.0.1:8080 or [::]:8080");
                return Err(bad(&self.serve.listen.origin, "serve.listen", &why));
            }
        }
        if self.serve.listen.value.is_empty() {
            return Err(bad(&self.serve.listen.origin, "serve.listen", "give at least one address"));
        }
        let prefer = parse_sources(&self.serve.prefer.value).map_err(|e| bad(&self.serve.prefer.origin, "serve.prefer", &usage_text(e)))?;
        if prefer.sources.is_empty() {
            return Err(bad(&self.serve.prefer.origin, "serve.prefer", "give at least one source"));
        }
        let now = crate::timespec::now();
        if let Some(v) = &self.check.max_age.value {
            crate::options::read::parse_age(v, now)
                .map(|l| (l.value, l.text))
                .map_err(|e| bad(&self.check.max_age.origin, "check.max_age", &usage_text(e)))?;
        }
        if let Some(v) = &self.check.max_move.value {
            crate::options::read::parse_pct(v)
                .map(|l| (l.value, l.text))
                .map_err(|e| bad(&self.check.max_move.origin, "check.max_move", &usage_text(e)))?;
        }
        Ok(())
    }

    /// The database path, or the error saying how to name one.
    pub fn db_path(&self) -> Result<PathBuf> {
        self.db
            .as_ref()
            .map(|s| s.value.clone())
            .ok_or_else(|| Error::Usage("no home folder to keep the database in: give --db, FXSNAP_DB or db in the config file".into()))
    }

    /// Fills what the command line left open with the settings in force:
    /// the selection of the reading commands, `chart`, `report` and
    /// `check`; the theme of `chart` and `report`; `check`'s limits.
    /// `delete` takes none (it removes only what it is told to), nor does
    /// `convert` (its one `--source` is a leg's, not a selection). `serve`
    /// takes `[serve]` where `inv` says its option was not given.
    pub fn apply(&self, command: &mut Command, inv: &Invocation) {
        let given = |id: &str| inv.given.iter().any(|g| g == id);
        match command {
            Command::Serve(a) => {
                if !given("listen") {
                    a.listen.clone_from(&self.serve.listen.value);
                }
                if !given("prefer") {
                    // `official` expanded: serve reads labels.
                    if let Ok(p) = parse_sources(&self.serve.prefer.value) {
                        a.prefer = p.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",");
                    }
                }
            }
            Command::Latest(a) | Command::Stats(a) | Command::Conflicts(a) => self.apply_select(&mut a.select),
            Command::History(a) => self.apply_select(&mut a.select),
            Command::Chart(a) => {
                self.apply_select(&mut a.select);
                a.theme.get_or_insert(self.defaults.theme.value);
            }
            Command::Report(a) => {
                self.apply_select(&mut a.select);
                a.theme.get_or_insert(self.defaults.theme.value);
            }
            Command::Check(a) => {
                self.apply_select(&mut a.select);
                if a.max_age.is_none() {
                    a.max_age.clone_from(&self.check.max_age.value);
                }
                if a.max_move.is_none() {
                    a.max_move.clone_from(&self.check.max_move.value);
                }
            }
            _ => {}
        }
    }

    fn apply_select(&self, s: &mut SelectArgs) {
        self.reading_defaults().select.apply(s);
    }

    /// What `[defaults]` fills in for a reading command or a chart, typed
    /// (serve is handed this rather than the configuration).
    pub fn reading_defaults(&self) -> crate::options::Defaults {
        let d = &self.defaults;
        crate::options::Defaults {
            select: crate::options::SelectDefaults {
                pair: d.pair.value.clone(),
                source: d.source.value.clone(),
                invert: d.invert.value,
                cross: d.cross.value,
            },
            theme: Some(d.theme.value),
            max_age: self.check.max_age.value.clone(),
            max_move: self.check.max_move.value.clone(),
        }
    }

    /// Every setting in force, as `(name, value, origin)` rows for `fxsnap config`.
    pub fn rows(&self) -> Vec<(&'static str, String, String)> {
        let list = |v: &[String], empty: &str| if v.is_empty() { empty.to_string() } else { v.join(",") };
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
        let mut rows = vec![match &self.file {
            Some(f) if f.exists => ("config", f.path.display().to_string(), file_origin(&f.origin)),
            Some(f) => ("config", format!("none ({} does not exist)", f.path.display()), file_origin(&f.origin)),
            None => ("config", "none (no home folder)".into(), Origin::Default.to_string()),
        }];
        rows.push(match &self.db {
            Some(s) => ("db", s.value.display().to_string(), s.origin.to_string()),
            None => ("db", "none (no home folder)".into(), Origin::Default.to_string()),
        });
        let d = &self.defaults;
        rows.push(("defaults.source", list(&d.source.value, "all"), d.source.origin.to_string()));
        rows.push(("defaults.pair", list(&d.pair.value, "the five"), d.pair.origin.to_string()));
        rows.push(("defaults.invert", d.invert.value.to_string(), d.invert.origin.to_string()));
        rows.push(("defaults.cross", d.cross.value.to_string(), d.cross.origin.to_string()));
        rows.push(("defaults.theme", theme_name(d.theme.value).into(), d.theme.origin.to_string()));
        rows.push(("serve.listen", list(&self.serve.listen.value, ""), self.serve.listen.origin.to_string()));
        rows.push(("serve.prefer", list(&self.serve.prefer.value, ""), self.serve.prefer.origin.to_string()));
        rows.push(("check.max_age", opt(&self.check.max_age.value), self.check.max_age.origin.to_string()));
        rows.push(("check.max_move", opt(&self.check.max_move.value), self.check.max_move.origin.to_string()));
        rows
    }
}

/// Where the file's name came from: the default one is "default location".
fn file_origin(o: &Origin) -> String {
    match o {
        Origin::Default => "default location".into(),
        other => other.to_string(),
    }
}

/// `--config` (or `FXSNAP_CONFIG`), else `$XDG_CONFIG_HOME/fxsnap/config.toml`
/// (read only when it exists). A file named on purpose must exist.
fn choose_file(inv: &Invocation) -> Result<Option<FileChoice>> {
    if let Some(Setting { value: path, origin }) = &inv.config {
        // Anything that exists is read (`--config /dev/null` reads nothing).
        if !path.exists() {
            let by = match origin {
                Origin::Environment(v) => v,
                _ => "--config",
            };
            return Err(Error::Usage(format!("config file {} does not exist (named by {by})", path.display())));
        }
        return Ok(Some(FileChoice { path: path.clone(), origin: origin.clone(), exists: true }));
    }
    Ok(directories::BaseDirs::new().map(|d| {
        let path = d.config_dir().join("fxsnap").join("config.toml");
        FileChoice { exists: path.is_file(), path, origin: Origin::Default }
    }))
}

fn read_file(f: &FileChoice) -> Result<String> {
    let bytes = fs::read(&f.path).map_err(|e| Error::io(format!("cannot read config file {}", f.path.display()), e))?;
    String::from_utf8(bytes).map_err(|e| {
        let line = line_of(&String::from_utf8_lossy(e.as_bytes()), e.utf8_error().valid_up_to());
        Error::Usage(format!("config file {} line {line}: not UTF-8 text", f.path.display()))
    })
}

/// The file parsed; an unknown key, a wrong type or bad TOML is an error
/// naming the file, the line and the key.
fn parse(path: &Path, text: &str) -> Result<FileSettings> {
    toml::from_str(text).map_err(|e| {
        let (line, key) = match e.span() {
            Some(span) => (line_of(text, span.start), key_at(text, span.start)),
            None => (0, None),
        };
        let what = e.message().trim().replace('\n', " ");
        let key = key.map(|k| format!("{k}: ")).unwrap_or_default();
        if line == 0 {
            Error::Usage(format!("config file {}: {key}{what}", path.display()))
        } else {
            Error::Usage(format!("config file {} line {line}: {key}{what}", path.display()))
        }
    })
}

/// A bad value in the file: its line, its key and why.
fn bad(origin: &Origin, key: &str, why: &str) -> Error {
    match origin {
        Origin::File { path, line } => Error::Usage(format!("config file {} line {line}: {key}: {why}", path.display())),
        other => Error::Usage(format!("{key} ({other}): {why}")),
    }
}

/// An option's own message without the option name it starts with
/// (`--source: ` / `--max-age 2x: `), for a file's key instead.
fn usage_text(e: Error) -> String {
    let m = e.to_string();
    match m.strip_prefix("--") {
        Some(rest) => rest.split_once(": ").map(|(_, why)| why.to_string()).unwrap_or(m),
        None => m,
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The dotted key whose line holds this offset: the table header above it
/// and the key before `=` (or the table header itself).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[start..].lines().next().unwrap_or("").trim();
    let table_name = |l: &str| l.strip_prefix('[').and_then(|r| r.split(']').next()).map(|t| t.trim().trim_matches('"').to_string());
    if line.starts_with('[') {
        return table_name(line);
    }
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || !line.contains('=') {
        return None;
    }
    let table = text[..start].lines().rev().map(str::trim).find(|l| l.starts_with('[')).and_then(table_name);
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// A `db` path in the file is relative to the file's folder (as a shell's
/// would be to the current one); `~/` is the home folder.
fn relative_to(file: &Path, p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = directories::BaseDirs::new() {
            return home.home_dir().join(rest);
        }
    }
    let p = PathBuf::from(p);
    if p.is_absolute() {
        return p;
    }
    file.parent().map(|d| d.join(&p)).unwrap_or(p)
}

fn theme(s: &str) -> std::result::Result<ThemeArg, String> {
    match s.to_ascii_lowercase().as_str() {
        "light" => Ok(ThemeArg::Light),
        "dark" => Ok(ThemeArg::Dark),
        _ => Err(format!("{s}: expected light or dark")),
    }
}

fn theme_name(t: ThemeArg) -> &'static str {
    match t {
        ThemeArg::Light => "light",
        ThemeArg::Dark => "dark",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        parse(Path::new("/etc/fx.toml"), text).err().expect("an error").to_string()
    }

    #[test]
    fn the_designs_example_parses() {
        let text = "db = \"/var/lib/fxsnap/rates.db\"\n[defaults]\nsource = [\"official\"]\ninvert = true\n[serve]\nlisten = [\"127.0.0.1:8080\"]\n[check]\nmax_age = \"2d\"\nmax_move = \"5%\"\n";
        let f = parse(Path::new("c.toml"), text).unwrap();
        assert_eq!(f.db.unwrap().into_inner(), "/var/lib/fxsnap/rates.db");
        assert_eq!(f.defaults.source.unwrap().into_inner(), List(vec!["official".into()]));
        assert_eq!(f.defaults.invert.map(|b| *b.get_ref()), Some(true));
        assert_eq!(f.check.max_move.unwrap().into_inner(), "5%");
    }

    #[test]
    fn one_string_is_a_list_of_one() {
        let f = parse(Path::new("c.toml"), "[defaults]\npair = \"KZT\"\n").unwrap();
        assert_eq!(f.defaults.pair.unwrap().into_inner(), List(vec!["KZT".into()]));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let e = parse_err("db = \"x\"\n[defaults]\nsources = [\"nbk\"]\n");
        assert!(e.starts_with("config file /etc/fx.toml line 3: defaults.sources: unknown field `sources`"), "{e}");
        let e = parse_err("[defaults]\ninvert = \"yes\"\n");
        assert!(e.starts_with("config file /etc/fx.toml line 2: defaults.invert: invalid type: string"), "{e}");
        let e = parse_err("[defaults]\npair = 5\n");
        assert!(e.contains("line 2: defaults.pair:") && e.contains("a string or an array of strings"), "{e}");
        let e = parse_err("[colours]\nx = 1\n");
        assert!(e.contains("line 1: colours: unknown field `colours`"), "{e}");
        let e = parse_err("[check]\nmax_age = \n");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn keys_and_lines_are_found_from_an_offset() {
        let t = "a = 1\n[x]\n b = 2\n";
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(line_of(t, t.find('b').unwrap()), 3);
        assert_eq!(key_at(t, t.find('b').unwrap()).as_deref(), Some("x.b"));
        assert_eq!(key_at(t, 0).as_deref(), Some("a"));
        assert_eq!(key_at(t, t.find('[').unwrap()).as_deref(), Some("x"));
    }
}
