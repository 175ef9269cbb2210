//! The Times of Central Asia's ticker (`• KGS/USD = 0.01144 0%` on every
//! page of timesca.com): X/USD as printed. The ticker keeps no archive, so
//! it has no past documents; its page is read by `read::ticker`.

use chrono::NaiveDate;

use super::{Profile, Request, Source};
use crate::error::{Error, Result};
use crate::read::format::Format;

pub struct Timesca;

const PAGE: &[Format] = &[Format::Ticker];

static PROFILE: Profile = Profile {
    label: "timesca",
    name: "The Times of Central Asia ticker",
    country: "Central Asia",
    home: None,
    data_url: "https://timesca.com/",
};

impl Source for Timesca {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }
    fn formats(&self) -> &'static [Format] {
        PAGE
    }
    fn current(&self, _today: NaiveDate) -> Vec<Request> {
        vec![Request::undated(self.label(), "https://timesca.com/", PAGE)]
    }
    fn past(&self, _from: NaiveDate, _to: NaiveDate) -> Result<Vec<Request>> {
        Err(Error::Usage("timesca has no past documents (the ticker has no archive): drop --date/--from/--to or the source".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_today_and_no_past() {
        let d: NaiveDate = "2026-01-01".parse().unwrap();
        let r = Timesca.current(d);
        assert_eq!((r.len(), r[0].url.as_str(), r[0].dated), (1, "https://timesca.com/", false));
        assert!(matches!(Timesca.past(d, d), Err(Error::Usage(_))));
    }
}
