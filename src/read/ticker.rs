//! Reading a ticker page (text or HTML) into one snapshot: DESIGN.md
//! "Reading a ticker page".
//!
//! The page is first flattened to text (tags become line breaks, script and
//! style bodies vanish, entities are decoded), then cut into tokens that
//! remember whether a line break came before them. A ticker item is
//! `[•] PAIR = RATE [CHANGE%]` that starts a line (or follows a bullet) and
//! ends one (or is followed by a bullet): that boundary is what keeps
//! "USD/KZT = 500 tenge" in prose from becoming an observation.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::model::{Change, Pair, Rate};

/// Pages larger than this are refused: a real page is a few hundred KiB.
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// One ticker item: a pair, its rate, and the change the page printed.
#[derive(Clone, Debug)]
pub struct Quote {
    pub pair: Pair,
    pub rate: Rate,
    pub change: Option<Change>,
}

/// The line that follows the ticker, when it looks like a date.
#[derive(Clone, Debug, PartialEq)]
pub enum DateLine {
    Date(NaiveDate),
    /// Shaped like a date but no such day ("31 February 2025").
    Impossible(String),
}

/// What one page yields: the collapsed snapshot and its date line.
#[derive(Clone, Debug)]
pub struct Page {
    pub quotes: Vec<Quote>,
    pub date_line: Option<DateLine>,
}

/// Reads a page. Errors: no ticker, repetitions that disagree, a bad rate.
pub fn read_page(raw: &str) -> Result<Page> {
    if raw.len() > MAX_PAGE_BYTES {
        return Err(Error::invalid(format!(
            "page is {} bytes, larger than the {} MiB a ticker page may be",
            raw.len(),
            MAX_PAGE_BYTES / (1024 * 1024)
        )));
    }
    let text = flatten_html(raw);
    let tokens = tokenize(&text);
    let mut quotes: Vec<Quote> = Vec::new();
    // Where each pair is in `quotes`: a page of many distinct pairs stays linear.
    let mut seen_at: std::collections::HashMap<Pair, usize> = std::collections::HashMap::new();
    let mut end_of_last_item = None;
    let mut i = 0;
    while i < tokens.len() {
        match item_at(&tokens, i) {
            Some(item) => {
                let quote = item.parse()?;
                match seen_at.get(&quote.pair).map(|&k| &quotes[k]) {
                    Some(seen) => {
                        let same = seen.rate.same_value(&quote.rate) && crate::model::same_change(&seen.change, &quote.change);
                        if !same {
                            return Err(Error::invalid(format!(
                                "the ticker repeats {} with different values ({} {} and {} {}): \
                                 the page was caught mid-update, nothing stored",
                                quote.pair,
                                seen.rate,
                                pct(&seen.change),
                                quote.rate,
                                pct(&quote.change)
                            )));
                        }
                    }
                    None => {
                        seen_at.insert(quote.pair, quotes.len());
                        quotes.push(quote);
                    }
                }
                end_of_last_item = Some(item.next);
                i = item.next;
            }
            None => i += 1,
        }
    }
    if quotes.is_empty() {
        return Err(Error::invalid("no ticker found (no line like '• KGS/USD = 0.01144 0%')"));
    }
    let date_line = end_of_last_item.and_then(|at| date_line_at(&tokens, at));
    Ok(Page { quotes, date_line })
}

fn pct(c: &Option<Change>) -> String {
    c.as_ref().map(|c| format!("{c}%")).unwrap_or_default()
}

struct Token<'a> {
    text: &'a str,
    /// A line break (or a tag) separates this token from the one before.
    line_start: bool,
}

fn is_bullet(t: &str) -> bool {
    matches!(t, "•" | "·" | "∙")
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut line_start = true;
    let mut start: Option<usize> = None;
    for (idx, ch) in text.char_indices() {
        let separator = ch.is_whitespace() || ch == '=' || is_bullet(ch.encode_utf8(&mut [0; 4]));
        if separator {
            if let Some(s) = start.take() {
                tokens.push(Token { text: &text[s..idx], line_start });
                line_start = false;
            }
            if ch == '\n' || ch == '\r' {
                line_start = true;
            } else if !ch.is_whitespace() {
                let end = idx + ch.len_utf8();
                tokens.push(Token { text: &text[idx..end], line_start });
                line_start = false;
            }
        } else if start.is_none() {
            start = Some(idx);
        }
    }
    if let Some(s) = start {
        tokens.push(Token { text: &text[s..], line_start });
    }
    tokens
}

/// The tokens of one ticker item, not yet validated.
struct Item<'a> {
    pair: &'a str,
    rate: &'a str,
    change: Option<&'a str>,
    /// Index of the first token after the item.
    next: usize,
}

impl Item<'_> {
    fn parse(&self) -> Result<Quote> {
        let pair: Pair = self.pair.parse()?;
        let rate: Rate = self.rate.parse().map_err(|e: Error| e.context(&pair.to_string()))?;
        let change = match self.change {
            Some(c) => Some(c.parse::<Change>().map_err(|e: Error| e.context(&pair.to_string()))?),
            None => None,
        };
        Ok(Quote { pair, rate, change })
    }
}

