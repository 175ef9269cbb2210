//! Issue 27: the alert rules of dist/prometheus (DESIGN "Operations (v4)")
//! pass `promtool check rules`, and `promtool test rules` shows each firing
//! on the series it is for and quiet on a healthy one. Skipped without
//! promtool, a failure under FXSNAP_REQUIRE_TOOLS=1 (scripts/test.sh).

mod serve_support;

use std::path::Path;
use std::process::Command;

#[test]
fn alert_rules_pass_promtool_check_and_their_tests() {
    let Some(promtool) = serve_support::tool("promtool") else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/prometheus");
    for args in [["check", "rules", "fxsnap-rules.yml"], ["test", "rules", "fxsnap-rules.test.yml"]] {
        let out = Command::new(&promtool).args(args).current_dir(&dir).output().expect("run promtool");
        assert!(
            out.status.success(),
            "promtool {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every rule has a test that expects it to fire.
    let rules = std::fs::read_to_string(dir.join("fxsnap-rules.yml")).unwrap();
    let tests = std::fs::read_to_string(dir.join("fxsnap-rules.test.yml")).unwrap();
    let names: Vec<&str> = rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in names {
        let fires = tests.split("alertname: ").skip(1).any(|t| t.starts_with(name) && t.contains("exp_labels"));
        let quiet = tests
            .split("alertname: ")
            .skip(1)
            .any(|t| t.starts_with(name) && t.lines().nth(1).is_some_and(|l| l.contains("exp_alerts: []")));
        assert!(fires && quiet, "{name}: a test where it fires ({fires}) and one where it is quiet ({quiet})");
    }
}
