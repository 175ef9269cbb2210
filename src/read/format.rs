//! What an input is: a ticker page, CSV, a WARC archive, or one of the
//! documents a built-in source publishes. The bank formats are not listed
//! here: each source's unit (`sources::cbt`) declares its own
//! [`BankFormat`]s, so adding a bank adds no variant.

use super::xml;
use crate::error::{Error, Result};
use crate::model::echo;

/// What an input is, as `read::sniff` recognizes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Ticker,
    Csv,
    Warc,
    /// A document of a built-in source.
    Bank(BankFormat),
}

/// One document format of a built-in source, declared by its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BankFormat {
    /// The reader's name, as `inputs` lists it (`cbr-daily`).
    pub name: &'static str,
    /// The label of the source that publishes it (`cbr`).
    pub source: &'static str,
    /// Its XML root element (`ValCurs`); `None` for a JSON array.
    pub root: Option<&'static str>,
    /// An HTML page that names no currency: read only with the currency
    /// its request named (NBKR's history page), never recognized alone.
    pub by_request: bool,
}

impl Format {
    /// The reader's name, as `inputs` lists it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ticker => "ticker",
            Format::Csv => "csv",
            Format::Warc => "warc",
            Format::Bank(b) => b.name,
        }
    }

    /// True for the bank documents `read::read_bank` reads by content alone.
    pub fn is_bank(self) -> bool {
        matches!(self, Format::Bank(b) if !b.by_request)
    }

    /// True when the document is an HTML page (so an HTML answer is no error page).
    pub fn is_html_page(self) -> bool {
        matches!(self, Format::Ticker | Format::Bank(BankFormat { by_request: true, .. }))
    }
}

impl BankFormat {
    /// Who publishes it, for messages: `an NBK`, `a CBR`.
    pub fn publisher(self) -> String {
        let upper = self.source.to_ascii_uppercase();
        // Letters whose English name starts with a vowel sound: "an NBK", "an SNB".
        let an = upper.starts_with(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X']);
        format!("{} {upper}", if an { "an" } else { "a" })
    }

    /// The root of an XML document of this format, checked to be its own.
    pub fn root_of(self, bytes: &[u8]) -> Result<xml::Element> {
        let root = xml::parse(bytes)?;
        match self.root {
            Some(expected) if root.name == expected => Ok(root),
            expected => Err(Error::invalid(format!(
                "is not {} document: its root is <{}>, not <{}>",
                self.publisher(),
                echo(&root.name),
                expected.unwrap_or("?")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishers_take_their_article_from_the_letter_spoken() {
        let f = |source| BankFormat { name: "x", source, root: None, by_request: false };
        assert_eq!(f("nbk").publisher(), "an NBK");
        assert_eq!(f("cbr").publisher(), "a CBR");
        assert_eq!(f("nbkr").publisher(), "an NBKR");
        assert_eq!(f("cbu").publisher(), "a CBU");
    }
}
