//! Unit tests of the store: the ladder builds exactly the schema `schema.sql`
//! builds fresh, the version check refuses what it does not know, and a read
//! snapshot sees one state. (Through the binary: tests/store_v2.rs.)

use rusqlite::Connection;

use super::migrate::{SCHEMA, SCHEMA_VERSION, STEPS};

/// Every structural fact SQLite reports about a schema, table by table:
/// columns (`table_xinfo`), indexes and their columns, foreign keys, and
/// the table kind (STRICT, WITHOUT ROWID) from `table_list`.
pub(crate) fn describe(c: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables.sort();
    let rows = |sql: &str| -> Vec<String> {
        let mut st = c.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| Ok((0..n).map(|i| cell(r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|")))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    for t in &tables {
        out.push(format!("table {t}"));
        out.extend(rows(&format!("SELECT type, ncol, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name = '{t}'")));
        out.extend(rows(&format!("SELECT * FROM pragma_table_xinfo('{t}')")).into_iter().map(|r| format!("  column {r}")));
        out.extend(rows(&format!("SELECT * FROM pragma_foreign_key_list('{t}')")).into_iter().map(|r| format!("  fk {r}")));
        let mut indexes = rows(&format!("SELECT name, \"unique\", origin, partial FROM pragma_index_list('{t}')"));
        indexes.sort();
        for i in indexes {
            let name = i.split('|').next().unwrap_or_default().to_string();
            out.push(format!("  index {i}"));
            out.extend(rows(&format!("SELECT * FROM pragma_index_xinfo('{name}')")).into_iter().map(|r| format!("    key {r}")));
        }
    }
    out
}

/// One value as text (NULL spelled out, so it differs from '').
fn cell(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

#[test]
fn the_ladder_builds_the_schema_of_schema_sql() {
    let fresh = Connection::open_in_memory().unwrap();
    fresh.execute_batch(SCHEMA).unwrap();
    let climbed = Connection::open_in_memory().unwrap();
    let mut version = 0;
    for (n, sql) in STEPS {
        assert_eq!(*n, version + 1, "steps are numbered one by one");
        climbed.execute_batch("BEGIN").unwrap();
        climbed.execute_batch(sql).unwrap();
        climbed.execute_batch("COMMIT").unwrap();
        version = *n;
    }
    assert_eq!(version, SCHEMA_VERSION, "the ladder ends at the current version");
    let (a, b) = (describe(&fresh), describe(&climbed));
    assert!(a.len() > 40, "the description covers the schema: {a:#?}");
    assert!(a.iter().any(|l| l.contains("key ")), "index columns described");
    assert_eq!(a, b);
    // CHECK constraints are not in the pragmas: the same rows pass and fail.
    for c in [&fresh, &climbed] {
        c.execute_batch("INSERT INTO series (id, source, base, quote) VALUES (1, 's', 'KZT', 'USD')").unwrap();
        let insert = |policy: &str| {
            c.execute(
                "INSERT INTO conflict (series_id, ts, policy, kept_rate, kept_inverted, dropped_rate, dropped_inverted, input, logged_at) \
                 VALUES (1, 0, ?1, '1', 0, '2', 0, 'x', 0)",
                [policy],
            )
        };
        assert!(insert("newest").is_ok() && insert("keep").is_ok() && insert("replace").is_ok());
        assert!(insert("bogus").is_err());
        assert!(c.execute("INSERT INTO observation (series_id, ts, rate, inverted) VALUES (1, 0, '1', 2)", []).is_err());
    }
}

#[test]
fn the_description_sees_a_difference() {
    // A check that cannot fail proves nothing: a changed type, a missing
    // index and a table that is no longer STRICT all show.
    let base = Connection::open_in_memory().unwrap();
    base.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT) STRICT; CREATE INDEX tb ON t (b);").unwrap();
    for other in [
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER) STRICT; CREATE INDEX tb ON t (b);",
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT) STRICT;",
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t (b);",
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT) STRICT; CREATE INDEX tb ON t (a);",
    ] {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(other).unwrap();
        assert_ne!(describe(&base), describe(&c), "{other}");
    }
}

