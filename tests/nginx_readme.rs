//! The README's nginx configuration (issue 27, must show 5), as extracted
//! from README.md and run with only its addresses and paths changed for the
//! test (the port, the upstream, the folders under a temporary prefix): a
//! second request is a hit; with fxsnap stopped a day-cacheable answer is
//! still served; `/` for a browser and for a program are cached apart.

mod serve_support;

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serve_support::{bank_store, request, tool, Guard, Server};

const README: &str = include_str!("../README.md");

/// The README's one ```nginx block.
fn readme_nginx() -> String {
    let start = README.find("```nginx\n").expect("README.md has an nginx block") + "```nginx\n".len();
    let len = README[start..].find("```").expect("the nginx block ends");
    README[start..start + len].to_string()
}

#[test]
fn the_readmes_nginx_configuration_caches_serves_stale_and_keeps_browsers_apart() {
    let Some(nginx) = tool("nginx") else { return };
    let conf = readme_nginx();
    // What the issue asks of it, as written.
    for must in ["inactive=", "proxy_cache_lock on", "proxy_cache_use_stale error", "events", "http {", "$http_accept"] {
        assert!(conf.contains(must), "the README's nginx configuration lacks {must:?}:\n{conf}");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // nginx's workers run as www-data (the README's `user`): they must reach the prefix.
    std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let db = p.join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cache = p.join("cache");
    let logs = p.join("logs");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    // The README's instruction: the cache folder belongs to nginx's user.
    let chown = Command::new("chown").args(["-R", "www-data"]).arg(&cache).arg(&logs).status().unwrap();
    assert!(chown.success());
    let replaced = [
        ("/var/cache/nginx/fxsnap", cache.display().to_string()),
        ("/var/log/nginx", logs.display().to_string()),
        ("/run/nginx.pid", p.join("nginx.pid").display().to_string()),
        ("listen 80;", format!("listen 127.0.0.1:{port};")),
        ("http://127.0.0.1:8080", format!("http://{}", server.addr)),
    ];
    let mut text = conf.clone();
    for (from, to) in &replaced {
        assert!(text.contains(from), "the README's configuration no longer says {from:?}");
        text = text.replace(from, to);
    }
    let file = p.join("nginx.conf");
    std::fs::write(&file, &text).unwrap();
    let check = Command::new(&nginx).arg("-t").arg("-c").arg(&file).arg("-p").arg(p).output().unwrap();
    assert!(check.status.success(), "nginx -t: {}", String::from_utf8_lossy(&check.stderr));
    let child = Command::new(&nginx)
        .arg("-c")
        .arg(&file)
        .arg("-p")
        .arg(p)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _nginx = Guard(child);
    let front = format!("127.0.0.1:{port}");
    let started = Instant::now();
    while TcpStream::connect(&front).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nginx did not start: {}",
            std::fs::read_to_string(logs.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let get = |path: &str, accept: Option<&str>| {
        let accept = accept.map(|a| format!("Accept: {a}\r\n")).unwrap_or_default();
        request(&front, &format!("GET {path} HTTP/1.1\r\nHost: rates.example\r\n{accept}Connection: close\r\n\r\n"))
    };
    // A past date: cacheable for a day; the second request is a hit.
    let past = "/v1/2026-04-01?base=USD";
    let a = get(past, None);
    assert_eq!((a.status, a.header("x-cache-status")), (200, Some("MISS")), "{a:?}");
    assert!(a.header("cache-control").unwrap().contains("max-age=86400"), "{a:?}");
    let b = get(past, None);
    assert_eq!((b.status, b.header("x-cache-status")), (200, Some("HIT")), "{b:?}");
    assert_eq!(a.body, b.body);
    // `/`: a browser is sent to the report, a program gets JSON, each from its own entry.
    let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let browser = get("/", Some(html));
    let program = get("/", None);
    assert_eq!((browser.status, browser.header("location")), (302, Some("/report/")), "{browser:?}");
    assert_eq!(program.status, 200, "{program:?}");
    assert!(program.header("content-type").unwrap().starts_with("application/json"), "{program:?}");
    let browser_again = get("/", Some(html));
    let program_again = get("/", None);
    assert_eq!((browser_again.status, browser_again.header("x-cache-status")), (302, Some("HIT")), "{browser_again:?}");
    assert_eq!((program_again.status, program_again.header("x-cache-status")), (200, Some("HIT")), "{program_again:?}");
    assert_eq!(program_again.body, program.body);
    let page = get("/report/", Some(html));
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.header("content-type").unwrap().starts_with("text/html"), "{page:?}");
    // fxsnap stopped: the day-cacheable answer is still served from the cache.
    drop(server);
    let stopped = get(past, None);
    assert_eq!(stopped.status, 200, "with fxsnap stopped: {stopped:?}");
    assert_eq!(stopped.body, a.body);
    let upstream_gone = get("/v1/2026-04-02?base=USD", None);
    assert_eq!(upstream_gone.status, 502, "an answer never cached cannot be served: {upstream_gone:?}");
}
