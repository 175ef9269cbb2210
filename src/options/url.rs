//! The same typed options from a URL's query: each options type reads its
//! own parameters by name (`FromUrl`), so a URL reaches exactly what the
//! type offers (it has no file options) and nothing parses a command line
//! at run time. Names are the command line's long names without `--`
//! (`pair`, `max-move`); a flag is true bare (`&log`), empty, `1` or
//! `true`, false absent, `0` or `false`. Every message names the parameter
//! as written in the URL.

use std::cell::RefCell;

use crate::error::Error;

/// A query's parameters, decoded, with the names an options type asked for
/// (so an unknown one can be refused with the nearest known name).
pub struct UrlQuery {
    pairs: Vec<(String, String)>,
    asked: RefCell<Vec<Asked>>,
}

/// One parameter an options type reads, and what kind of value it takes
/// (what the API's OpenAPI document says of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub name: &'static str,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text (a time, an amount, a currency, a title).
    Text,
    /// Repeatable or comma-separated.
    List,
    /// true when bare, empty, `1` or `true`.
    Flag,
    /// A whole number in a range.
    Number { min: u32, max: u32 },
    /// One of these words.
    Choice(Vec<String>),
    /// Required text.
    Required,
}

/// Types a URL's query can be read into.
pub trait FromUrl: Sized {
    fn from_url(q: &UrlQuery) -> Result<Self, Error>;
}

impl UrlQuery {
    /// The parameters of a raw query string (`a=1&b=%41`), percent- and
    /// `+`-decoded, in order; a 400's message when one is not UTF-8.
    pub fn parse(raw: Option<&str>) -> Result<UrlQuery, Error> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let k = decode(k, true).ok_or_else(|| Error::Usage("a query parameter's name is not UTF-8 once decoded".into()))?;
            let v = decode(v, true).ok_or_else(|| Error::Usage(format!("the value of parameter \"{k}\" is not UTF-8 once decoded")))?;
            pairs.push((k, v));
        }
        Ok(UrlQuery { pairs, asked: RefCell::new(Vec::new()) })
    }

    /// The decoded pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Reads `T` and refuses any parameter `T` does not take.
    pub fn read<T: FromUrl>(&self) -> Result<T, Error> {
        let t = T::from_url(self)?;
        self.finish()?;
        Ok(t)
    }

    /// What `T` reads, in order (for the API's document).
    pub fn describe<T: FromUrl>() -> Vec<Asked> {
        let q = UrlQuery { pairs: Vec::new(), asked: RefCell::new(Vec::new()) };
        let _ = T::from_url(&q);
        q.asked.into_inner()
    }

    fn ask(&self, name: &'static str, kind: Kind) {
        let mut asked = self.asked.borrow_mut();
        if !asked.iter().any(|a| a.name == name) {
            asked.push(Asked { name, kind });
        }
    }

    fn last(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The last value given, if any.
    pub fn text(&self, name: &'static str) -> Option<String> {
        self.ask(name, Kind::Text);
        self.last(name).map(str::to_string)
    }

    /// The last value given; a 400 naming the parameter when there is none.
    pub fn required(&self, name: &'static str) -> Result<String, Error> {
        self.ask(name, Kind::Required);
        self.last(name).map(str::to_string).ok_or_else(|| Error::Usage(format!("parameter \"{name}\" is required")))
    }

    /// Every value given, in order (each may itself be a comma list).
    pub fn list(&self, name: &'static str) -> Vec<String> {
        self.ask(name, Kind::List);
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// A flag: None when absent; true bare, empty, `1` or `true`; false `0` or `false`.
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, Error> {
        self.ask(name, Kind::Flag);
        match self.last(name) {
            None => Ok(None),
            Some("" | "1" | "true") => Ok(Some(true)),
            Some("0" | "false") => Ok(Some(false)),
            Some(other) => Err(Error::Usage(format!("parameter \"{name}\" is a flag: give it bare, or true or false, not \"{other}\""))),
        }
    }

    /// A whole number from `min` to `max`, `default` when absent.
    pub fn number(&self, name: &'static str, default: u32, min: u32, max: u32) -> Result<u32, Error> {
        self.ask(name, Kind::Number { min, max });
        let Some(v) = self.last(name) else { return Ok(default) };
        match v.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Error::Usage(format!("parameter \"{name}\" is {v:?}: give a whole number from {min} to {max}"))),
        }
    }

    /// One of the words of a clap value enum (any case), None when absent.
    pub fn choice<T: clap::ValueEnum>(&self, name: &'static str) -> Result<Option<T>, Error> {
        let words: Vec<String> =
            T::value_variants().iter().filter_map(|v| v.to_possible_value()).map(|p| p.get_name().to_string()).collect();
        let choices = words.join(", ");
        self.ask(name, Kind::Choice(words));
        let Some(v) = self.last(name) else { return Ok(None) };
        T::from_str(v, true).map(Some).map_err(|_| Error::Usage(format!("parameter \"{name}\" is {v:?}: give one of {choices}")))
    }

    /// Refuses a parameter nothing asked for, naming the nearest known one.
    fn finish(&self) -> Result<(), Error> {
        let asked = self.asked.borrow();
        for (k, _) in &self.pairs {
            if asked.iter().any(|a| a.name == k) {
                continue;
            }
            let names: Vec<&str> = asked.iter().map(|a| a.name).collect();
            return Err(Error::Usage(match nearest(k, &names) {
                Some(n) => format!("unknown parameter \"{k}\"; did you mean \"{n}\"?"),
                None => format!("unknown parameter \"{k}\"; this endpoint takes {}", names.join(", ")),
            }));
        }
        Ok(())
    }
}

