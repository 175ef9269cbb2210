//! `/api/openapi.json`: fxsnap's own API described as OpenAPI 3.1, made from
//! the definitions the server reads its parameters with (`FromUrl`: each
//! parameter's name and kind, `UrlQuery::describe`) and the command line's
//! help for the same option (clap's `Args`), so the document cannot drift
//! from what the server accepts.

use clap::Args;
use serde_json::{json, Map, Value};

use crate::options::url::{Asked, Kind, UrlQuery};
use crate::options::{ChartArgs, CheckArgs, ConvertArgs, HistoryFormatArg, InputsArgs, ReadArgs};

/// The document, built once per process (it depends on nothing else).
pub(crate) fn api_document() -> &'static [u8] {
    static DOC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = Map::new();
        let readings: [(&str, &str, Vec<Asked>, clap::Command); 7] = [
            ("latest", "The newest observation of each selected series", UrlQuery::describe::<ReadArgs>(), help::<ReadArgs>()),
            (
                "history",
                "Observations in a range, ordered by time then pair",
                UrlQuery::describe::<ReadArgs<HistoryFormatArg>>(),
                help::<ReadArgs<HistoryFormatArg>>(),
            ),
            ("stats", "Per series: count, first, last, min, max, change, largest gap", UrlQuery::describe::<ReadArgs>(), help::<ReadArgs>()),
            ("convert", "An amount converted through USD (or `via`) with the newest rates at or before `at`", UrlQuery::describe::<ConvertArgs>(), help::<ConvertArgs>()),
            ("conflicts", "The conflict log: values that were not kept", UrlQuery::describe::<ReadArgs>(), help::<ReadArgs>()),
            ("inputs", "The inputs recorded, newest first", UrlQuery::describe::<InputsArgs>(), help::<InputsArgs>()),
            ("check", "The series past `max-age` or `max-move`, as rows (none: an empty answer)", UrlQuery::describe::<CheckArgs>(), help::<CheckArgs>()),
        ];
        for (name, summary, asked, help) in readings {
            let ok = if name == "convert" { convert_body() } else { rows_body() };
            paths.insert(format!("/api/{name}"), json!({ "get": operation(&format!("api_{name}"), summary, &asked, &help, ok) }));
        }
        let chart = UrlQuery::describe::<ChartArgs>();
        let chart_help = help::<ChartArgs>();
        for (ext, media) in [("png", "image/png"), ("svg", "image/svg+xml")] {
            let ok = json!({ "description": "The picture `fxsnap chart` draws for the same options", "content": { media: { "schema": { "type": "string", "format": "binary" } } } });
            paths.insert(format!("/chart.{ext}"), json!({ "get": operation(&format!("chart_{ext}"), "A chart of the selected series", &chart, &chart_help, ok) }));
        }
        let doc = json!({
            "openapi": "3.1.0",
            "info": {
                "title": "fxsnap API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Each reading command of fxsnap at /api/COMMAND, its options as query parameters of the same names \
                    (a flag is true bare, empty, 1 or true), answering the rows the command prints in format json (default), \
                    csv or jsonl, byte for byte. Rates are exact decimals as published (JSON numbers with every digit: parse them \
                    as decimals); a computed one is rounded to 10 significant digits. Currencies are ISO 4217 codes: KGS, KZT, \
                    TJS, UZS, TMT against USD by default, and every currency a source quotes."
            },
            "paths": paths,
            "components": { "schemas": { "Error": {
                "type": "object",
                "required": ["error"],
                "properties": { "error": { "type": "string", "description": "What is wrong, in the URL's words (a parameter as written in it)" } },
                "additionalProperties": false
            } } }
        });
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    })
}

/// The command line's definition of the same options, for their help.
fn help<T: Args>() -> clap::Command {
    T::augment_args(clap::Command::new("fxsnap"))
}

fn operation(id: &str, summary: &str, asked: &[Asked], help: &clap::Command, ok: Value) -> Value {
    let parameters: Vec<Value> = asked.iter().map(|a| parameter(a, help)).collect();
    let error = |why: &str| json!({ "description": why, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": ok,
            "400": error("A parameter is unknown (the nearest known one is named) or its value is malformed"),
            "404": error("Nothing to answer: no such series, or nothing in the range"),
            "503": error("The store cannot be read now (none yet, or being replaced)")
        }
    })
}

fn parameter(a: &Asked, help: &clap::Command) -> Value {
    let description = help
        .get_arguments()
        .find(|arg| arg.get_long() == Some(a.name) || arg.get_id().as_str() == a.name.replace('-', "_"))
        .and_then(|arg| arg.get_help())
        .map(|h| h.to_string().replace("--", ""))
        .unwrap_or_default();
    let schema = match &a.kind {
        Kind::Text | Kind::Required => json!({ "type": "string" }),
        Kind::List => json!({ "type": "string", "description": "one value or a comma-separated list; the parameter may repeat" }),
        Kind::Flag => json!({ "type": "boolean" }),
        Kind::Number { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Choice(words) => json!({ "type": "string", "enum": words }),
    };
    json!({ "name": a.name, "in": "query", "required": a.kind == Kind::Required, "description": description, "schema": schema })
}

/// The rows of a reading command, in each format the API answers.
fn rows_body() -> Value {
    json!({
        "description": "The rows the command prints with the same options and format",
        "content": {
            "application/json": { "schema": { "type": "array", "items": { "type": "object" } } },
            "text/csv": { "schema": { "type": "string" } },
            "application/x-ndjson": { "schema": { "type": "string" } }
        }
    })
}

/// `convert`'s answer: one JSON document.
fn convert_body() -> Value {
    json!({
        "description": "What `fxsnap convert` prints in format json",
        "content": { "application/json": { "schema": { "type": "object" } } }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_parameter_the_server_reads_is_documented_with_its_help() {
        let doc: serde_json::Value = serde_json::from_slice(super::api_document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let history = &doc["paths"]["/api/history"]["get"]["parameters"];
        let names: Vec<&str> = history.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["pair", "source", "from", "to", "invert", "cross", "format"]);
        for p in history.as_array().unwrap() {
            assert!(!p["description"].as_str().unwrap().is_empty() || p["name"] == "format", "{p}");
        }
        let convert = &doc["paths"]["/api/convert"]["get"]["parameters"];
        assert_eq!(convert[0]["name"], "amount");
        assert_eq!(convert[0]["required"], true);
        let width =
            doc["paths"]["/chart.png"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "width").cloned().unwrap();
        assert_eq!(width["schema"]["maximum"], 4000);
        assert!(!doc.to_string().contains("--"), "the document speaks the URL's words");
    }
}
