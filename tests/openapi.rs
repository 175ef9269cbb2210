//! The published contract (DESIGN v4): `/v1/openapi.json` and
//! `/v2/openapi.json` are valid OpenAPI 3.1 (openapi-spec-validator), and
//! schemathesis, generating requests from each document (at least 100 per
//! operation, positive and negative, every check), finds no answer of the
//! real `fxsnap serve` that the document does not describe. The store holds
//! the bundled central-bank documents, the NBU history and the ticker pages
//! ("today" fixed by SOURCE_DATE_EPOCH), so every provider has rows.
//! scripts/test.sh installs both tools (pinned); without them the test
//! skips, or fails under FXSNAP_REQUIRE_TOOLS=1.

mod serve_support;

use std::path::Path;
use std::process::Command;

use serve_support::{bank_store, fxsnap, tool, Server};

/// 2026-05-25T12:00:00Z, as tests/frankfurter.rs.
const TODAY: &str = "1779710400";

fn store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("rates.db");
    bank_store(&db);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let history = root.join("data/history");
    let pages = root.join("data/pages");
    fxsnap(&db, &["ingest", "-q", history.to_str().unwrap(), pages.to_str().unwrap()]);
    db
}

#[test]
fn the_frankfurter_documents_are_openapi_3_1_and_schemathesis_finds_no_failure() {
    let validator = tool("openapi-spec-validator");
    let schemathesis = tool("schemathesis");
    let (Some(validator), Some(schemathesis)) = (validator, schemathesis) else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let srv = Server::start_env(&db, &[], &[("SOURCE_DATE_EPOCH", TODAY)]);
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi");
    for version in ["v1", "v2"] {
        let reply = srv.get(&format!("/{version}/openapi.json"));
        assert_eq!(reply.status, 200, "{version}");
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
        let doc = reply.json();
        assert_eq!(doc["openapi"], "3.1.0", "{version}");
        let file = dir.path().join(format!("{version}-openapi.json"));
        std::fs::write(&file, &reply.body).unwrap();
        let out = Command::new(&validator).arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{version}: not valid OpenAPI 3.1:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        let out = Command::new(&schemathesis)
            .current_dir(dir.path())
            .env("PYTHONPATH", &hooks)
            .env("SCHEMATHESIS_HOOKS", "fxsnap_hooks")
            .env("NO_COLOR", "1")
            .args(["run", &format!("http://{}/{version}/openapi.json", srv.addr)])
            .args(["--url", &format!("http://{}/{version}", srv.addr)])
            .args(["--checks", "all", "--max-examples", "100", "--workers", "2"])
            .args(["--generation-database", "none", "--request-timeout", "20", "--no-color"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let cases = text.lines().find(|l| l.contains(" generated, ")).unwrap_or_default().trim().to_string();
        let seed = text.lines().find(|l| l.starts_with("Seed:")).unwrap_or_default();
        eprintln!("{version}: {cases}; {seed}");
        // "N generated, N passed" (a warning, such as many 404s of a range without data, is no failure).
        let all_passed = cases.split_once(" generated, ").is_some_and(|(n, rest)| rest == format!("{n} passed"));
        assert!(
            out.status.success() && all_passed,
            "{version}: schemathesis found failures:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let operations = doc["paths"].as_object().unwrap().len();
        assert!(text.contains(&format!("Tested: {operations}")), "{version}: every operation tested:\n{text}");
    }
}
