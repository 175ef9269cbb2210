//! What a route answers, before it becomes an HTTP response: a status, a
//! body and the kind of caching it allows. The server adds the headers
//! every answer shares (ETag, Last-Modified, Cache-Control, CORS) from
//! these, so a route computes only its body.

// Used by the routes landing next; until then nothing calls these.
#![allow(dead_code)]

/// How long a client or a proxy may keep an answer (DESIGN "HTTP behaviour").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheKind {
    /// A past date or a closed range: it changes only if the store is
    /// corrected. `public, max-age=86400, stale-while-revalidate=86400,
    /// stale-if-error=86400`.
    Past,
    /// An answer relative to now (latest, an open range, `from=90d`, the
    /// report): `public, max-age=300`.
    Relative,
    /// Errors and `/metrics`: `no-store`.
    NoStore,
}

impl CacheKind {
    /// The `Cache-Control` header value.
    pub(crate) fn header(self) -> &'static str {
        match self {
            CacheKind::Past => "public, max-age=86400, stale-while-revalidate=86400, stale-if-error=86400",
            CacheKind::Relative => "public, max-age=300",
            CacheKind::NoStore => "no-store",
        }
    }
}

/// One answer of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub cache: CacheKind,
}

/// `application/json; charset=utf-8`, Frankfurter's content type.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

impl Answer {
    /// A JSON body with the given status; an error status (4xx, 5xx) is
    /// never cached.
    pub(crate) fn json(status: u16, body: Vec<u8>, cache: CacheKind) -> Answer {
        let cache = if status >= 400 { CacheKind::NoStore } else { cache };
        Answer { status, content_type: JSON, body, cache }
    }

    /// An error as a JSON object with one string field: `{"message":"not
    /// found"}` (Frankfurter v1), `{"error":"…"}` (fxsnap's API).
    pub(crate) fn error(status: u16, field: &str, message: &str) -> Answer {
        let mut map = serde_json::Map::new();
        map.insert(field.to_string(), serde_json::Value::String(message.to_string()));
        let body = serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default();
        Answer { status, content_type: JSON, body, cache: CacheKind::NoStore }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_never_cached() {
        let a = Answer::json(404, b"{}".to_vec(), CacheKind::Past);
        assert_eq!(a.cache, CacheKind::NoStore);
        let e = Answer::error(422, "message", "invalid date");
        assert_eq!(e.body, br#"{"message":"invalid date"}"#);
        assert_eq!(e.cache.header(), "no-store");
        assert_eq!(Answer::json(200, vec![], CacheKind::Relative).cache.header(), "public, max-age=300");
    }
}