#[test]
fn unknown_versions_and_other_programs_files_are_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, setup, said) in [
        ("negative.db", "CREATE TABLE series (x); PRAGMA user_version = -3;", "no fxsnap ever wrote"),
        ("other-app.db", "PRAGMA application_id = 1234;", "application_id"),
        ("other-tables.db", "CREATE TABLE t (x);", "other tables"),
        ("v1-without-tables.db", "CREATE TABLE t (x); PRAGMA user_version = 1;", "version 1 without"),
        ("later.db", "PRAGMA application_id = 1180193585; PRAGMA user_version = 7;", "newer than this fxsnap"),
    ] {
        let path = dir.path().join(name);
        // 1180193585 is APPLICATION_ID ("FXS1").
        assert_eq!(super::migrate::APPLICATION_ID, 1180193585);
        Connection::open(&path).unwrap().execute_batch(setup).unwrap();
        let before = std::fs::read(&path).unwrap();
        for write in [false, true] {
            let r = if write { super::Store::open_for_write(&path) } else { super::Store::open_existing(&path) };
            let e = r.err().unwrap_or_else(|| panic!("{name} accepted (write: {write})")).to_string();
            assert!(e.contains(said), "{name}: {e}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), before, "{name} changed");
    }
}

/// An input's record for the unit tests below.
fn meta(name: &str) -> super::InputMeta {
    super::InputMeta {
        name: name.into(),
        size: 1,
        sha256: name.into(),
        reader: "csv".into(),
        observed: crate::model::Instant::from_unix(0),
    }
}

/// A KZT/USD observation of source `s`.
fn kzt(ts: i64, rate: &str) -> crate::model::Observation {
    crate::model::Observation {
        source: "s".parse().unwrap(),
        pair: "KZT/USD".parse().unwrap(),
        at: crate::model::Instant::from_unix(ts),
        rate: rate.parse().unwrap(),
        change: None,
    }
}

#[test]
fn a_read_snapshot_sees_one_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rates.db");
    let mut store = super::Store::open_for_write(&path).unwrap();
    let obs = |ts: i64| kzt(ts, "0.002");
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta("a")).unwrap();
    tx.put(&obs(0)).unwrap();
    tx.commit().unwrap();
    let reader = super::Store::open_existing(&path).unwrap();
    let snapshot = reader.begin_read().unwrap();
    let count =
        |s: &super::Store| s.series().unwrap().iter().map(|x| s.time_span(x.id, None, None).unwrap().map(|t| t.1)).collect::<Vec<_>>();
    let before = count(&reader);
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta("b")).unwrap();
    tx.put(&obs(100)).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(&reader), before, "inside the snapshot the second write is not seen");
    snapshot.finish().unwrap();
    assert_ne!(count(&reader), before, "after it, it is");
}

#[test]
fn skipped_rows_and_fetch_failures_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rates.db");
    let mut store = super::Store::open_for_write(&path).unwrap();
    let meta = super::InputMeta {
        name: "https://example.org/doc.xml".into(),
        size: 10,
        sha256: "ab".repeat(32),
        reader: "nbk".into(),
        observed: crate::model::Instant::from_unix(1_700_000_000),
    };
    let obs = crate::model::Observation {
        source: "nbk".parse().unwrap(),
        pair: "USD/KZT".parse().unwrap(),
        at: crate::model::Instant::from_unix(1_699_920_000),
        rate: "478.77".parse().unwrap(),
        change: None,
    };
    // Only skipped rows: nothing stored, duplicated or conflicted, so not recorded.
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta.clone()).unwrap();
    tx.skipped(3);
    let done = tx.commit().unwrap();
    assert_eq!((done.counts.skipped, done.input), (3, None));
    assert!(store.inputs().unwrap().is_empty());
    // A row and two skipped ones: recorded with both counts.
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta.clone()).unwrap();
    tx.put(&obs).unwrap();
    tx.skipped(2);
    let done = tx.commit().unwrap();
    let inputs = store.inputs().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(Some(inputs[0].id), done.input);
    assert_eq!((inputs[0].counts.new, inputs[0].counts.skipped), (1, 2));
    assert_eq!(inputs[0].meta, meta);

    store.record_fetch_failure("https://example.org/a", "nbk", crate::model::Instant::from_unix(5), "HTTP 503").unwrap();
    store.record_fetch_failure("https://example.org/b", "cbu", crate::model::Instant::from_unix(9), "timed out").unwrap();
    let failed = super::Store::open_existing(&path).unwrap().failed_fetches().unwrap();
    let seen: Vec<(&str, &str, i64, &str)> =
        failed.iter().map(|f| (f.url.as_str(), f.source.as_str(), f.at.unix(), f.reason.as_str())).collect();
    assert_eq!(seen, [("https://example.org/b", "cbu", 9, "timed out"), ("https://example.org/a", "nbk", 5, "HTTP 503")], "newest first");
}

