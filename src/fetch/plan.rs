//! What to ask each source for: per source, the URLs of its current
//! documents, of one past day, or of a range. Per-day sources get one
//! request a day; CBR one `XML_dynamic` request per currency for the whole
//! range; NBKR its history page per currency and calendar year (a request
//! covers at most about a year). The ticker has no past.

use chrono::{Datelike, NaiveDate};

use super::ids;
use super::origin;
use crate::error::{Error, Result};
use crate::model::Currency;

/// The seven built-in sources, in the order `fetch` asks them.
pub const SOURCES: [&str; 7] = ["timesca", "nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"];

/// Which document a request asks for, so the response is read by the right reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ticker,
    Nbk,
    NbkrDaily,
    NbkrWeekly,
    /// The history page: the rows name no currency, the request does.
    NbkrHistory,
    Cbu,
    Nbt,
    Cbt,
    CbrDaily,
    CbrDynamic,
}

/// What dates are asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// The current documents (`today` names the day in the dated URLs).
    Current { today: NaiveDate },
    /// One past day.
    Day(NaiveDate),
    /// An inclusive range of days.
    Range(NaiveDate, NaiveDate),
}

/// One HTTP request of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The source label (`nbk`).
    pub source: &'static str,
    pub url: String,
    pub kind: Kind,
    /// The day asked for, for per-day documents (a document dated otherwise is reported).
    pub asked_date: Option<NaiveDate>,
    /// The currency a per-currency request asks for (NBKR history, CBR dynamic).
    pub currency: Option<Currency>,
    /// True when the URL names its date(s): such a URL, once ingested, is not asked again.
    pub dated: bool,
}

/// The requests for `sources` (labels from [`SOURCES`]), origins replaced from the environment.
pub fn plan(sources: &[&'static str], when: When) -> Result<Vec<Request>> {
    if let When::Range(from, to) = when {
        if from > to {
            return Err(Error::Usage(format!("--from {from} is after --to {to}")));
        }
    }
    let mut per_source = Vec::new();
    for &source in sources {
        let origin = origin::from_env(source)?;
        let mut reqs = requests(source, when)?;
        for r in &mut reqs {
            r.url = origin::replace(&r.url, origin.as_ref());
        }
        per_source.push(reqs);
    }
    Ok(interleave(per_source))
}

/// One source's requests after another's, round robin: while one host
/// waits out its `--delay`, the next is asked.
fn interleave(lists: Vec<Vec<Request>>) -> Vec<Request> {
    let mut iters: Vec<_> = lists.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for it in &mut iters {
            out.extend(it.next());
        }
        if out.len() == before {
            return out;
        }
    }
}

fn dmy(d: NaiveDate, sep: char) -> String {
    format!("{:02}{sep}{:02}{sep}{:04}", d.day(), d.month(), d.year())
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

/// The URL of one per-day document of `source`.
fn day_url(source: &str, d: NaiveDate) -> Option<(String, Kind)> {
    Some(match source {
        "nbk" => (format!("https://nationalbank.kz/rss/get_rates.cfm?fdate={}", dmy(d, '.')), Kind::Nbk),
        "cbu" => (format!("https://cbu.uz/en/arkhiv-kursov-valyut/json/all/{d}/"), Kind::Cbu),
        "nbt" => (format!("https://www.nbt.tj/en/kurs/export_xml.php?date={d}&export=xmlout"), Kind::Nbt),
        "cbt" => (format!("https://cbt.tm/kurs/{:04}/{}.xml", d.year(), dmy(d, '\0').replace('\0', "")), Kind::Cbt),
        "cbr" => (format!("https://www.cbr.ru/scripts/XML_daily.asp?date_req={}", dmy(d, '/')), Kind::CbrDaily),
        _ => return None,
    })
}

fn day_request(source: &'static str, d: NaiveDate) -> Option<Request> {
    day_url(source, d).map(|(url, kind)| Request { source, url, kind, asked_date: Some(d), currency: None, dated: true })
}

/// NBKR's history page for one currency from `from` to `to` (within one year).
pub fn nbkr_history_url(valuta_id: u32, from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "https://www.nbkr.kg/index1.jsp?beg_day={:02}&beg_month={:02}&beg_year={}&end_day={:02}&end_month={:02}&end_year={}&item=1562&lang=ENG&valuta_id={valuta_id}",
        from.day(),
        from.month(),
        from.year(),
        to.day(),
        to.month(),
        to.year()
    )
}

/// CBR's dynamic document for one currency id over a range.
pub fn cbr_dynamic_url(id: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("https://www.cbr.ru/scripts/XML_dynamic.asp?date_req1={}&date_req2={}&VAL_NM_RQ={id}", dmy(from, '/'), dmy(to, '/'))
}

