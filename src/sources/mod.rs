//! The built-in sources, one unit each (as Frankfurter keeps one adapter
//! per bank): a unit is one file implementing [`Source`] — its label, full
//! name, country and home currency, the URLs of its documents for today,
//! for a day and for a range, its publishing quirks, how its documents are
//! recognized and its reader. `fetch`, `read` (sniff and dispatch) and the
//! captions iterate [`REGISTRY`]; nothing else names a built-in label.
//!
//! Adding a bank: a file beside these implementing [`Source`], and its
//! entry in the one `registry!` line below.

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};
use crate::model::{echo, Currency};
use crate::read::bank::BankDocument;
use crate::read::format::{BankFormat, Format};

/// Declares each unit's module and lists it in [`REGISTRY`], so a unit is
/// named once.
macro_rules! registry {
    ($($unit:ident::$ty:ident),* $(,)?) => {
        $(pub mod $unit;)*
        /// Every built-in source, in the order `fetch` asks them.
        pub static REGISTRY: &[&dyn Source] = &[$(&$unit::$ty),*];
    };
}

registry!(timesca::Timesca, nbk::Nbk, nbkr::Nbkr, cbu::Cbu, nbt::Nbt, cbt::Cbt, cbr::Cbr);

/// Who a built-in source is: what a caption, the report or a server says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The label stored with its observations (`nbk`).
    pub label: &'static str,
    /// Who publishes it, for captions and the report.
    pub name: &'static str,
    /// The country it publishes for (`Kazakhstan`).
    pub country: &'static str,
    /// The currency its documents quote others in (`KZT`); `None` for the
    /// ticker, which quotes against USD.
    pub home: Option<&'static str>,
    /// Where its current data is published.
    pub data_url: &'static str,
}

/// One built-in source: who publishes it, where, with what quirks, and how
/// its documents are read. A bank publishing one document a day at a dated
/// URL needs only [`Source::day_url`]; the others say how they ask.
pub trait Source: Sync {
    /// Who it is.
    fn profile(&self) -> &'static Profile;
    /// The label stored with its observations (`nbk`).
    fn label(&self) -> &'static str {
        self.profile().label
    }
    /// Who publishes it.
    fn name(&self) -> &'static str {
        self.profile().name
    }
    /// The country it publishes for.
    fn country(&self) -> &'static str {
        self.profile().country
    }
    /// The currency its documents quote others in (`None` for the ticker).
    fn home(&self) -> Option<&'static str> {
        self.profile().home
    }
    /// Where its current data is published.
    fn data_url(&self) -> &'static str {
        self.profile().data_url
    }
    /// The formats of its documents, each read by [`Source::read`] (the
    /// ticker's page is `Format::Ticker`, read by `read::ticker`).
    fn formats(&self) -> &'static [Format];
    /// The URL of its document of day `d`, for a source with one a day.
    fn day_url(&self, _d: NaiveDate) -> Option<String> {
        None
    }
    /// The formats a day's document may be (all of its formats unless it says).
    fn day_formats(&self) -> &'static [Format] {
        self.formats()
    }
    /// The request for its document of day `d`, if it has one a day.
    fn day_request(&self, d: NaiveDate) -> Option<Request> {
        Some(Request::day(self.label(), self.day_url(d)?, self.day_formats(), d))
    }
    /// The requests for its current documents: today's document.
    fn current(&self, today: NaiveDate) -> Vec<Request> {
        self.day_request(today).into_iter().collect()
    }
    /// The requests for the days `from..=to`: one a day (a usage error for
    /// a source that keeps no past).
    fn past(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Request>> {
        Ok(days(from, to).filter_map(|d| self.day_request(d)).collect())
    }
    /// How many days ahead it may publish (NBKR and CBR publish tomorrow's rate today).
    fn publishes_ahead(&self) -> u64 {
        0
    }
    /// True when an answer of this status to a request for `asked` means
    /// "no document that day", not an error (CBT's Sunday 404).
    fn no_document(&self, _asked: Option<NaiveDate>, _status: u16) -> bool {
        false
    }
    /// Its document, recognized from the head of an input.
    fn recognize(&self, _head: &Head<'_>) -> Option<Match> {
        None
    }
    /// What its JSON documents hold, for the message about a JSON array
    /// that is none of the banks' (`objects with "Ccy", …`).
    fn json_shape(&self) -> Option<&'static str> {
        None
    }
    /// Reads one of its documents; `currency` is the one its request named.
    fn read(&self, format: BankFormat, _bytes: &[u8], _currency: Option<Currency>) -> Result<BankDocument> {
        Err(Error::invalid(format!("is read as {}, not as a bank document", format.name)))
    }
    /// A page only its request can read (NBKR's history page, by its rows'
    /// marks), told from the head of an input.
    fn by_request(&self, _head: &[u8]) -> Option<BankFormat> {
        None
    }
    /// The currency one of its URLs asks for (an archived request read again).
    fn currency_of_url(&self, _url: &str) -> Option<Currency> {
        None
    }
    /// A by-request page without rows: `Some(Ok)` when it is the page saying
    /// "no rates" (nothing stored), `Some(Err)` when it is no page of this
    /// source; `None` when it has rows to read.
    fn page_without_rows(&self, _body: &[u8]) -> Option<Result<()>> {
        None
    }
}

