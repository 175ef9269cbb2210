//! Issue 27: the systemd units of dist/systemd (DESIGN "Operations (v4)")
//! without installing them: every fxsnap command line they run is one this
//! fxsnap accepts, and `systemd-analyze security --offline=true` rates
//! fxsnap-serve 2.0 or better and the others 3.0 or better. (Installed, run
//! and verified as root by scripts/package-test.sh.)

mod serve_support;

use std::fs;
use std::path::Path;
use std::process::Command;

fn units() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/systemd");
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "service"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_unit_runs_a_command_line_fxsnap_accepts() {
    let mut seen = Vec::new();
    for (name, text) in units() {
        for line in text.lines().filter_map(|l| l.strip_prefix("ExecStart=")) {
            let Some(args) = line.strip_prefix("/usr/bin/fxsnap ") else { continue };
            // %% is systemd's %; the unit lines have no quotes.
            let args: Vec<String> = args.replace("%%", "%").split_whitespace().map(str::to_string).collect();
            assert!(args.iter().any(|a| a == "--config") && args.contains(&"/etc/fxsnap/config.toml".to_string()), "{name}: {line}");
            let out = Command::new(serve_support::bin()).args(&args).arg("--help").output().unwrap();
            assert!(out.status.success(), "{name}: `fxsnap {}` is refused: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
            seen.push(name.clone());
        }
        assert!(text.contains("\nUser=fxsnap\n") || name.starts_with("fxsnap-alert@"), "{name} does not run as fxsnap");
    }
    assert_eq!(seen, ["fxsnap-check.service", "fxsnap-fetch.service", "fxsnap-report.service", "fxsnap-serve.service"]);
}

#[test]
fn every_service_is_sandboxed_within_its_exposure_limit() {
    let Some(analyze) = serve_support::tool("systemd-analyze") else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist/systemd");
    for (name, _) in units() {
        let out = Command::new(&analyze).args(["security", "--offline=true", "--no-pager"]).arg(dir.join(&name)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let level: f64 = text
            .lines()
            .find_map(|l| l.split_once("Overall exposure level for ").and_then(|(_, r)| r.split_once(": ")))
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no exposure level in {text}{}", String::from_utf8_lossy(&out.stderr)));
        let limit = if name == "fxsnap-serve.service" { 2.0 } else { 3.0 };
        eprintln!("{name}: exposure {level} (limit {limit})");
        assert!(level <= limit, "{name}: exposure {level}, above {limit}");
    }
}
