//! `FXSNAP_<SOURCE>_ORIGIN`: a mirror or a test server in place of a
//! source's own scheme, host and port; the path and query are kept, so the
//! same plan asks the same documents of another server.

use crate::error::{Error, Result};

/// A scheme, host and port, without path: `http://127.0.0.1:8080`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// The host as written (a name, an IPv4 address or a bracketed IPv6 one), lower case.
    pub host: String,
    /// The port when one is written.
    pub port: Option<u16>,
}

impl Origin {
    /// Parses `scheme://host[:port][/]`: anything else (another scheme, a
    /// path, user info) is a usage error naming `what`.
    pub fn parse(text: &str, what: &str) -> Result<Origin> {
        let bad = |why: &str| Error::Usage(format!("{what}={text}: {why} (expected http://HOST[:PORT] or https://HOST[:PORT])"));
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("only http and https are fetched"));
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#']) {
            return Err(bad("an origin has no path or query (they come from the source's own URL)"));
        }
        if authority.contains('@') {
            return Err(bad("user info is not accepted"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("no host"));
        }
        Ok(Origin { scheme, host: host.to_ascii_lowercase(), port })
    }

    /// The origin of an absolute http(s) URL, and the rest (path and query, from `/`).
    pub fn of_url(url: &str) -> Option<(Origin, &str)> {
        let (scheme, rest) = url.split_once("://")?;
        let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(cut);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = split_host_port(authority)?;
        let scheme = scheme.to_ascii_lowercase();
        if host.is_empty() || (scheme != "http" && scheme != "https") {
            return None;
        }
        Some((Origin { scheme, host: host.to_ascii_lowercase(), port }, path))
    }

    /// The port used: the one written, else the scheme's.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// `host:port`, the key of per-host politeness.
    pub fn host_key(&self) -> String {
        format!("{}:{}", self.host, self.effective_port())
    }

    /// Same host and port (the scheme may change: http → https on one host is that host).
    pub fn same_host(&self, other: &Origin) -> bool {
        self.host == other.host && (self.effective_port() == other.effective_port() || self.scheme != other.scheme)
    }

    /// `scheme://host[:port]`.
    pub fn prefix(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (h, rest) = authority.split_at(end + 1);
        (h, rest.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
    };
    Some((host, port))
}

/// The environment variable that replaces a source's origin: `FXSNAP_NBK_ORIGIN`.
pub fn variable(source: &str) -> String {
    format!("FXSNAP_{}_ORIGIN", source.to_ascii_uppercase())
}

/// The origins given for sources (read from the environment by the
/// command, once, and passed down).
#[derive(Clone, Debug, Default)]
pub struct Origins(Vec<(&'static str, Origin)>);

impl Origins {
    /// Adds `source`'s origin from the value of its variable ([`variable`]);
    /// an empty value is no origin.
    pub fn set(&mut self, source: &'static str, value: &str) -> Result<()> {
        if !value.trim().is_empty() {
            let origin = Origin::parse(value.trim(), &variable(source))?;
            self.0.push((source, origin));
        }
        Ok(())
    }

    /// The origin given for `source`, if any.
    pub fn of(&self, source: &str) -> Option<&Origin> {
        self.0.iter().find(|(s, _)| *s == source).map(|(_, o)| o)
    }
}

/// `url` with its scheme, host and port replaced by `origin` (path and query kept).
pub fn replace(url: &str, origin: Option<&Origin>) -> String {
    match (origin, Origin::of_url(url)) {
        (Some(o), Some((_, path))) => format!("{}{path}", o.prefix()),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_and_replace_keeping_path_and_query() {
        let o = Origin::parse("http://127.0.0.1:8080", "X").unwrap();
        assert_eq!(o.port, Some(8080));
        assert_eq!(
            replace("https://nationalbank.kz/rss/get_rates.cfm?fdate=01.04.2026", Some(&o)),
            "http://127.0.0.1:8080/rss/get_rates.cfm?fdate=01.04.2026"
        );
        assert_eq!(
            replace("https://timesca.com/", Some(&Origin::parse("https://Mirror.example/", "X").unwrap())),
            "https://mirror.example/"
        );
        assert_eq!(replace("https://timesca.com/", None), "https://timesca.com/");
    }

    #[test]
    fn other_schemes_paths_and_ports_are_usage_errors() {
        for bad in ["ftp://x", "file:///etc", "127.0.0.1:80", "http://", "http://h:0", "http://h:99999", "http://h/path", "http://u@h"] {
            let e = Origin::parse(bad, "FXSNAP_NBK_ORIGIN").unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad}");
            assert!(e.to_string().starts_with("FXSNAP_NBK_ORIGIN="), "{e}");
        }
    }

    #[test]
    fn same_host_ignores_a_scheme_upgrade_but_not_another_host() {
        let (a, _) = Origin::of_url("http://cbt.tm/kurs/x").unwrap();
        let (b, p) = Origin::of_url("https://cbt.tm/other?q").unwrap();
        assert_eq!(p, "/other?q");
        assert!(a.same_host(&b));
        let (c, _) = Origin::of_url("https://evil.example/").unwrap();
        assert!(!a.same_host(&c));
        let (d, _) = Origin::of_url("http://127.0.0.1:9/").unwrap();
        let (e, _) = Origin::of_url("http://127.0.0.1:10/").unwrap();
        assert!(!d.same_host(&e));
    }
}