impl dyn Source {
    /// The home currency as a type (units give valid codes only).
    pub fn home_currency(&self) -> Option<Currency> {
        self.home().and_then(|c| c.parse().ok())
    }
}

/// The built-in source with this label (case-insensitive).
pub fn builtin(label: &str) -> Option<&'static dyn Source> {
    REGISTRY.iter().copied().find(|s| s.label().eq_ignore_ascii_case(label))
}

/// The labels of every built-in source, for messages (`timesca, nbk, …`).
pub fn labels() -> Vec<&'static str> {
    REGISTRY.iter().map(|s| s.label()).collect()
}

/// A source's full name for captions: the built-in name, or the label
/// itself for a source a CSV named (`nbu` gets its known name too).
pub fn full_name(label: &str) -> &str {
    match builtin(label) {
        Some(s) => s.name(),
        None if label.eq_ignore_ascii_case("nbu") => "National Bank of Ukraine (cross rates via the hryvnia)",
        None => label,
    }
}

/// The largest number of days ahead any source publishes.
pub fn days_ahead() -> u64 {
    REGISTRY.iter().map(|s| s.publishes_ahead()).max().unwrap_or(0)
}

/// Reads a document of a built-in source's format, by its unit.
pub fn read_bank(format: BankFormat, bytes: &[u8], currency: Option<Currency>) -> Result<BankDocument> {
    let unit = builtin(format.source).ok_or_else(|| Error::invalid(format!("'{}' is not a bank source", echo(format.source))))?;
    unit.read(format, bytes, currency)
}

/// What an input's head shows, for [`Source::recognize`].
#[derive(Clone, Copy, Debug)]
pub enum Head<'a> {
    /// XML: the root element's name and attributes, and the text from it on.
    Xml { root: &'a str, attrs: &'a [(String, String)], text: &'a str },
    /// A JSON array: the text after its `[`, leading blanks trimmed.
    JsonArray(&'a str),
}

impl Head<'_> {
    /// An attribute of the XML root.
    pub fn attr(&self, name: &str) -> Option<&str> {
        match self {
            Head::Xml { attrs, .. } => attrs.iter().find(|(a, _)| a == name).map(|(_, v)| v.as_str()),
            Head::JsonArray(_) => None,
        }
    }

    /// The XML root's name (`None` for JSON).
    pub fn root(&self) -> Option<&str> {
        match self {
            Head::Xml { root, .. } => Some(root),
            Head::JsonArray(_) => None,
        }
    }
}

/// How sure a unit is that a head is its document: two units may share a
/// root (NBT's and CBR's `<ValCurs>`); the first sure one in the registry
/// wins, else the first that may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Sure(BankFormat),
    Maybe(BankFormat),
}

/// The bank format an input's head is, asking every unit.
pub fn recognize(head: &Head<'_>) -> Option<BankFormat> {
    let mut maybe = None;
    for unit in REGISTRY {
        match unit.recognize(head) {
            Some(Match::Sure(f)) => return Some(f),
            Some(Match::Maybe(f)) => maybe = maybe.or(Some(f)),
            None => {}
        }
    }
    maybe
}

/// A page only its request can read, if the head is one.
pub fn by_request(head: &[u8]) -> Option<BankFormat> {
    REGISTRY.iter().find_map(|u| u.by_request(head))
}

/// The currency a built-in source's URL asks for, for a by-request page.
pub fn currency_of_url(url: &str) -> Option<Currency> {
    REGISTRY.iter().find_map(|u| u.currency_of_url(url))
}

/// Every bank format of the registry, in its order.
pub fn bank_formats() -> impl Iterator<Item = BankFormat> {
    REGISTRY.iter().flat_map(|u| u.formats()).filter_map(|f| match f {
        Format::Bank(b) => Some(*b),
        _ => None,
    })
}

/// What dates a run asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The current documents (`today` names the day in the dated URLs).
    Current { today: NaiveDate },
    /// One past day.
    Day(NaiveDate),
    /// An inclusive range of days.
    Range(NaiveDate, NaiveDate),
}

