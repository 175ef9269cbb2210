//! Fuzz target: the ticker reader must never panic, whatever the bytes.
//!
//! The input goes through the same path as `fxsnap ingest` (lossy UTF-8,
//! then `read_page`); when a page is read, its quotes must also survive the
//! round trip through their text form, as the store writes them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(page) = fxsnap::read::ticker::read_page(&text) {
        assert!(!page.quotes.is_empty(), "a page that reads has at least one quote");
        for q in &page.quotes {
            let rate: fxsnap::model::Rate = q.rate.to_string().parse().expect("a stored rate reads back");
            assert!(rate.same_value(&q.rate));
            if let Some(c) = &q.change {
                let back: fxsnap::model::Change = c.to_string().parse().expect("a stored change reads back");
                assert!(back.same_value(c));
            }
        }
    }
});
