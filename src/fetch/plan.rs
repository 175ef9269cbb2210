//! What a run asks: each unit's requests (`sources::Source::current` and
//! `past`) with origins replaced, one source's after another's in turn.

use super::origin::{self, Origins};
use crate::error::{Error, Result};
use crate::sources::Source;
pub use crate::sources::{Request, When};

/// The requests for `sources`, origins replaced from `origins`.
pub fn plan(sources: &[&'static dyn Source], when: When, origins: &Origins) -> Result<Vec<Request>> {
    if let When::Range(from, to) = when {
        if from > to {
            return Err(Error::Usage(format!("--from {from} is after --to {to}")));
        }
    }
    let mut per_source = Vec::new();
    for source in sources {
        let mut reqs = requests(*source, when)?;
        for r in &mut reqs {
            r.url = origin::replace(&r.url, origins.of(source.label()));
        }
        per_source.push(reqs);
    }
    Ok(interleave(per_source))
}

/// One source's requests for `when`.
fn requests(source: &dyn Source, when: When) -> Result<Vec<Request>> {
    match when {
        When::Current { today } => Ok(source.current(today)),
        When::Day(d) => source.past(d, d),
        When::Range(a, b) => source.past(a, b),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{builtin, REGISTRY};

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_unit_is_asked_and_origins_replaced() {
        let mut origins = Origins::default();
        origins.set("cbt", "http://127.0.0.1:8080").unwrap();
        let r = plan(REGISTRY, When::Current { today: d("2026-05-20") }, &origins).unwrap();
        assert_eq!(r.len(), 8, "nbkr asks two files");
        assert!(r.iter().any(|q| q.url == "http://127.0.0.1:8080/kurs/2026/20052026.xml"));
        assert!(r.iter().any(|q| q.url == "https://nationalbank.kz/rss/get_rates.cfm?fdate=20.05.2026"));
    }

    #[test]
    fn the_ticker_has_no_past_and_ranges_must_run_forward() {
        let none = Origins::default();
        let ticker = builtin("timesca").unwrap();
        assert!(matches!(plan(&[ticker], When::Day(d("2026-01-01")), &none), Err(Error::Usage(_))));
        let nbk = builtin("nbk").unwrap();
        assert!(matches!(plan(&[nbk], When::Range(d("2026-01-02"), d("2026-01-01")), &none), Err(Error::Usage(_))));
        assert_eq!(plan(&[nbk], When::Range(d("2026-03-30"), d("2026-04-01")), &none).unwrap().len(), 3);
    }

    #[test]
    fn sources_are_interleaved() {
        let a = |s: &'static str, n: usize| (0..n).map(|i| Request::undated(s, &i.to_string(), &[])).collect();
        let order: Vec<_> = interleave(vec![a("x", 3), a("y", 1)]).into_iter().map(|r| r.source).collect();
        assert_eq!(order, ["x", "y", "x", "x"]);
    }
}
