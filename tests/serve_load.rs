//! `fxsnap serve` under load and abuse, through the real binary on
//! 127.0.0.1 (issue 19 must show 7 with nginx, 8 a, b, e). No timing is
//! asserted: the deadlines below only bound the tests.

mod serve_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serve_support::{bank_store, fxsnap, request, tool, Guard, Server};

/// The five currencies and the bank each one's reference rate comes from.
const BANKS: [(&str, &str); 5] = [("KZT", "nbk"), ("KGS", "nbkr"), ("UZS", "cbu"), ("TJS", "nbt"), ("TMT", "cbt")];

/// A CSV giving all five currencies the value 1000 + k on one day: a state of the store any answer can be read back to.
fn state_csv(k: usize) -> String {
    let mut s = String::from("timestamp,pair,rate,source\n");
    for (cur, bank) in BANKS {
        s.push_str(&format!("2026-06-01,USD/{cur},{},{bank}\n", 1000 + k));
    }
    s
}

/// The `k` of every fxsnap_rate line of USD against the five from their own banks,
/// at the state's time (the metrics' newest values are the state's).
fn states_in_metrics(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("fxsnap_rate{"))
        .filter(|l| BANKS.iter().any(|(c, b)| l.contains(&format!("quote=\"{c}\"")) && l.contains(&format!("source=\"{b}\""))))
        .map(|l| l.rsplit_once(' ').unwrap().1.to_string())
        .collect()
}

#[test]
fn thirty_two_clients_while_200_ingests_commit_see_whole_states_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let first = dir.path().join("state-0.csv");
    std::fs::write(&first, state_csv(0)).unwrap();
    fxsnap(&db, &["ingest", "-q", first.to_str().unwrap()]);
    let server = Server::start(&db, &[]);
    let addr = server.addr.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let (answers, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::<String>::new())));
    let mut clients = Vec::new();
    for c in 0..32 {
        let (addr, stop, answers, failures) = (addr.clone(), stop.clone(), answers.clone(), failures.clone());
        clients.push(std::thread::spawn(move || {
            let paths = ["/metrics", "/v1/2026-06-01?base=USD", "/v1/latest?base=USD&symbols=KZT,KGS,UZS,TJS,TMT"];
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let path = paths[i % paths.len()];
                i += 1;
                let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let r = match try_request(&addr, raw.as_bytes()) {
                    Ok(r) => r,
                    Err(e) => {
                        failures.lock().unwrap().push(format!("{path}: connection error {e}"));
                        continue;
                    }
                };
                answers.fetch_add(1, Ordering::Relaxed);
                if r.status >= 500 {
                    failures.lock().unwrap().push(format!("{path}: {} {}", r.status, r.text()));
                    continue;
                }
                let values: Vec<String> = if path == "/metrics" {
                    states_in_metrics(&r.text())
                } else if r.status == 200 {
                    let j = r.json();
                    let rates = j["rates"].as_object().cloned().unwrap_or_default();
                    BANKS.iter().filter_map(|(c, _)| rates.get(*c).map(|v| v.to_string())).collect()
                } else {
                    Vec::new()
                };
                if path == "/metrics" && values.len() != 5 {
                    failures.lock().unwrap().push(format!("{path}: {} values of the state: {values:?}", values.len()));
                }
                if values.windows(2).any(|w| w[0] != w[1]) {
                    failures.lock().unwrap().push(format!("{path}: an answer mixing states: {values:?}"));
                }
            }
        }));
    }
    let started = Instant::now();
    let mut ingests = 0;
    for k in 1..=200 {
        let csv = dir.path().join(format!("state-{k}.csv"));
        std::fs::write(&csv, state_csv(k)).unwrap();
        fxsnap(&db, &["ingest", "-q", "--on-conflict", "replace", csv.to_str().unwrap()]);
        ingests += 1;
    }
    while started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    let answered = answers.load(Ordering::Relaxed);
    println!("{answered} answers in {:.1} s while {ingests} ingests committed", started.elapsed().as_secs_f64());
    assert_eq!(ingests, 200);
    assert!(answered > 32, "{answered} answers");
    assert!(failures.is_empty(), "{} failures, first: {:#?}", failures.len(), &failures[..failures.len().min(10)]);
    let last = server.get("/metrics");
    assert_eq!(states_in_metrics(&last.text()), vec!["1200.0"; 5], "the last state served after the ingests");
}

