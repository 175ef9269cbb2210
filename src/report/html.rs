//! HTML text: escaping, the page skeleton and its inline style sheet.
//!
//! The page is HTML5 with no script and nothing fetched from elsewhere: the
//! style sheet is inline, the fonts are the reader's own, the charts are
//! files beside `index.html`. The layout fits a 375 px wide phone without
//! sideways scrolling: the chart grid becomes one column, and each table
//! turns into one card per row (every cell labelled by its column) below a
//! width where its columns would not fit.

use std::fmt::Write;

use super::Theme;

/// Text for an element's content or a quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A page being written: the head is fixed, the body is added to.
pub struct Page {
    out: String,
}

impl Page {
    /// `<!DOCTYPE html>` up to the opening of `<body>`. The empty `data:` icon
    /// keeps browsers from asking a server for `/favicon.ico` (a 404 in the console).
    pub fn new(title: &str, theme: Theme) -> Page {
        let mut out = String::with_capacity(64 * 1024);
        let t = escape(title);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"color-scheme\" content=\"{}\">\n<meta name=\"generator\" content=\"fxsnap {}\">\n\
             <link rel=\"icon\" href=\"data:,\">\n<title>{t}</title>\n<style>\n{}{}\
             @media (max-width:{CARDS_BELOW}){{\n{CARDS}}}\n@media (max-width:{WIDE_CARDS_BELOW}){{\n{}}}\n</style>\n</head>\n<body>\n",
            match theme {
                Theme::Light => "light",
                Theme::Dark => "dark",
            },
            env!("CARGO_PKG_VERSION"),
            palette(theme),
            CSS,
            CARDS.replace("table.cards", "table.cards-wide")
        );
        Page { out }
    }

    /// Appends raw HTML (already escaped by the caller).
    pub fn push(&mut self, html: &str) {
        self.out.push_str(html);
    }

    /// Closes the body and the document.
    pub fn finish(mut self) -> String {
        self.out.push_str("</body>\n</html>\n");
        self.out
    }
}

fn palette(theme: Theme) -> &'static str {
    match theme {
        Theme::Light => {
            ":root{--bg:#fff;--fg:#1d1d1d;--muted:#595959;--line:#d9d9d9;--head:#f3f3f3;\
             --card:#fafafa;--stale:#a1001c;--stale-bg:#fde8ec;--ok:#1b6e20;--link:#0b57d0}\n"
        }
        Theme::Dark => {
            ":root{--bg:#121417;--fg:#e8e8e8;--muted:#a9adb3;--line:#3a3f45;--head:#1d2126;\
             --card:#181b1f;--stale:#ffb4c0;--stale-bg:#4a1620;--ok:#8fd694;--link:#8ab4f8}\n"
        }
    }
}

/// One card per row: each table of class `cards` below [`CARDS_BELOW`], of
/// class `cards-wide` (many columns) below [`WIDE_CARDS_BELOW`].
const CARDS: &str = r#"  table.cards,table.cards tbody,table.cards tr,table.cards th,table.cards td{display:block;width:100%}
  table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
  table.cards tr{border:1px solid var(--line);border-radius:.4rem;margin:0 0 .7rem;padding:.35rem .6rem;background:var(--card)}
  table.cards tr.is-stale{background:var(--stale-bg)}
  table.cards th[scope=row]{border:0;padding:.1rem 0 .3rem;font-size:1.05rem}
  table.cards td{border:0;padding:.1rem 0;display:grid;grid-template-columns:40% minmax(0,1fr);column-gap:.6rem;
    text-align:left;white-space:normal;overflow-wrap:anywhere}
  table.cards td::before{content:attr(data-label);color:var(--muted);overflow-wrap:normal}
  table.cards caption{display:block;width:100%}
  table.cards td.num{text-align:left}
"#;

const CARDS_BELOW: &str = "48rem";
const WIDE_CARDS_BELOW: &str = "72rem";

const CSS: &str = r#"*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:84rem;padding:1rem;background:var(--bg);color:var(--fg);
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
h1{font-size:1.7rem;line-height:1.2;margin:.3rem 0 .4rem}
h2{font-size:1.35rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h3{font-size:1.1rem;margin:1.4rem 0 .5rem}
p{margin:.4rem 0}
a{color:var(--link)}
.muted,caption,figcaption{color:var(--muted)}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;list-style:none;padding:0;margin:.6rem 0}
.summary{font-size:1.05rem}
.stale-note{background:var(--stale-bg);color:var(--stale);padding:.5rem .7rem;border-radius:.4rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,24rem),1fr));gap:1rem 1.2rem}
figure{margin:0;min-width:0}
figure img{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:.3rem}
figcaption{font-size:.9rem;margin-top:.3rem}
.empty-ranges{color:var(--muted)}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.95rem}
caption{text-align:left;caption-side:bottom;font-size:.85rem;padding-top:.3rem}
th,td{text-align:left;vertical-align:top;padding:.3rem .55rem;border-bottom:1px solid var(--line)}
thead th{background:var(--head);font-weight:600;vertical-align:bottom}
td.num{text-align:right;white-space:nowrap}
time{white-space:nowrap}
td.long{overflow-wrap:anywhere;min-width:8rem}
.name{display:block;color:var(--muted);font-size:.85rem;font-weight:normal}
.prec{color:var(--muted);font-size:.85rem}
.name-inline{color:var(--muted);font-weight:normal}
.stale{color:var(--stale);font-weight:600}
.fresh{color:var(--ok)}
tr.is-stale{background:var(--stale-bg)}
footer{margin-top:2.5rem;font-size:.85rem;color:var(--muted)}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn a_page_is_a_whole_document() {
        let mut p = Page::new("Rates <KZT>", Theme::Dark);
        p.push("<p>x</p>\n");
        let s = p.finish();
        assert!(s.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(s.contains("<title>Rates &lt;KZT&gt;</title>"));
        assert!(s.contains("<meta name=\"color-scheme\" content=\"dark\">"));
        assert!(s.ends_with("</html>\n"));
    }
}
