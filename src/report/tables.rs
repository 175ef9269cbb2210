//! The report's tables as real `<table>`s: a header row of `<th scope="col">`,
//! a `<th scope="row">` per row, and on every cell of a command's column a
//! `data-col` naming that column, with the exact value in a `<data value>` or
//! `<time datetime>` when the text shown is shorter (a date for a midnight
//! time). The values are the command's own records, so the page says what
//! `latest --format csv` and `stats --format csv` say.

use std::fmt::Write;

use super::html::escape;
use crate::model::Instant;
use crate::query::stats::Point;

/// How a column's cells are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Right-aligned, never broken.
    Num,
    /// A long name (an input's path or URL) that may break anywhere.
    Long,
}

/// One column: its header text, the command column it shows (if any), its layout.
#[derive(Clone, Debug)]
pub struct Column {
    pub label: String,
    pub key: Option<&'static str>,
    pub kind: Kind,
}

impl Column {
    pub fn new(label: &str, key: Option<&'static str>, kind: Kind) -> Column {
        Column { label: label.to_string(), key, kind }
    }
}

/// One row: the inner HTML of each cell, and a class for the row.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub class: Option<&'static str>,
    pub cells: Vec<String>,
}

/// A table; the first column is the row header.
#[derive(Clone, Debug)]
pub struct Table {
    pub id: &'static str,
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Many columns: rows become cards below a wider screen width.
    pub wide: bool,
}

impl Table {
    pub fn new(id: &'static str, columns: Vec<Column>) -> Table {
        Table { id, caption: None, columns, rows: Vec::new(), wide: false }
    }

    /// The table as HTML, in a wrapper that scrolls it sideways only if
    /// even its cards could not fit (the page itself never scrolls).
    pub fn html(&self) -> String {
        let mut s = String::new();
        let class = if self.wide { "cards-wide" } else { "cards" };
        let _ = write!(s, "<div class=\"table-wrap\">\n<table class=\"{class}\" id=\"{}\">\n", self.id);
        if let Some(c) = &self.caption {
            let _ = writeln!(s, "<caption>{}</caption>", escape(c));
        }
        s.push_str("<thead><tr>");
        for c in &self.columns {
            let _ = write!(s, "<th scope=\"col\">{}</th>", escape(&c.label));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            match r.class {
                Some(class) => {
                    let _ = write!(s, "<tr class=\"{class}\">");
                }
                None => s.push_str("<tr>"),
            }
            for (i, (col, cell)) in self.columns.iter().zip(&r.cells).enumerate() {
                let tag = if i == 0 { "th" } else { "td" };
                s.push('<');
                s.push_str(tag);
                if i == 0 {
                    s.push_str(" scope=\"row\"");
                }
                if let Some(k) = col.key {
                    let _ = write!(s, " data-col=\"{k}\"");
                }
                let _ = write!(s, " data-label=\"{}\"", escape(&col.label));
                match col.kind {
                    Kind::Num => s.push_str(" class=\"num\""),
                    Kind::Long => s.push_str(" class=\"long\""),
                    Kind::Text => {}
                }
                // One child for the value: on a phone the label (`::before`)
                // and the value are the two columns of a grid.
                if i == 0 {
                    let _ = write!(s, ">{cell}</{tag}>");
                } else {
                    let _ = write!(s, "><span class=\"v\">{cell}</span></{tag}>");
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n</div>\n");
        s
    }
}

/// Plain text in a cell.
pub fn text(s: &str) -> String {
    escape(s)
}

/// A time as a `<time>` with its RFC 3339 form: the date alone for
/// midnight UTC (the banks' daily rates), else the date and time.
pub fn time_at(i: Instant) -> String {
    format!("<time datetime=\"{}\">{}</time>", escape(&i.rfc3339()), escape(&short_time(i)))
}

/// `2026-02-22` for midnight UTC, `2026-02-22 13:05:07` otherwise.
pub fn short_time(i: Instant) -> String {
    let dt = i.datetime();
    if i.unix().rem_euclid(86_400) == 0 {
        dt.format("%Y-%m-%d").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// An exact value with something shown beside it (a precision mark, a
/// source's full name): the value stays machine-readable in `<data>`.
pub fn value_with(value: &str, after: &str) -> String {
    format!("<data value=\"{}\">{}</data>{after}", escape(value), escape(value))
}

/// A value and the time it was observed, in one cell, each naming its
/// command column (`data-col`): the value in `<data>`, the time in `<time>`;
/// empty without a point.
pub fn value_and_time(value_col: &str, time_col: &str, point: Option<&Point>) -> String {
    let Some(p) = point else { return String::new() };
    format!(
        "<data data-col=\"{value_col}\" value=\"{v}\">{v}</data> <time class=\"name\" data-col=\"{time_col}\" datetime=\"{t}\">{}</time>",
        escape(&short_time(p.at)),
        v = escape(&p.rate.to_string()),
        t = escape(&p.at.rfc3339())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_exact_values_and_headers_have_scope() {
        let mut t = Table::new("t", vec![Column::new("pair", Some("pair"), Kind::Text), Column::new("rate", Some("rate"), Kind::Num)]);
        t.rows.push(Row { class: Some("is-stale"), cells: vec![text("KZT/USD"), value_with("0.00008", " <span>±6.25%</span>")] });
        let h = t.html();
        assert!(h.contains("<th scope=\"col\">pair</th>"), "{h}");
        assert!(h.contains("<tr class=\"is-stale\"><th scope=\"row\" data-col=\"pair\" data-label=\"pair\">KZT/USD</th>"), "{h}");
        assert!(h.contains("<span class=\"v\"><data value=\"0.00008\">0.00008</data>"), "{h}");
    }

    #[test]
    fn times_and_ages_read_well() {
        let at = |s: &str| Instant::parse(s).unwrap();
        assert_eq!(time_at(at("2026-02-22T00:00:00Z")), "<time datetime=\"2026-02-22T00:00:00Z\">2026-02-22</time>");
        assert_eq!(time_at(at("2026-02-22T13:05:07Z")), "<time datetime=\"2026-02-22T13:05:07Z\">2026-02-22 13:05:07</time>");
        assert_eq!(value_and_time("min", "min_timestamp", None), "");
    }
}