/// A request on a fresh connection; Err for a connection error or no complete response.
fn try_request(addr: &str, raw: &[u8]) -> Result<serve_support::Reply, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    s.write_all(raw).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let r = serve_support::parse(&buf).ok_or_else(|| format!("no complete response ({} bytes)", buf.len()))?;
    if let Some(len) = r.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if r.body.len() != len {
            return Err(format!("a body of {} bytes, {len} announced", r.body.len()));
        }
    }
    Ok(r)
}

#[test]
fn a_hundred_slow_heads_do_not_keep_others_from_being_answered_and_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let server = Server::start(&db, &[]);
    let head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut slow: Vec<TcpStream> = (0..100).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    for s in &slow {
        s.set_nonblocking(true).unwrap();
    }
    let mut dropped = vec![false; slow.len()];
    let mut answered = 0;
    let started = Instant::now();
    // One byte a second on each slow connection; meanwhile other clients are answered.
    for second in 0..head.len().min(25) {
        for (i, s) in slow.iter_mut().enumerate() {
            if dropped[i] {
                continue;
            }
            let mut probe = [0u8; 256];
            match s.read(&mut probe) {
                Ok(0) => dropped[i] = true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => dropped[i] = true,
            }
            if !dropped[i] && s.write(&head[second..second + 1]).is_err() {
                dropped[i] = true;
            }
        }
        let r = server.get("/healthz");
        assert_eq!(r.status, 200, "a normal client at second {second} while 100 heads trickle in");
        answered += 1;
        let next = Duration::from_secs(second as u64 + 1);
        if let Some(wait) = next.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    println!(
        "{answered} normal answers; {} of 100 slow connections dropped after {:.1} s",
        dropped.iter().filter(|d| **d).count(),
        started.elapsed().as_secs_f64()
    );
    assert!(answered >= 20);
    // The server drops a head not complete within 10 s: after 25 s every slow one is closed.
    assert!(dropped.iter().all(|d| *d), "{} slow connections still open after 25 s", dropped.iter().filter(|d| !**d).count());
}

#[test]
fn sigterm_under_load_finishes_what_is_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let mut server = Server::start(&db, &[]);
    let addr = server.addr.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, broken) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::<String>::new())));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (addr, stop, ok, broken) = (addr.clone(), stop.clone(), ok.clone(), broken.clone());
        clients.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut s) = TcpStream::connect(&addr) else { break };
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                if s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
                    continue;
                }
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
                match serve_support::parse(&buf) {
                    Some(r) if r.status == 200 && r.header("content-length").and_then(|l| l.parse().ok()) == Some(r.body.len()) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    // Accepted by the kernel after the server stopped accepting: no response at all.
                    None if buf.is_empty() => {}
                    other => broken.lock().unwrap().push(format!("{other:?}")),
                }
            }
        }));
    }
    while ok.load(Ordering::Relaxed) < 50 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = server.terminate(Duration::from_secs(10)).expect("stopped within 10 s of SIGTERM");
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(status.code(), Some(0));
    let broken = broken.lock().unwrap();
    assert!(broken.is_empty(), "responses cut short: {broken:#?}");
    println!("{} complete answers", ok.load(Ordering::Relaxed));
}

