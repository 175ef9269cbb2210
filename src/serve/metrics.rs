//! `/metrics`: the store's rates and sources and the server's own
//! requests, in the Prometheus text format 0.0.4, encoded by the
//! Prometheus project's `prometheus-client`.
//!
//! The store's part is read once per change of the store (counting the
//! observations reads the whole table) and kept with its change stamp,
//! read ahead by the server once a second after a write so a scrape seldom
//! waits for it; the server's part is live counters shared by every request.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use prometheus_client::encoding::text::encode_registry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::error::Result;
use crate::model::{Currency, Instant, Pair};
use crate::selection::Selection;
use crate::store::{ChangeStamp, Store};

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// The five currencies fxsnap is for, as `fxsnap_rate` reports them against USD.
const CURRENCIES: [&str; 5] = ["KZT", "KGS", "UZS", "TJS", "TMT"];

/// The content type of the text format 0.0.4.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The labels of `fxsnap_http_requests_total`: a few fixed routes and the statuses.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

/// The server's own counters, shared by every request.
pub(crate) struct Http {
    requests: Family<RequestLabels, Counter>,
    duration: Histogram,
}

impl Http {
    pub(crate) fn new() -> Http {
        Http { requests: Family::default(), duration: Histogram::new(exponential_buckets(0.0005, 2.0, 16)) }
    }

    /// Counts one answered request.
    pub(crate) fn record(&self, route: &'static str, status: u16, seconds: f64) {
        self.requests.get_or_create(&RequestLabels { route, status }).inc();
        self.duration.observe(seconds);
    }
}

/// One series' newest rate, for `fxsnap_rate`.
#[derive(Clone, Debug)]
struct RateRow {
    quote: String,
    source: String,
    rate: f64,
    at: i64,
}

/// What the store contributes, read at one change stamp.
#[derive(Clone, Debug, Default)]
struct StoreFigures {
    rates: Vec<RateRow>,
    last_input: Vec<(String, i64)>,
    /// Failed fetches per source with their times (counted over the last 24 h at each scrape).
    failures: Vec<(String, Vec<i64>)>,
    conflicts: u64,
    observations: u64,
}

/// The store's figures of the last change stamp seen.
#[derive(Default)]
pub(crate) struct StoreCache(Mutex<Option<(Option<ChangeStamp>, StoreFigures)>>);

impl StoreCache {
    /// The figures of the store state `store` reads (its read transaction
    /// open, at `stamp`). One reader at a time: a scrape that comes while
    /// they are being read waits for them rather than reading them again.
    fn figures(&self, store: &Store, stamp: Option<ChangeStamp>) -> Result<StoreFigures> {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, f)) = kept.as_ref() {
            // A store without a stamp (older than version 4) is read every time.
            if stamp.is_some() && *s == stamp {
                return Ok(f.clone());
            }
        }
        let f = read_figures(store)?;
        // An older state's figures (a scrape that began before a write) do not replace a newer one's.
        let newer = |k: &Option<ChangeStamp>| stamp.map(|s| s.counter) >= k.map(|s| s.counter);
        if kept.as_ref().is_none_or(|(k, _)| newer(k)) {
            *kept = Some((stamp, f.clone()));
        }
        Ok(f)
    }

    /// Reads the figures of `store`'s state ahead of a scrape, unless kept already.
    pub(crate) fn read_ahead(&self, store: &Store, stamp: Option<ChangeStamp>) -> Result<()> {
        if stamp.is_some() {
            self.figures(store, stamp)?;
        }
        Ok(())
    }
}

fn read_figures(store: &Store) -> Result<StoreFigures> {
    let usd: Currency = "USD".parse()?;
    let mut rates = Vec::new();
    for series in store.series()? {
        for code in CURRENCIES {
            let c: Currency = code.parse()?;
            let asked = Pair::new(usd, c)?;
            if series.pair.canonical() != asked.canonical() {
                continue;
            }
            if let Some(o) = store.latest(&series, None)? {
                rates.push(RateRow {
                    quote: code.to_string(),
                    source: series.source.as_str().to_string(),
                    // No digit the quote never had: an inverse to its quote's significant digits.
                    rate: if o.pair == asked {
                        o.rate.to_f64()
                    } else {
                        crate::precision::inverse_to_quoted_digits(o.rate.decimal())
                            .map_or(f64::NAN, |d| rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(f64::NAN))
                    },
                    at: o.at.unix(),
                });
            }
        }
    }
    let states = crate::query::sources::states(store, &Selection::default())?;
    let last_input =
        states.iter().filter_map(|s| s.last_input.as_ref().map(|i| (s.source.as_str().to_string(), i.ingested.unix()))).collect();
    let mut failures: Vec<(String, Vec<i64>)> = states.iter().map(|s| (s.source.as_str().to_string(), Vec::new())).collect();
    for f in store.failed_fetches()? {
        match failures.iter_mut().find(|(s, _)| s.eq_ignore_ascii_case(&f.source)) {
            Some((_, times)) => times.push(f.at.unix()),
            None => failures.push((f.source.to_ascii_lowercase(), vec![f.at.unix()])),
        }
    }
    let (conflicts, observations) = store.counts()?;
    Ok(StoreFigures { rates, last_input, failures, conflicts, observations })
}

