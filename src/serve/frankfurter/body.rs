//! The bodies Frankfurter's endpoints answer, as types: serialized with
//! serde (compact JSON, fields in declaration order) and described by the
//! same types in the OpenAPI documents (`openapi.rs`). A rate is an exact
//! decimal, written with the digits it has (`478.77`, `87.4500`), never an
//! exponent: a `serde_json::Number` made from the decimal's text.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Number;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::names;
use crate::sources;

/// A decimal as a JSON number with exactly its digits.
pub(super) fn exact(d: Decimal) -> Number {
    number(&d.to_string())
}

/// A decimal as Frankfurter writes a float that is a whole number: `1.0`.
pub(super) fn float(d: Decimal) -> Number {
    let s = d.to_string();
    if s.contains('.') {
        number(&s)
    } else {
        number(&format!("{s}.0"))
    }
}

fn number(text: &str) -> Number {
    // A decimal's text is always a JSON numeral; arbitrary_precision keeps it as written.
    text.parse().unwrap_or_else(|_| Number::from(0))
}

/// JSON bytes of a body (serializing these types cannot fail).
pub(super) fn to_json(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// A currency a request names: an ISO 4217 code of fxsnap's table (any
/// case is accepted; a code the store holds but the table lacks too).
pub(crate) struct Code;

impl PartialSchema for Code {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("ISO 4217 code (any case is accepted)"))
            .enum_values(Some(names::codes()))
            .into()
    }
}

impl ToSchema for Code {}

/// A source `providers=` names: a built-in one, in upper case (any case is
/// accepted; a source of the store's own too).
pub(crate) struct ProviderKey;

/// Every provider key: the built-in sources and the CSV-only NBU.
pub(crate) fn provider_keys() -> Vec<String> {
    sources::labels().into_iter().chain(["nbu"]).map(str::to_ascii_uppercase).collect()
}

impl PartialSchema for ProviderKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An fxsnap source (any case is accepted)"))
            .enum_values(Some(provider_keys()))
            .into()
    }
}

impl ToSchema for ProviderKey {}

/// v1 `/latest`, `/{date}`: the rates of one day.
#[derive(Serialize, ToSchema)]
#[schema(as = v1::RatesOnDate)]
pub(crate) struct V1Day {
    /// The amount of the base converted (`1.0` by default), exact decimal as asked.
    #[schema(value_type = f64, format = "decimal", exclusive_minimum = 0, examples(1.0))]
    pub amount: Number,
    /// The base currency, ISO 4217.
    #[schema(pattern = "^[A-Z]{3}$", examples("USD"))]
    pub base: String,
    /// The newest publication date among the rates given, never after the date asked.
    #[schema(format = Date)]
    pub date: String,
    /// Each currency's value of `amount` base, keys sorted, the base left out; exact decimal as published.
    #[schema(value_type = BTreeMap<String, f64>)]
    pub rates: BTreeMap<String, Number>,
}

/// v1 `/{start_date}..{end_date}`, `/{start_date}..`: the rates of each day published.
#[derive(Serialize, ToSchema)]
#[schema(as = v1::RatesOverPeriod)]
pub(crate) struct V1Range {
    /// The amount of the base converted (`1.0` by default), exact decimal as asked.
    #[schema(value_type = f64, format = "decimal", exclusive_minimum = 0, examples(1.0))]
    pub amount: Number,
    /// The base currency, ISO 4217.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub base: String,
    /// The first day of `rates`.
    #[schema(format = Date)]
    pub start_date: String,
    /// The last day of `rates`.
    #[schema(format = Date)]
    pub end_date: String,
    /// The days on which a currency asked was published, ascending, each with the rates as of
    /// that day (keys sorted, the base left out); exact decimals as published.
    #[schema(value_type = BTreeMap<String, BTreeMap<String, f64>>)]
    pub rates: BTreeMap<String, BTreeMap<String, Number>>,
}

