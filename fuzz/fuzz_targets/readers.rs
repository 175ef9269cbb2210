//! Fuzz target: the readers of bank documents and WARC archives must never
//! panic, whatever the bytes, and every error must be one line.
//!
//! The input goes through every reader the way `ingest` would meet it:
//! `sniff` on its head, each of the bank readers, the NBKR history page and
//! the WARC reader. A document that reads must hold only rates against its
//! bank's home currency, positive, reading back from their text.
//! Seeds: tests/fixtures/feeds/ (`cargo fuzz run readers fuzz/corpus/readers`).
#![no_main]

use libfuzzer_sys::fuzz_target;

use fxsnap::read::{self, BankDocument, Format};

const BANK_FORMATS: [Format; 8] =
    [Format::Nbk, Format::NbkrDaily, Format::NbkrWeekly, Format::Cbu, Format::Nbt, Format::Cbt, Format::CbrDaily, Format::CbrDynamic];

fn one_line(e: &fxsnap::error::Error) {
    let msg = e.to_string();
    assert!(!msg.is_empty() && !msg.contains('\n') && !msg.contains('\r'), "error not one line: {msg:?}");
}

fn check(doc: &BankDocument) {
    let home = fxsnap::sources::builtin(doc.source.as_str()).and_then(|s| s.home_currency()).expect("a bank source");
    for o in &doc.rows {
        assert_eq!(o.pair.quote, home);
        assert!(o.change.is_none());
        let back: fxsnap::model::Rate = o.rate.to_string().parse().expect("a stored rate reads back");
        assert!(back.same_value(&o.rate));
    }
    for s in &doc.skipped {
        assert!(!s.contains('\n'), "skip reason not one line: {s:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Err(e) = read::sniff(&data[..data.len().min(read::SNIFF_BYTES)]) {
        one_line(&e);
    }
    for f in BANK_FORMATS {
        match read::read_bank(f, data) {
            Ok(doc) => check(&doc),
            Err(e) => one_line(&e),
        }
    }
    if let Ok(usd) = "USD".parse() {
        match read::nbkr::read_history(data, usd) {
            Ok(doc) => check(&doc),
            Err(e) => one_line(&e),
        }
    }
    for r in read::warc::responses(data).take(10_000) {
        match r {
            Ok(resp) => assert!(resp.body.len() <= read::MAX_DOCUMENT_BYTES),
            Err(e) => one_line(&e),
        }
    }
});