/// The `/metrics` body.
pub(crate) fn render(http: &Http, cache: &StoreCache, store: &Store, stamp: Option<ChangeStamp>, now: Instant) -> Result<Vec<u8>> {
    let f = cache.figures(store, stamp)?;
    let mut registry = Registry::default();
    let rate = Family::<Labels, FloatGauge>::default();
    let rate_time = Family::<Labels, Gauge>::default();
    for r in &f.rates {
        let labels =
            vec![("base".to_string(), "USD".to_string()), ("quote".to_string(), r.quote.clone()), ("source".to_string(), r.source.clone())];
        rate.get_or_create(&labels).set(r.rate);
        rate_time.get_or_create(&labels).set(r.at);
    }
    registry.register("fxsnap_rate", "Units of the quote currency per one base currency, the newest observation of each series", rate);
    registry.register("fxsnap_rate_timestamp_seconds", "When the rate in fxsnap_rate was observed (unix seconds)", rate_time);
    let last_input = Family::<Labels, Gauge>::default();
    for (source, at) in &f.last_input {
        last_input.get_or_create(&vec![("source".to_string(), source.clone())]).set(*at);
    }
    registry.register(
        "fxsnap_source_last_input_timestamp_seconds",
        "When the last input that brought a source anything new was stored (unix seconds)",
        last_input,
    );
    let failed = Family::<Labels, Gauge>::default();
    let day_ago = now.unix() - 86_400;
    for (source, times) in &f.failures {
        let n = times.iter().filter(|&&t| t > day_ago).count();
        failed.get_or_create(&vec![("source".to_string(), source.clone())]).set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    registry.register("fxsnap_source_failed_fetches", "Fetches of a source that gave no document in the last 24 hours", failed);
    let conflicts = Gauge::<i64>::default();
    conflicts.set(i64::try_from(f.conflicts).unwrap_or(i64::MAX));
    registry.register("fxsnap_conflicts", "Conflicts in the store's conflict log", conflicts);
    let observations = Gauge::<i64>::default();
    observations.set(i64::try_from(f.observations).unwrap_or(i64::MAX));
    registry.register("fxsnap_observations", "Observations in the store", observations);
    registry.register("fxsnap_http_requests", "HTTP requests answered, by route and status", http.requests.clone());
    registry.register("fxsnap_http_request_duration_seconds", "Time to answer an HTTP request", http.duration.clone());
    let mut text = String::new();
    encode_registry(&mut text, &registry).map_err(|_| crate::error::Error::invalid("metrics: the exposition could not be written"))?;
    Ok(to_text_format(&text).into_bytes())
}

/// prometheus-client writes OpenMetrics, which names a counter's family
/// without its `_total` (`# TYPE x counter`, sample `x_total`); the text
/// format 0.0.4 names the family by its sample (`# TYPE x_total counter`).
fn to_text_format(open_metrics: &str) -> String {
    let mut counters = Vec::new();
    for line in open_metrics.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.strip_suffix(" counter") {
                counters.push(name.to_string());
            }
        }
    }
    let mut out = String::with_capacity(open_metrics.len());
    for line in open_metrics.lines() {
        let mut fixed = None;
        for prefix in ["# TYPE ", "# HELP "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                if let Some(name) = counters.iter().find(|c| rest.starts_with(&format!("{c} "))) {
                    fixed = Some(format!("{prefix}{name}_total{}", &rest[name.len()..]));
                }
            }
        }
        if line.starts_with("# EOF") || line.starts_with("# UNIT ") {
            continue;
        }
        out.push_str(fixed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_counter_family_is_named_by_its_sample() {
        let om = "# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests_total{route=\"/\"} 1\n# TYPE g gauge\ng 2\n# EOF\n";
        assert_eq!(
            super::to_text_format(om),
            "# HELP x_requests_total Requests.\n# TYPE x_requests_total counter\nx_requests_total{route=\"/\"} 1\n# TYPE g gauge\ng 2\n"
        );
    }
}