fn looks_like_pair(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 7 && b[3] == b'/' && b[..3].iter().chain(&b[4..]).all(|c| c.is_ascii_uppercase())
}

/// A ticker item starting at token `i`, when the tokens there have its shape
/// and boundaries.
fn item_at<'a>(tokens: &[Token<'a>], i: usize) -> Option<Item<'a>> {
    let pair = tokens.get(i)?;
    if !looks_like_pair(pair.text) {
        return None;
    }
    let starts_item = pair.line_start || (i > 0 && is_bullet(tokens[i - 1].text));
    if !starts_item || tokens.get(i + 1)?.text != "=" {
        return None;
    }
    let rate = tokens.get(i + 2)?;
    if rate.text == "=" || is_bullet(rate.text) {
        return None;
    }
    let mut next = i + 3;
    let mut change = None;
    if let Some(t) = tokens.get(next) {
        if t.text.ends_with('%') && t.text.len() > 1 {
            change = Some(t.text);
            next += 1;
        }
    }
    // A marquee flattened to one line ends its last item with whatever the
    // line holds next (the date, a headline): an item that follows a bullet
    // and prints its change has the ticker's full shape, so it ends there.
    // Prose ("• USD/KZT = 500 tenge") has no change and stays unread.
    let closes_marquee = change.is_some() && i > 0 && is_bullet(tokens[i - 1].text);
    let ends_item = match tokens.get(next) {
        None => true,
        Some(t) => t.line_start || is_bullet(t.text) || closes_marquee,
    };
    ends_item.then_some(Item { pair: pair.text, rate: rate.text, change, next })
}

const MONTHS: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/// The first line after the ticker, when it is a date such as `12 December 2025`.
fn date_line_at(tokens: &[Token<'_>], at: usize) -> Option<DateLine> {
    let first = tokens.get(at)?;
    let mut words = vec![first.text];
    for t in tokens.iter().skip(at + 1) {
        if t.line_start || words.len() > 3 {
            break;
        }
        words.push(t.text);
    }
    // On its own line the date is the whole line; after a one-line marquee
    // (no break before it) it is the three words that follow the ticker.
    if !first.line_start && words.len() > 3 {
        words.truncate(3);
    }
    if words.len() != 3 {
        return None;
    }
    let (d, m, y) = (words[0], words[1].trim_end_matches(','), words[2]);
    if !(1..=2).contains(&d.len()) || !d.bytes().all(|c| c.is_ascii_digit()) || y.len() != 4 || !y.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let month = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(m))? as u32 + 1;
    let day: u32 = d.parse().ok()?;
    let year: i32 = y.parse().ok()?;
    Some(match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => DateLine::Date(date),
        None => DateLine::Impossible(format!("{d} {m} {y}")),
    })
}

/// HTML to text: tags become line breaks, `<script>`/`<style>` bodies and
/// comments vanish, entities are decoded. Plain text passes through as is
/// (a `<` not followed by a letter, `/` or `!` is not a tag).
pub fn flatten_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/' || *c == b'!') {
            decode_entities(&raw[text_start..i], &mut out);
            let end = tag_end(raw, i);
            let tag_name = tag_name(&raw[i..end]);
            i = end;
            if tag_name == "script" || tag_name == "style" {
                i = skip_past_closing(raw, i, &tag_name);
            }
            out.push('\n');
            text_start = i;
        } else {
            i += 1;
        }
    }
    decode_entities(&raw[text_start.min(raw.len())..], &mut out);
    out
}

/// Index just past the tag starting at `start` (quotes may hold `>`).
fn tag_end(raw: &str, start: usize) -> usize {
    let bytes = raw.as_bytes();
    if raw[start..].starts_with("<!--") {
        return raw[start + 4..].find("-->").map(|p| start + 4 + p + 3).unwrap_or(raw.len());
    }
    let mut quote: Option<u8> = None;
    let mut i = start + 1;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    raw.len()
}

fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

fn skip_past_closing(raw: &str, from: usize, name: &str) -> usize {
    // Compared in place, not by lower-casing the rest of the page: that made
    // a page of many small script blocks quadratic (hostile_pages.rs).
    let closing = format!("</{name}");
    let rest = &raw.as_bytes()[from..];
    match rest.windows(closing.len()).position(|w| w.eq_ignore_ascii_case(closing.as_bytes())) {
        Some(p) => tag_end(raw, from + p),
        None => raw.len(),
    }
}

fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = semi.and_then(|semi| decode_entity(&after[..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => '\u{a0}',
        "bull" => '•',
        "middot" => '·',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ndash" => '–',
        "mdash" => '—',
        "minus" => '−',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "percnt" => '%',
        "equals" => '=',
        "sol" => '/',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_HEAD: &str = "• KGS/USD = 0.01144 0%\n  • KZT/USD = 0.00192 -0%\n  • TJS/USD = 0.10879 0.28%\n  \
        • UZS/USD = 0.00008 0%\n  • TMT/USD = 0.28490 -0.28%\n";

    #[test]
    fn reads_a_text_ticker_and_its_date_line() {
        let page = format!("{SEED_HEAD}{SEED_HEAD}12 December 2025\n\nPrices rose 9.25% and $5 billion");
        let p = read_page(&page).unwrap();
        let got: Vec<String> = p.quotes.iter().map(|q| format!("{} {} {}", q.pair, q.rate, pct(&q.change))).collect();
        assert_eq!(
            got,
            ["KGS/USD 0.01144 0%", "KZT/USD 0.00192 -0%", "TJS/USD 0.10879 0.28%", "UZS/USD 0.00008 0%", "TMT/USD 0.28490 -0.28%"]
        );
        assert_eq!(p.date_line, Some(DateLine::Date(NaiveDate::from_ymd_opt(2025, 12, 12).unwrap())));
    }

    #[test]
    fn prose_numbers_and_inline_pairs_are_not_quotes() {
        let page = "The tenge: USD/KZT = 470 at noon.\nGDP grew 9.25% to $5 billion, 5,000 som.\n";
        assert!(read_page(page).is_err());
        let page = format!("{SEED_HEAD}\nAnalysts said USD/KZT = 500 was likely\n");
        assert_eq!(read_page(&page).unwrap().quotes.len(), 5);
    }

    #[test]
    fn html_with_tags_between_tokens_and_entities() {
        let html = "<html><head><script>var a = '<b>'; // KGS/USD = 9.99 1%</script><style>p{x:1}</style></head>\
            <ul><li>&#8226;&nbsp;<b>KGS/USD</b><i>=</i><b>0.01144</b><i>0%</i></li>\
            <li>&bull; KZT/USD&nbsp;=&nbsp;0.00192 <span class=\"x>y\">-0%</span></li></ul>\
            <div class=date>08 December 2025</div><p>It cost $5 billion &amp; 9.25%</p>";
        let p = read_page(html).unwrap();
        assert_eq!(p.quotes.len(), 2);
        assert_eq!(p.quotes[0].rate.to_string(), "0.01144");
        assert_eq!(p.quotes[1].change.as_ref().unwrap().to_string(), "-0");
        assert_eq!(p.date_line, Some(DateLine::Date(NaiveDate::from_ymd_opt(2025, 12, 8).unwrap())));
    }

    #[test]
    fn one_line_marquee_separated_by_bullets() {
        let p = read_page("• KGS/USD = 0.01144 0% • KZT/USD=0.00192 -0% • TJS/USD = 0.10879").unwrap();
        assert_eq!(p.quotes.len(), 3);
        assert!(p.quotes[2].change.is_none());
        assert_eq!(p.date_line, None);
    }

    #[test]
    fn marquee_flattened_into_a_line_of_other_text_and_the_unicode_minus() {
        let line = "Menu \u{2022} KGS/USD = 0.01144 0% \u{2022} KZT/USD = 0.00192 \u{2212}0.28% \u{2022} UZS/USD = 0.00008 0% \
                    12 December 2025 Kazakhstan raises rates by 9.25%";
        let p = read_page(line).unwrap();
        let got: Vec<String> =
            p.quotes.iter().map(|q| format!("{} {} {:?}", q.pair, q.rate, q.change.as_ref().map(|c| c.to_string()))).collect();
        assert_eq!(got, ["KGS/USD 0.01144 Some(\"0\")", "KZT/USD 0.00192 Some(\"-0.28\")", "UZS/USD 0.00008 Some(\"0\")"]);
        assert_eq!(p.date_line, Some(DateLine::Date(NaiveDate::from_ymd_opt(2025, 12, 12).unwrap())));
        // Prose after a bullet without the ticker's change is still not a quote.
        assert!(read_page("News \u{2022} USD/KZT = 500 tenge this week").is_err());
    }

    #[test]
    fn disagreeing_repetitions_are_an_error() {
        let page = "• KGS/USD = 0.01144 0%\n• KGS/USD = 0.01145 0%\n";
        let e = read_page(page).unwrap_err().to_string();
        assert!(e.contains("KGS/USD") && e.contains("mid-update"), "{e}");
        // -0% and 0% agree.
        assert_eq!(read_page("• KGS/USD = 0.01144 0%\n• KGS/USD = 0.011440 -0%\n").unwrap().quotes.len(), 1);
    }

    #[test]
    fn bad_rates_are_errors() {
        for bad in ["0.00000", "-0.01144", "0.01l44", "0.1234567890123456789012345678901234567890"] {
            let e = read_page(&format!("• KGS/USD = {bad} 0%\n08 December 2025\n")).unwrap_err().to_string();
            assert!(e.contains("KGS/USD") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn impossible_date_is_reported_as_such() {
        let p = read_page("• KGS/USD = 0.01144 0%\n31 February 2025\n").unwrap();
        assert_eq!(p.date_line, Some(DateLine::Impossible("31 February 2025".into())));
        let p = read_page("• KGS/USD = 0.01144 0%\n\nViewing results 1 - 6 of 111\n").unwrap();
        assert_eq!(p.date_line, None);
    }
}