/// One HTTP request of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The source label (`nbk`).
    pub source: &'static str,
    pub url: String,
    /// The formats its answer may be (a mirror answering with another
    /// file is refused unread).
    pub expects: &'static [Format],
    /// The day asked for, for per-day documents (a document dated otherwise is reported).
    pub asked_date: Option<NaiveDate>,
    /// The currency a per-currency request asks for (NBKR history, CBR dynamic).
    pub currency: Option<Currency>,
    /// True when the URL names its date(s): such a URL, once ingested, is not asked again.
    pub dated: bool,
}

impl Request {
    /// A request for one day's document.
    pub fn day(source: &'static str, url: String, expects: &'static [Format], d: NaiveDate) -> Request {
        Request { source, url, expects, asked_date: Some(d), currency: None, dated: true }
    }

    /// A request for a current document whose URL names no date.
    pub fn undated(source: &'static str, url: &str, expects: &'static [Format]) -> Request {
        Request { source, url: url.to_string(), expects, asked_date: None, currency: None, dated: false }
    }

    /// A request for one currency over a range (the URL names both).
    pub fn per_currency(source: &'static str, url: String, expects: &'static [Format], currency: Currency) -> Request {
        Request { source, url, expects, asked_date: None, currency: Some(currency), dated: true }
    }
}

/// `DD.MM.YYYY`, `DD/MM/YYYY` (with `sep`), or `DDMMYYYY` (with `None`).
pub fn dmy(d: NaiveDate, sep: Option<char>) -> String {
    let s = sep.map(String::from).unwrap_or_default();
    format!("{:02}{s}{:02}{s}{:04}", d.day(), d.month(), d.year())
}

/// The days `from..=to`.
pub fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

/// A date attribute written `YYYY-MM-DD` (NBT's `<ValCurs Date>`; CBR's is `DD.MM.YYYY`).
pub fn is_iso_date(date: &str) -> bool {
    let d = date.trim().as_bytes();
    d.len() == 10 && d[4] == b'-' && d[7] == b'-'
}

/// Currency codes of a unit's table (units hold valid codes only).
pub fn currencies(codes: &'static [&'static str]) -> impl Iterator<Item = Currency> {
    codes.iter().filter_map(|c| c.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_the_seven_sources_once() {
        let rows: Vec<String> = REGISTRY
            .iter()
            .map(|s| format!("{} {} {} | {} | {}", s.label(), s.home().unwrap_or("-"), s.country(), s.name(), s.data_url()))
            .collect();
        assert_eq!(
            rows,
            [
                "timesca - Central Asia | The Times of Central Asia ticker | https://timesca.com/",
                "nbk KZT Kazakhstan | National Bank of Kazakhstan | https://nationalbank.kz/rss/get_rates.cfm",
                "nbkr KGS Kyrgyzstan | National Bank of the Kyrgyz Republic | https://www.nbkr.kg/XML/daily.xml",
                "cbu UZS Uzbekistan | Central Bank of Uzbekistan | https://cbu.uz/en/arkhiv-kursov-valyut/json/",
                "nbt TJS Tajikistan | National Bank of Tajikistan | https://www.nbt.tj/en/kurs/export_xml.php",
                "cbt TMT Turkmenistan | Central Bank of Turkmenistan | https://cbt.tm/kurs/",
                "cbr RUB Russia | Central Bank of Russia | https://www.cbr.ru/scripts/XML_daily.asp",
            ]
        );
        for s in REGISTRY {
            assert_eq!(s.label(), s.label().to_ascii_lowercase());
            assert_eq!(s.home().is_some(), s.home_currency().is_some(), "{}", s.label());
            for f in s.formats() {
                if let Format::Bank(b) = f {
                    assert_eq!(b.source, s.label(), "{}", b.name);
                }
            }
        }
        let names: Vec<&str> = bank_formats().map(|f| f.name).collect();
        assert_eq!(names.join(","), "nbk,nbkr-daily,nbkr-weekly,nbkr-history,cbu,nbt,cbt,cbr-daily,cbr-dynamic");
        assert_eq!(full_name("NBK"), "National Bank of Kazakhstan");
        assert_eq!(full_name("other"), "other");
        assert_eq!(days_ahead(), 1);
    }

    #[test]
    fn dates_in_urls() {
        let d: NaiveDate = "2026-05-20".parse().unwrap();
        assert_eq!(dmy(d, Some('.')), "20.05.2026");
        assert_eq!(dmy(d, Some('/')), "20/05/2026");
        assert_eq!(dmy(d, None), "20052026");
        assert_eq!(days(d, d.succ_opt().unwrap()).count(), 2);
    }
}
