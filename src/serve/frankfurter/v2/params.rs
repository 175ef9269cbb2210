//! The parameters of `/v2/rates` and `/v2/rate/{base}/{quote}`: the query
//! string into [`RatesParams`] (the type the OpenAPI document describes),
//! checked in Frankfurter's order into a `query::rates::RateQuery`.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use utoipa::{IntoParams, ToSchema};

use super::super::body::{Code, ProviderKey};
use super::super::{names, param, parse_date, prefer_rule};
use super::{invalid, named_providers, no_params, Refusal};
use crate::model::{Currency, Source};
use crate::query::rates::{Group, RateQuery, Scope};
use crate::query::reference::{ReferenceRates, Rule};
use crate::serve::answer::CacheKind;
use crate::store::Store;

/// The query parameters of `/v2/rates` (any other is a 422).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RatesParams {
    /// The base currency, ISO 4217 in any case (default `EUR`).
    #[param(value_type = Option<Code>, example = "USD")]
    pub base: Option<String>,
    /// Comma-separated ISO 4217 codes (default: every currency the store answers).
    #[param(value_type = Option<Vec<Code>>, style = Form, explode = false, min_items = 1, example = json!(["KZT", "UZS"]))]
    pub quotes: Option<String>,
    /// One day (`YYYY-MM-DD`): each currency's rate as of it, carried from up to 14 days before;
    /// not with `from`/`to`. Default: the latest (tomorrow and the 14 days before it).
    #[param(value_type = Option<String>, format = Date, example = "2026-04-01")]
    pub date: Option<String>,
    /// The first day of a range (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2026-03-01")]
    pub from: Option<String>,
    /// The last day of a range (`YYYY-MM-DD`; default: the latest). Alone, the latest day.
    #[param(value_type = Option<String>, format = Date, example = "2026-03-31")]
    pub to: Option<String>,
    /// Comma-separated fxsnap sources in any case (`NBK`, `NBKR`, `CBU`, `NBT`, `CBT`, `CBR`,
    /// `TIMESCA`, `NBU`, or a source of the store's own): only those answer, in that order.
    #[param(value_type = Option<Vec<ProviderKey>>, style = Form, explode = false, min_items = 1, example = json!(["CBR"]))]
    pub providers: Option<String>,
    /// A range's rows averaged per week (dated Monday) or month (dated the 1st).
    #[param(value_type = Option<GroupParam>)]
    pub group: Option<String>,
    /// `providers`: each source's own rate behind a row.
    #[param(value_type = Option<ExpandParam>)]
    pub expand: Option<String>,
}

/// `group`'s values (any case is accepted).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum GroupParam {
    Week,
    Month,
}

/// `expand`'s value (any case is accepted).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExpandParam {
    Providers,
}

impl GroupParam {
    fn of(text: &str) -> Option<GroupParam> {
        match text.to_ascii_lowercase().as_str() {
            "week" => Some(GroupParam::Week),
            "month" => Some(GroupParam::Month),
            _ => None,
        }
    }
}

impl From<GroupParam> for Group {
    fn from(g: GroupParam) -> Group {
        match g {
            GroupParam::Week => Group::Week,
            GroupParam::Month => Group::Month,
        }
    }
}

impl ExpandParam {
    fn of(text: &str) -> Option<ExpandParam> {
        text.eq_ignore_ascii_case("providers").then_some(ExpandParam::Providers)
    }
}

/// The parameters `/rates` and `/rate` accept.
const ALLOWED: [&str; 8] = ["base", "quotes", "providers", "date", "from", "to", "group", "expand"];

impl RatesParams {
    /// The last value of each parameter; a 422 for one not accepted.
    fn from_query(query: &[(String, String)]) -> Result<RatesParams, Refusal> {
        no_params(query, &ALLOWED)?;
        let get = |k: &str| param(query, k).map(str::to_string);
        Ok(RatesParams {
            base: get("base"),
            quotes: get("quotes"),
            date: get("date"),
            from: get("from"),
            to: get("to"),
            providers: get("providers"),
            group: get("group"),
            expand: get("expand"),
        })
    }
}

/// The query a request asks, and how long its answer may be kept. Checks
/// the parameters in Frankfurter's order: unknown ones, dates, date with a
/// range, group, expand, currencies (then providers).
pub(super) fn rate_query(
    query: &[(String, String)],
    store: &Store,
    today: NaiveDate,
    prefer: &[Source],
) -> Result<(RateQuery, CacheKind), Refusal> {
    let p = RatesParams::from_query(query)?;
    let date_param = |v: &Option<String>| -> Result<Option<NaiveDate>, Refusal> {
        match v {
            None => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| invalid("invalid date")),
        }
    };
    let (date, from, to) = (date_param(&p.date)?, date_param(&p.from)?, date_param(&p.to)?);
    if date.is_some() && (from.is_some() || to.is_some()) {
        return Err(invalid("conflicting params"));
    }
    let group: Option<Group> = match p.group.as_deref() {
        None => None,
        Some(g) => Some(GroupParam::of(g).ok_or_else(|| invalid("invalid group"))?.into()),
    };
    let expand = match &p.expand {
        None => false,
        Some(e) => {
            let bad: Vec<String> = e.to_ascii_lowercase().split(',').filter(|x| ExpandParam::of(x).is_none()).map(str::to_string).collect();
            if !bad.is_empty() {
                return Err(invalid(format!("invalid expand: {}", bad.join(","))));
            }
            true
        }
    };
    let rule = match &p.providers {
        Some(list) => Rule::Providers(named_providers(list, store)?),
        None => prefer_rule(prefer),
    };
    // Every code the store answers under the rule, or ISO 4217 knows.
    let everything = ReferenceRates::new(store, &rule, None)?.currencies();
    let known = |c: &str| names::known(c) || c.parse::<Currency>().is_ok_and(|c| everything.contains(&c));
    let base_text = p.base.as_deref().map(str::to_ascii_uppercase);
    let quotes_text: Option<Vec<String>> = p.quotes.as_deref().map(|q| q.to_ascii_uppercase().split(',').map(str::to_string).collect());
    let mut bad: Vec<String> = Vec::new();
    if let Some(b) = &base_text {
        if !known(b) {
            bad.push(b.clone());
        }
    }
    for q in quotes_text.iter().flatten() {
        if !known(q) {
            bad.push(q.clone());
        }
    }
    if !bad.is_empty() {
        return Err(invalid(format!("invalid currency: {}", bad.join(","))));
    }
    let base: Currency = base_text.as_deref().unwrap_or("EUR").parse().map_err(|_| invalid("invalid currency"))?;
    let quotes: Option<BTreeSet<Currency>> = quotes_text.map(|q| q.iter().filter_map(|c| c.parse().ok()).collect());
    let newest = today + Duration::days(1);
    let (scope, cache) = match (date, from) {
        (Some(d), _) => (Scope::Day(d.min(newest)), if d < today { CacheKind::Past } else { CacheKind::Relative }),
        (None, Some(f)) => {
            let cache = if to.is_some_and(|t| t < today) { CacheKind::Past } else { CacheKind::Relative };
            (Scope::Range(f, to.unwrap_or(newest).min(newest)), cache)
        }
        (None, None) => (Scope::Day(newest), CacheKind::Relative),
    };
    let group = if matches!(scope, Scope::Range(..)) { group } else { None };
    Ok((RateQuery { base, quotes, rule, scope, group, expand }, cache))
}