/// A v1 error: `{"message":"not found"}` (404: an unknown path or base, nothing within 14 days),
/// `{"message":"invalid date"}`, `"invalid amount"`, `"bad currency pair"` (422).
#[derive(Serialize, ToSchema)]
#[schema(as = v1::Error)]
pub(crate) struct V1Error {
    /// Frankfurter's message.
    #[schema(examples("not found"))]
    pub message: String,
    /// fxsnap: why nothing was found, when it is that the store's newest rate of what was asked
    /// is more than 14 days before the day asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, examples("the newest KZT rate is of 2026-04-03, more than 14 days before 2026-12-08"))]
    pub reason: Option<String>,
}

/// One v2 rate: 1 `base` = `rate` `quote`, published on `date`.
#[derive(Serialize, ToSchema)]
#[schema(as = v2::Rate)]
pub(crate) struct V2Rate {
    /// The day the rate was published for.
    #[schema(format = Date)]
    pub date: String,
    /// ISO 4217.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub base: String,
    /// ISO 4217.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub quote: String,
    /// Exact decimal as published (a computed cross rate: 10 significant digits); `1.0` for the
    /// base in itself.
    #[schema(value_type = f64, format = "decimal", exclusive_minimum = 0)]
    pub rate: Number,
    /// `expand=providers`: each source's own rate behind this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub providers: Option<Vec<V2ProviderRate>>,
}

/// One source's own rate behind a v2 rate.
#[derive(Serialize, ToSchema)]
#[schema(as = v2::ProviderRate)]
pub(crate) struct V2ProviderRate {
    /// The source (`NBK`, `CBR`, ...).
    pub key: String,
    #[schema(format = Date)]
    pub date: String,
    /// Exact decimal as published (computed: 10 significant digits).
    #[schema(value_type = f64, format = "decimal", exclusive_minimum = 0)]
    pub rate: Number,
    /// Present (true) when the rate given is not this source's alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    pub excluded: bool,
}

/// One row of `/v2/rates.csv` (`providers`: with `expand=providers`, `KEY:rate` cells joined
/// by `|`, `*` marking an excluded one).
#[derive(Serialize)]
pub(super) struct V2CsvRow<'a> {
    pub date: String,
    pub base: &'a str,
    pub quote: &'a str,
    pub rate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers: Option<String>,
}

/// A currency of `/v2/currencies` and `/v2/currency/{code}`.
#[derive(Serialize, ToSchema)]
#[schema(as = v2::Currency)]
pub(crate) struct V2Currency {
    #[schema(pattern = "^[A-Z]{3}$")]
    pub iso_code: String,
    /// ISO 4217 numeric code, when known.
    pub iso_numeric: Option<&'static str>,
    /// English name (the code when unknown).
    pub name: String,
    /// Always null in fxsnap.
    pub symbol: Option<String>,
    /// First day with rates.
    #[schema(format = Date)]
    pub start_date: String,
    /// Last day with rates.
    #[schema(format = Date)]
    pub end_date: String,
    /// `/v2/currency/{code}` only: the sources that answer for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub providers: Option<Vec<String>>,
}

/// A source of `/v2/providers`.
#[derive(Serialize, ToSchema)]
#[schema(as = v2::Provider)]
pub(crate) struct V2Provider {
    /// The source's label in upper case (`NBK`).
    pub key: String,
    pub name: String,
    /// ISO 3166 country of its home currency.
    pub country_code: Option<String>,
    /// Always null in fxsnap.
    pub rate_type: Option<String>,
    /// Its home currency (USD for a source with none).
    pub pivot_currency: String,
    pub data_url: Option<String>,
    /// Always null in fxsnap.
    pub terms_url: Option<String>,
    #[schema(format = Date)]
    pub start_date: Option<String>,
    #[schema(format = Date)]
    pub end_date: Option<String>,
    /// Always null in fxsnap.
    pub publish_cadence: Option<String>,
    /// Always null in fxsnap.
    pub publishes_missed: Option<u32>,
    /// Every currency it quotes.
    pub currencies: Vec<String>,
}

/// A v2 error: `{"status":422,"message":"unknown parameter: x"}` and the like; 404
/// `not found`; 503 when the store cannot be read.
#[derive(Serialize, ToSchema)]
#[schema(as = v2::Error)]
pub(crate) struct V2Error {
    /// The HTTP status, repeated.
    pub status: u16,
    #[schema(examples("unknown parameter: x"))]
    pub message: String,
}