#[test]
fn nginx_with_proxy_cache_honours_the_headers() {
    let Some(nginx) = tool("nginx") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rates.db");
    bank_store(&db);
    let first = dir.path().join("state-0.csv");
    std::fs::write(&first, state_csv(0)).unwrap();
    fxsnap(&db, &["ingest", "-q", first.to_str().unwrap()]);
    let server = Server::start(&db, &[]);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = dir.path();
    let conf = p.join("nginx.conf");
    std::fs::create_dir_all(p.join("cache")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nmaster_process off;\npid {pid};\nerror_log {err} warn;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  \
             client_body_temp_path {t}/body; proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;\n  \
             proxy_cache_path {cache} keys_zone=fx:1m;\n  \
             server {{\n    listen 127.0.0.1:{port};\n    proxy_cache fx;\n    proxy_cache_revalidate on;\n    add_header X-Cache-Status $upstream_cache_status always;\n    \
             location / {{ proxy_pass http://{up}; }}\n    \
             location /short/ {{ proxy_pass http://{up}/; proxy_ignore_headers Cache-Control Expires; proxy_cache_valid 200 2s; }}\n    \
  }}\n}}\n",
            pid = p.join("nginx.pid").display(),
            err = p.join("error.log").display(),
            t = p.display(),
            cache = p.join("cache").display(),
            up = server.addr,
        ),
    )
    .unwrap();
    let child = Command::new(&nginx).arg("-c").arg(&conf).arg("-p").arg(p).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let _nginx = Guard(child);
    let front = format!("127.0.0.1:{port}");
    let started = Instant::now();
    while TcpStream::connect(&front).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nginx did not start: {}",
            std::fs::read_to_string(p.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let get = |path: &str| request(&front, &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    // Cached for what serve's Cache-Control says (nginx has no validity of its own here).
    let past = "/api/history?pair=USD/KZT&source=nbk&from=2026-06-01&to=2026-06-01";
    let a = get(past);
    assert_eq!((a.status, a.header("x-cache-status")), (200, Some("MISS")), "{a:?}");
    assert!(a.header("cache-control").unwrap().contains("max-age=86400"));
    let b = get(past);
    assert_eq!(b.header("x-cache-status"), Some("HIT"), "{b:?}");
    assert_eq!(a.body, b.body);
    // An error is no-store: never a hit.
    for _ in 0..2 {
        let e = get("/api/history?from=1999-13-01");
        assert!(e.status >= 400);
        assert_ne!(e.header("x-cache-status"), Some("HIT"));
    }
    // Expiry. `/short/` is this test's own location keeping an answer 2 s whatever serve's
    // Cache-Control says (the README's configuration honours serve's headers; a day is too
    // long for a test). The store changes; once the entry expires the fresh value comes through.
    let short = "/short/api/history?pair=USD/KZT&source=nbk&from=2026-06-01&to=2026-06-01&format=csv";
    let s = get(short);
    assert_eq!((s.status, s.header("x-cache-status")), (200, Some("MISS")), "{s:?}");
    assert!(s.text().contains(",1000,"), "{}", s.text());
    let next = p.join("state-1.csv");
    std::fs::write(&next, state_csv(1)).unwrap();
    fxsnap(&db, &["ingest", "-q", "--on-conflict", "replace", next.to_str().unwrap()]);
    let started = Instant::now();
    let fresh = loop {
        let r = get(short);
        assert_eq!(r.status, 200, "{r:?}");
        if r.text().contains(",1001,") {
            break r;
        }
        // Until the entry expires nginx answers the stored bytes itself.
        assert_eq!(r.header("x-cache-status"), Some("HIT"), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(60), "the fresh value never came through nginx: {}", r.text());
        std::thread::sleep(Duration::from_millis(200));
    };
    // It came from serve because the stored entry had expired (not a miss: it was cached).
    assert_eq!(fresh.header("x-cache-status"), Some("EXPIRED"), "{fresh:?}");
    // The location honouring serve's day-long max-age still answers its stored bytes.
    let kept = get(past);
    assert_eq!((kept.header("x-cache-status"), &kept.body), (Some("HIT"), &a.body));
}