fn requests(source: &'static str, when: When) -> Result<Vec<Request>> {
    let (from, to) = match when {
        When::Current { today } => return Ok(current(source, today)),
        When::Day(d) => (d, d),
        When::Range(a, b) => (a, b),
    };
    Ok(match source {
        "timesca" => {
            return Err(Error::Usage(
                "timesca has no past documents (the ticker has no archive): drop --date/--from/--to or the source".into(),
            ))
        }
        "nbkr" => {
            let mut out = Vec::new();
            for (start, end) in years(from, to) {
                for cur in ids::NBKR_HISTORY.iter().filter_map(|c| ids::currency(c)) {
                    let Some(id) = ids::nbkr_valuta_id(cur) else { continue };
                    out.push(Request {
                        source,
                        url: nbkr_history_url(id, start, end),
                        kind: Kind::NbkrHistory,
                        asked_date: None,
                        currency: Some(cur),
                        dated: true,
                    });
                }
            }
            out
        }
        // One day of CBR is its daily document, which has every currency in one request.
        "cbr" if from < to => ids::CBR_DYNAMIC
            .iter()
            .filter_map(|c| {
                let cur = ids::currency(c)?;
                let id = ids::cbr_id(cur)?;
                Some(Request {
                    source,
                    url: cbr_dynamic_url(id, from, to),
                    kind: Kind::CbrDynamic,
                    asked_date: None,
                    currency: Some(cur),
                    dated: true,
                })
            })
            .collect(),
        _ => days(from, to).filter_map(|d| day_request(source, d)).collect(),
    })
}

fn current(source: &'static str, today: NaiveDate) -> Vec<Request> {
    let undated = |url: &str, kind| Request { source, url: url.to_string(), kind, asked_date: None, currency: None, dated: false };
    match source {
        "timesca" => vec![undated("https://timesca.com/", Kind::Ticker)],
        "nbkr" => vec![
            undated("https://www.nbkr.kg/XML/daily.xml", Kind::NbkrDaily),
            undated("https://www.nbkr.kg/XML/weekly.xml", Kind::NbkrWeekly),
        ],
        _ => day_request(source, today).into_iter().collect(),
    }
}

/// `from..=to` cut at year boundaries.
fn years(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = NaiveDate::from_ymd_opt(start.year(), 12, 31).map_or(to, |e| e.min(to));
        out.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn current_urls_are_the_contracts() {
        let r = requests("cbt", When::Current { today: d("2026-05-20") }).unwrap();
        assert_eq!(r[0].url, "https://cbt.tm/kurs/2026/20052026.xml");
        let r = requests("nbk", When::Current { today: d("2026-04-01") }).unwrap();
        assert_eq!(r[0].url, "https://nationalbank.kz/rss/get_rates.cfm?fdate=01.04.2026");
        assert_eq!(r[0].asked_date, Some(d("2026-04-01")));
        let r = requests("cbr", When::Current { today: d("2026-04-25") }).unwrap();
        assert_eq!(r[0].url, "https://www.cbr.ru/scripts/XML_daily.asp?date_req=25/04/2026");
        let r = requests("nbkr", When::Current { today: d("2026-04-25") }).unwrap();
        assert_eq!(r.len(), 2);
        assert!(!r[0].dated);
        let r = requests("nbt", When::Current { today: d("2026-05-18") }).unwrap();
        assert_eq!(r[0].url, "https://www.nbt.tj/en/kurs/export_xml.php?date=2026-05-18&export=xmlout");
        let r = requests("cbu", When::Current { today: d("2026-04-03") }).unwrap();
        assert_eq!(r[0].url, "https://cbu.uz/en/arkhiv-kursov-valyut/json/all/2026-04-03/");
    }

    #[test]
    fn ranges_per_day_per_currency_and_per_year() {
        let r = requests("nbk", When::Range(d("2026-03-30"), d("2026-04-01"))).unwrap();
        assert_eq!(r.len(), 3);
        let r = requests("cbr", When::Range(d("2026-03-01"), d("2026-03-05"))).unwrap();
        assert_eq!(r.len(), ids::CBR_DYNAMIC.len());
        assert!(r
            .iter()
            .any(|q| q.url == "https://www.cbr.ru/scripts/XML_dynamic.asp?date_req1=01/03/2026&date_req2=05/03/2026&VAL_NM_RQ=R01335"));
        let r = requests("nbkr", When::Range(d("2005-06-01"), d("2005-06-30"))).unwrap();
        assert_eq!(r.len(), ids::NBKR_HISTORY.len());
        assert!(r.iter().any(|q| q.url
            == "https://www.nbkr.kg/index1.jsp?beg_day=01&beg_month=06&beg_year=2005&end_day=30&end_month=06&end_year=2005&item=1562&lang=ENG&valuta_id=15"));
        let r = requests("nbkr", When::Range(d("2024-12-30"), d("2026-01-02"))).unwrap();
        assert_eq!(r.len(), 3 * ids::NBKR_HISTORY.len());
        let r = requests("cbr", When::Day(d("2026-04-25"))).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, Kind::CbrDaily);
    }

    #[test]
    fn the_ticker_has_no_past_and_ranges_must_run_forward() {
        assert!(matches!(requests("timesca", When::Day(d("2026-01-01"))), Err(Error::Usage(_))));
        assert!(matches!(plan(&["nbk"], When::Range(d("2026-01-02"), d("2026-01-01"))), Err(Error::Usage(_))));
    }

    #[test]
    fn sources_are_interleaved() {
        let a = |s: &'static str, n: usize| {
            (0..n)
                .map(|i| Request { source: s, url: i.to_string(), kind: Kind::Nbk, asked_date: None, currency: None, dated: true })
                .collect()
        };
        let order: Vec<_> = interleave(vec![a("x", 3), a("y", 1)]).into_iter().map(|r| r.source).collect();
        assert_eq!(order, ["x", "y", "x", "x"]);
    }
}