/// The known name closest to `given` (as clap suggests on the command
/// line: Jaro similarity above 0.7), or None.
pub fn nearest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    known.iter().map(|k| (strsim::jaro(&given, k), *k)).filter(|(score, _)| *score > 0.7).max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, k)| k)
}

/// Percent-decoding (and `+` as a space in a query); None when the bytes
/// are not UTF-8. A `%` not followed by two hex digits stays as it is.
pub fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A message of the typed options (written for the command line, naming
/// `--pair`) in a URL's words: `pair`, never `--NAME`.
pub fn url_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        if !after.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            out.push_str("--");
        }
        rest = after;
    }
    out.push_str(rest);
    // convert's positional arguments are parameters of the same names in a URL.
    for (cli, url) in [("AMOUNT '", "amount '"), ("FROM: ", "from: "), ("TO: ", "to: ")] {
        if let Some(rest) = out.strip_prefix(cli) {
            out = format!("{url}{rest}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Probe {
        pair: Vec<String>,
        log: Option<bool>,
        width: u32,
    }

    impl FromUrl for Probe {
        fn from_url(q: &UrlQuery) -> Result<Self, Error> {
            Ok(Probe { pair: q.list("pair"), log: q.flag("log")?, width: q.number("width", 1200, 300, 4000)? })
        }
    }

    fn read(raw: &str) -> Result<Probe, String> {
        UrlQuery::parse(Some(raw)).and_then(|q| q.read::<Probe>()).map_err(|e| e.to_string())
    }

    #[test]
    fn flags_are_true_bare_empty_one_or_true() {
        for raw in ["log", "log=", "log=1", "log=true"] {
            assert_eq!(read(raw).unwrap().log, Some(true), "{raw}");
        }
        for raw in ["log=0", "log=false"] {
            assert_eq!(read(raw).unwrap().log, Some(false), "{raw}");
        }
        assert_eq!(read("").unwrap().log, None);
        let e = read("log=perhaps").unwrap_err();
        assert!(e.contains("\"log\"") && !e.contains("--"), "{e}");
    }

    #[test]
    fn an_unknown_parameter_names_the_nearest() {
        assert_eq!(read("paer=KZT").unwrap_err(), "unknown parameter \"paer\"; did you mean \"pair\"?");
        let far = read("zzz=1").unwrap_err();
        assert!(far.starts_with("unknown parameter \"zzz\"; this endpoint takes pair, log, width"), "{far}");
    }

    #[test]
    fn lists_repeat_and_numbers_say_their_range() {
        let p = read("pair=KZT&pair=UZS,TJS&width=800").unwrap();
        assert_eq!((p.pair, p.width), (vec!["KZT".to_string(), "UZS,TJS".to_string()], 800));
        assert_eq!(read("width=5000").unwrap_err(), "parameter \"width\" is \"5000\": give a whole number from 300 to 4000");
    }

    #[test]
    fn what_a_type_reads_is_described() {
        let d = UrlQuery::describe::<Probe>();
        assert_eq!(d.iter().map(|a| a.name).collect::<Vec<_>>(), ["pair", "log", "width"]);
        assert_eq!(d[2].kind, Kind::Number { min: 300, max: 4000 });
    }

    #[test]
    fn messages_lose_their_dashes() {
        assert_eq!(url_words("--from 2026-13-01: month 13 does not exist"), "from 2026-13-01: month 13 does not exist");
        assert_eq!(url_words("add --cross to derive it (--pair all)"), "add cross to derive it (pair all)");
        assert_eq!(url_words("a -- b"), "a -- b");
        assert_eq!(url_words("AMOUNT '-5' is not positive"), "amount '-5' is not positive");
    }

    #[test]
    fn queries_decode() {
        let q = UrlQuery::parse(Some("a=1+2&b=%41%2c&c")).unwrap();
        assert_eq!(q.pairs(), [("a".into(), "1 2".into()), ("b".into(), "A,".into()), ("c".into(), "".into())]);
        assert_eq!(decode("100%", false).as_deref(), Some("100%"));
        assert_eq!(decode("%4", false).as_deref(), Some("%4"));
    }
}