#[test]
fn a_v1_file_opened_for_reading_has_no_inputs_and_takes_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(STEPS[0].1).unwrap();
    c.execute_batch("PRAGMA user_version = 1").unwrap();
    drop(c);
    let before = std::fs::read(&path).unwrap();
    let store = super::Store::open_existing(&path).unwrap();
    assert!(store.inputs().unwrap().is_empty() && store.failed_fetches().unwrap().is_empty());
    assert!(store.record_fetch_failure("u", "s", crate::model::Instant::from_unix(0), "r").is_err());
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// A bucket of one observation gets no rollup row; a second observation in
/// it does. `check` accepts a correct row of one (older stores kept them)
/// and flags a missing row of two.
#[test]
fn buckets_of_one_observation_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rates.db");
    let mut store = super::Store::open_for_write(&path).unwrap();
    let obs = kzt;
    let rows = |s: &super::Store| -> Vec<(i64, i64, i64)> {
        let mut st = s.conn.prepare("SELECT width, bucket, n FROM rollup ORDER BY width, bucket").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    let day = 86_400;
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta("a")).unwrap();
    for d in 0..3 {
        tx.put(&obs(d * day, "0.002")).unwrap();
    }
    tx.commit().unwrap();
    assert_eq!(rows(&store), [], "one rate a day: no rollups");
    assert!(store.check().unwrap().is_empty());

    // A second rate on day 1, in another hour: that day's row and its six
    // hours', not the hours'.
    let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta("b")).unwrap();
    tx.put(&obs(day + 7200, "0.003")).unwrap();
    tx.commit().unwrap();
    assert_eq!(rows(&store), [(21_600, day, 2), (86_400, day, 2)]);
    assert!(store.check().unwrap().is_empty());

    // A correct row of one observation, as an older store kept it: accepted.
    store
        .conn
        .execute(
            "INSERT INTO rollup (series_id, width, bucket, n, first_ts, first, min_ts, min, max_ts, max, last_ts, last) \
             SELECT series_id, 86400, 0, 1, 0, 0.002, 0, 0.002, 0, 0.002, 0, 0.002 FROM observation LIMIT 1",
            [],
        )
        .unwrap();
    assert_eq!(store.check().unwrap(), Vec::<String>::new());
    // A row of two gone: flagged.
    store.conn.execute("DELETE FROM rollup WHERE bucket = ?1 AND width = 86400", [day]).unwrap();
    let problems = store.check().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("1 of 3 expected rows differ or are missing, 0 extra"), "{problems:?}");
}

/// Rollups folded as an input writes (rows in time order, after everything stored) are the
/// rows `rebuild` folds from the stored observations: the same input reversed takes that path.
#[test]
fn rollups_folded_while_writing_equal_the_rebuilt_ones() {
    let dir = tempfile::tempdir().unwrap();
    // Steps of 7 minutes to 9 hours over some twelve days: buckets of one and of many.
    let mut ts = 1_767_225_600i64;
    let mut rows = Vec::new();
    let mut x: u64 = 7;
    for i in 0..400 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ts += if i == 250 {
            // a two-day gap before the second input, so that it starts on a day of its own
            2 * 86_400
        } else if (244..250).contains(&i) || i >= 394 {
            // each input ends with a minute apart: buckets of several rows, open at its end
            60
        } else {
            [420, 1500, 3600, 32_400][usize::try_from((x >> 33) % 4).unwrap()]
        };
        rows.push((ts, format!("0.00{}", 190 + (i * 7) % 13)));
    }
    let (first, second) = rows.split_at(250);
    let rollups = |name: &str, reversed: bool| -> Vec<String> {
        let path = dir.path().join(name);
        let mut store = super::Store::open_for_write(&path).unwrap();
        // Two inputs: the second adds days after the first's.
        for (n, part) in [first, second].into_iter().enumerate() {
            let mut tx = store.begin_input(super::ConflictPolicy::Keep, meta(&format!("input {n}"))).unwrap();
            let mut part = part.to_vec();
            if reversed {
                part.reverse();
            }
            for (t, rate) in part {
                tx.put(&kzt(t, &rate)).unwrap();
            }
            tx.commit().unwrap();
        }
        assert_eq!(store.check().unwrap(), Vec::<String>::new());
        let mut st = store.conn.prepare("SELECT * FROM rollup ORDER BY series_id, width, bucket").unwrap();
        let n = st.column_count();
        st.query_map([], |r| Ok((0..n).map(|i| cell(r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|")))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let in_order = rollups("in-order.db", false);
    let reversed = rollups("reversed.db", true);
    assert!(in_order.len() > 50, "{in_order:?}");
    assert_eq!(in_order, reversed);
}
