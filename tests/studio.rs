//! `orgsim studio` end to end: the server's answers to bad requests, a closed
//! page ending its session, and the page in a real browser (headless
//! Chromium through chromedriver): move a slider, fire a departure, check
//! the charts' data changed, and check that the saved scenario reproduces
//! the page's numbers through `orgsim run`, exactly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("orgsim-studio-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A child process killed when the test ends, however it ends.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `orgsim studio` on a free port; returns it and its address.
fn studio(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .arg("studio")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Keep reading what it prints, so it never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = line
        .trim()
        .strip_prefix("orgsim studio: http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (Killed(child), url)
}

/// One HTTP/1.1 request (connection closed after it): status and body.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Read until the body is complete (by its length when given), not
    // only until the peer closes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 1 << 16];
    loop {
        let n = s.read(&mut buf).unwrap();
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let lower = head.to_ascii_lowercase();
            let length = lower
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|x| x.trim().parse::<usize>().ok());
            let complete = match length {
                Some(len) => rest.len() >= len,
                None => n == 0 || (lower.contains("chunked") && rest.ends_with("0\r\n\r\n")),
            };
            if complete || n == 0 {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let body = if lower.contains("transfer-encoding: chunked") {
                    unchunk(rest)
                } else {
                    rest.to_string()
                };
                return (status, body);
            }
        }
        assert!(n > 0, "connection closed before the answer");
    }
}

fn unchunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn post(addr: &str, path: &str, cmd: Value) -> (u16, String) {
    http(addr, "POST", path, Some(&cmd.to_string()))
}

/// Opens a live session's stream and reads until its `hello`: returns the
/// open connection and the session id.
fn open_session(addr: &str) -> (TcpStream, u64) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET /api/live HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "stream ended");
        if let Some(data) = line.strip_prefix("data: ")
            && let Ok(v) = serde_json::from_str::<Value>(data)
            && let Some(id) = v.get("session").and_then(Value::as_u64)
        {
            return (s, id);
        }
    }
}

fn sessions(addr: &str) -> u64 {
    let (_, body) = http(addr, "GET", "/api/status", None);
    serde_json::from_str::<Value>(&body).unwrap()["sessions"]
        .as_u64()
        .unwrap()
}

fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(secs), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_requests_are_answered_and_the_server_keeps_running() {
    let (_studio, addr) = studio(&["--port", "0", "--replications", "2"]);
    let (_stream, id) = open_session(&addr);
    let path = format!("/api/live/{id}");
    let cases: [(Value, &str); 9] = [
        (
            json!({"cmd": "set", "param": "delegation", "value": 1.5}),
            "parameter `delegation` (share): 1.5 is out of range: expected 0 ..= 1",
        ),
        (
            json!({"cmd": "set", "param": "delegatoin", "value": 0.5}),
            "did you mean `delegation`?",
        ),
        (
            json!({"cmd": "set", "param": "team_size", "value": 2.5}),
            "parameter `team_size` (people): expected a whole number in 2 ..= 100",
        ),
        (
            json!({"cmd": "set", "param": "members", "value": 2_000_000}),
            "members = 2000000: the live run would simulate",
        ),
        (
            json!({"cmd": "replications", "value": 0}),
            "`value` = 0 is out of range: expected 1 ..= 200",
        ),
        (
            json!({"cmd": "fire", "event": "leaders", "share": 2}),
            "`share` = 2 is out of range: expected 0.01 ..= 1",
        ),
        (
            json!({"cmd": "fire", "event": "top"}),
            "an event at week 0 leaves no weeks before it",
        ),
        (json!({"cmd": "jump"}), "unknown cmd `jump`"),
        (
            json!({"cmd": "fire", "event": "outage", "variant": 3}),
            "`variant` = 3 is out of range: expected 0 ..= 2",
        ),
    ];
    for (cmd, expected) in cases {
        let (status, body) = post(&addr, &path, cmd.clone());
        assert_eq!(status, 400, "{cmd}: {body}");
        assert!(body.contains(expected), "{cmd}: got {body:?}");
    }
    let (status, body) = http(&addr, "POST", &path, Some("{not json"));
    assert_eq!(status, 400);
    assert!(body.contains("not JSON"), "{body}");
    let (status, body) = http(&addr, "GET", "/results/x/../../etc/passwd", None);
    assert_ne!(status, 200, "{body}");
    // Still running, and the refused requests changed nothing.
    let (status, body) = post(&addr, &path, json!({"cmd": "step", "weeks": 3}));
    assert_eq!((status, body.as_str()), (200, "stepping"));
    let (status, toml) = http(&addr, "GET", &format!("{path}/scenario.toml"), None);
    assert_eq!(status, 200);
    assert!(toml.contains("delegation = 0.1\n") && toml.contains("replications = 2\n"));
}

#[test]
fn a_closed_page_ends_its_session() {
    let (_studio, addr) = studio(&["--port", "0", "--replications", "2"]);
    let (stream, id) = open_session(&addr);
    assert_eq!(sessions(&addr), 1);
    let (status, _) = post(&addr, &format!("/api/live/{id}"), json!({"cmd": "play"}));
    assert_eq!(status, 200);
    drop(stream);
    wait_for("the session to end after its page closed", 20, || {
        sessions(&addr) == 0
    });
    let (status, body) = post(&addr, &format!("/api/live/{id}"), json!({"cmd": "pause"}));
    assert_eq!(status, 404, "{body}");
}

// ---- the page in a real browser ------------------------------------------------

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session on chromedriver.
struct Browser {
    driver: String,
    session: String,
    _chromedriver: Killed,
    _profile: PathBuf,
}

impl Browser {
    fn start() -> Option<Browser> {
        let (chromium, chromedriver) = (
            Path::new("/usr/bin/chromium"),
            Path::new("/usr/bin/chromedriver"),
        );
        if !chromium.exists() || !chromedriver.exists() {
            // CI installs both (`.ci/run`); there, missing is a failure.
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium and chromium-driver are not installed (.ci/run installs them)"
            );
            eprintln!("skipped: no /usr/bin/chromium or /usr/bin/chromedriver");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = format!("127.0.0.1:{port}");
        let guard = Killed(child);
        wait_for("chromedriver to listen", 30, || {
            TcpStream::connect(&driver).is_ok()
        });
        // A fresh profile per browser: two on one profile would be one browser.
        static BROWSERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = BROWSERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile = tmp(&format!("chromium-profile-{n}"));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1920,1080",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let (status, body) = post(&driver, "/session", caps);
        assert_eq!(status, 200, "chromedriver refused a session: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap().to_string();
        Some(Browser {
            driver,
            session,
            _chromedriver: guard,
            _profile: profile,
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let (status, text) = http(
            &self.driver,
            method,
            &url,
            body.map(|b| b.to_string()).as_deref(),
        );
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {text}");
        v["value"].clone()
    }

    /// A Chrome DevTools command through chromedriver.
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn keys(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    fn screenshot(&self, path: &Path) {
        let b64 = self.call("GET", "/screenshot", None);
        std::fs::write(path, base64(b64.as_str().unwrap())).unwrap();
    }

    fn wait_js(&self, what: &str, script: &str) {
        wait_for(what, 60, || self.js(script) == Value::Bool(true));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            &self.driver,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(val(c)) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// What the page shows: per variant, per week × metric, the mean and the
/// half-width of its 95% band, as the page holds them (text of the exact
/// doubles, so nothing is lost on the way).
struct Shown {
    variants: Vec<String>,
    metrics: Vec<String>,
    mean: Vec<Vec<f64>>,
    half: Vec<Vec<f64>>,
}

fn shown(b: &Browser) -> Shown {
    let v = b.js(
        "return {variants: studio.hello.variants.map(v => v.name), \
         metrics: studio.hello.metrics.map(m => m.name), \
         mean: studio.hist.map(h => h.mean.map(String)), half: studio.hist.map(h => h.half.map(String))};",
    );
    let strings = |x: &Value| -> Vec<String> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let numbers = |x: &Value| -> Vec<Vec<f64>> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                strings(a)
                    .iter()
                    .map(|s| s.parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect()
    };
    Shown {
        variants: strings(&v["variants"]),
        metrics: strings(&v["metrics"]),
        mean: numbers(&v["mean"]),
        half: numbers(&v["half"]),
    }
}

fn chart_data(b: &Browser, chart: &str) -> Value {
    b.js(&format!("return studio.charts['{chart}'].data;"))
}

/// Plays to week `w` at full speed and waits there.
fn play_to(b: &Browser, w: u32) {
    b.js(&format!(
        "document.getElementById('horizon').value = {w}; \
         document.getElementById('horizon').dispatchEvent(new Event('change'));"
    ));
    b.wait_js(
        "the horizon to be set",
        &format!("return studio.state.horizon === {w};"),
    );
    b.click("#play");
    b.wait_js(
        &format!("week {w}"),
        &format!(
            "return studio.state.week === {w} && !studio.state.playing && !studio.state.replaying \
             && studio.hist.every(h => h.mean.length === {w} * studio.k);"
        ),
    );
}

/// `aggregate.csv` rows: (variant, step, metric) → (mean, ci95_low, ci95_high).
fn aggregate(dir: &Path) -> std::collections::HashMap<(String, usize, String), (f64, f64, f64)> {
    let mut r = csv::Reader::from_path(dir.join("aggregate.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (cv, cs, cm) = (col("variant"), col("step"), col("metric"));
    let (mean, lo, hi) = (col("mean"), col("ci95_low"), col("ci95_high"));
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                (x[cv].to_string(), x[cs].parse().unwrap(), x[cm].to_string()),
                (num(&x[mean]), num(&x[lo]), num(&x[hi])),
            )
        })
        .collect()
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Counts the cells of `aggregate.csv` that differ from what the page showed.
fn differences(run: &Path, s: &Shown, weeks: usize) -> (usize, usize, String) {
    let agg = aggregate(run);
    let k = s.metrics.len();
    let (mut cells, mut differ, mut first) = (0, 0, String::new());
    for (v, name) in s.variants.iter().enumerate() {
        for t in 0..weeks {
            for (m, metric) in s.metrics.iter().enumerate() {
                let (mean, half) = (s.mean[v][t * k + m], s.half[v][t * k + m]);
                let key = (name.clone(), t, metric.clone());
                let (am, lo, hi) = agg[&key];
                cells += 1;
                if !(same(mean, am) && same(mean - half, lo) && same(mean + half, hi)) {
                    if differ == 0 {
                        first = format!("{key:?}: page {mean} ± {half}, run {am} [{lo}, {hi}]");
                    }
                    differ += 1;
                }
            }
        }
    }
    (cells, differ, first)
}

/// "Run in full" runs the page's scenario through the library's run
/// pipeline into the results folder: the same files `orgsim run` writes
/// from the saved scenario, byte for byte, with charts and report; "Stop"
/// stops a run in full and publishes nothing.
#[test]
fn a_run_in_full_publishes_what_orgsim_run_publishes_and_can_be_stopped() {
    let dir = tmp("full");
    let results = dir.join("results");
    let (_studio, addr) = studio(&[
        "--port",
        "0",
        "--results",
        results.to_str().unwrap(),
        "--replications",
        "3",
    ]);
    let (_stream, id) = open_session(&addr);
    assert_eq!(
        post(
            &addr,
            &format!("/api/live/{id}"),
            json!({"cmd": "horizon", "value": 80})
        )
        .0,
        200
    );
    // The top leader leaves at week 40 (an event needs weeks before it).
    assert_eq!(
        post(
            &addr,
            &format!("/api/live/{id}"),
            json!({"cmd": "step", "weeks": 40})
        )
        .0,
        200
    );
    let (mut status, mut body) = (0, String::new());
    wait_for("week 40", 60, || {
        (status, body) = post(
            &addr,
            &format!("/api/live/{id}"),
            json!({"cmd": "fire", "event": "top"}),
        );
        status == 200
    });
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&addr, "POST", &format!("/api/live/{id}/run"), None);
    assert_eq!(status, 200, "{body}");
    let started: Value = serde_json::from_str(&body).unwrap();
    let (run, name) = (
        started["run"].as_u64().unwrap(),
        started["name"].as_str().unwrap().to_string(),
    );
    assert_eq!(name, "three-structures-studio");
    let progress = |run: u64| -> Value {
        serde_json::from_str(&http(&addr, "GET", &format!("/api/runs/{run}"), None).1).unwrap()
    };
    wait_for("the run in full", 120, || {
        progress(run)["state"] != "running"
    });
    let p = progress(run);
    assert_eq!(p["state"], "published", "{p}");
    assert_eq!(p["done"], p["planned"], "{p}");
    let out = results.join(&name);
    assert!(out.join("report.html").is_file() && out.join("charts").is_dir());
    // It ran to the page's horizon, and the scenario it ran (kept in its
    // manifest) gives the same files through `orgsim run`.
    let read_json = |p: PathBuf| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    assert_eq!(read_json(out.join("run.json"))["steps"], 80);
    let file = dir.join("ran.toml");
    let text = read_json(out.join("manifest.json"))["source"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("kind = \"departure\""), "{text}");
    std::fs::write(&file, text).unwrap();
    let cli = dir.join("cli");
    orgsim_run(&file, &cli);
    for f in [
        "summary.csv",
        "timeseries.csv",
        "comparison.csv",
        "effects.csv",
        "twins.csv",
    ] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(cli.join(f)).unwrap(),
            "{f} differs"
        );
    }
    // "Open results" lists it.
    let (_, list) = http(&addr, "GET", "/api/results", None);
    assert!(list.contains("three-structures-studio"), "{list}");
    // A longer one, stopped at once: nothing published, and a second run
    // never takes the first one's folder.
    assert_eq!(
        post(
            &addr,
            &format!("/api/live/{id}"),
            json!({"cmd": "horizon", "value": 2000})
        )
        .0,
        200
    );
    let (_, body) = http(&addr, "POST", &format!("/api/live/{id}/run"), None);
    let started: Value = serde_json::from_str(&body).unwrap();
    let run = started["run"].as_u64().unwrap();
    assert_eq!(started["name"], "three-structures-studio-2");
    assert_eq!(
        http(&addr, "POST", &format!("/api/runs/{run}/stop"), None).0,
        200
    );
    wait_for("the stop", 60, || progress(run)["state"] != "running");
    assert_eq!(progress(run)["state"], "stopped", "{}", progress(run));
    assert!(!results.join("three-structures-studio-2").exists());
    // Nothing of it is left behind (the studio cannot resume it).
    wait_for("the stopped run's staging folder to go", 10, || {
        !results.join(".three-structures-studio-2.partial").exists()
    });
    assert_eq!(http(&addr, "GET", "/api/runs/99", None).0, 404);
    let _ = std::fs::remove_dir_all(dir);
}

fn orgsim_run(file: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-charts",
        ])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_page_in_a_browser_reproduces_through_orgsim_run() {
    let Some(b) = Browser::start() else { return };
    let dir = tmp("browser");
    // A finished run for "Open results".
    let results = dir.join("results");
    let o = Command::new(env!("CARGO_BIN_EXE_orgsim"))
        .args([
            "run",
            "scenarios/ceo-departure.toml",
            "--replications",
            "3",
            "--steps",
            "120",
            "--quiet",
        ])
        .arg("--out")
        .arg(results.join("ceo-departure"))
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_studio, addr) = studio(&["--port", "0", "--results", results.to_str().unwrap()]);
    let shots = std::env::var_os("ORGSIM_STUDIO_SCREENSHOTS").map(PathBuf::from);
    // The page itself at 1920 × 1080, as on a projector.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.go(&format!("http://{addr}/"));
    b.wait_js(
        "the page's first history",
        "return !!(window.studio && studio.ready && studio.state);",
    );
    // 20 replications of the three presets, as the studio opens without a file.
    assert_eq!(b.js("return studio.state.replications;"), json!(20));

    play_to(&b, 30);
    let before = chart_data(&b, "throughput");
    assert_eq!(before[0].as_array().unwrap().len(), 30);

    // Move a slider (the keyboard moves it as a hand would): every variant
    // is replayed with the new value and the charts' data change.
    let histories = b.js("return studio.histories;").as_u64().unwrap();
    b.keys(
        "input[name=delegation]",
        "\u{E014}\u{E014}\u{E014}\u{E014}\u{E014}",
    );
    b.wait_js(
        "the replay after the slider moved",
        &format!("return studio.histories > {histories} && !studio.state.replaying && studio.state.values[0][studio.hello.params.findIndex(p => p.name === 'delegation')] > 0.1;"),
    );
    let after = chart_data(&b, "throughput");
    assert_eq!(after[0].as_array().unwrap().len(), 30);
    assert_ne!(
        before, after,
        "moving the delegation slider did not change the chart"
    );

    // Fire a departure now (week 30), play on past it.
    let histories = b.js("return studio.histories;").as_u64().unwrap();
    b.click("button[data-event=top]");
    b.wait_js(
        "the replay after the departure",
        &format!("return studio.histories > {histories} && studio.state.events.length === 1 && !studio.state.replaying;"),
    );
    assert_eq!(b.js("return studio.state.events[0].at;"), json!(30));
    // And an outage in the peer organization alone at week 45.
    play_to(&b, 45);
    let histories = b.js("return studio.histories;").as_u64().unwrap();
    // (Chosen by script: clicking an <option> opens the select's pop-up.)
    b.js("document.getElementById('fire-target').value = '2';");
    b.click("button[data-event=outage]");
    b.wait_js(
        "the replay after the outage",
        &format!("return studio.histories > {histories} && studio.state.events.length === 2 && !studio.state.replaying;"),
    );
    assert_eq!(
        b.js("return studio.state.events[1].variants;"),
        json!(["peer"])
    );
    play_to(&b, 60);
    let s = shown(&b);
    assert_eq!(s.variants, ["hierarchy", "leader-leader", "peer"]);
    if let Some(d) = &shots {
        std::fs::create_dir_all(d).unwrap();
        b.screenshot(&d.join("studio.png"));
        b.click("#present");
        std::thread::sleep(Duration::from_millis(500));
        b.screenshot(&d.join("studio-presentation.png"));
        b.click("#present");
    }

    // "Save as scenario": the file the button downloads.
    let href = b.js("return document.getElementById('save').getAttribute('href');");
    let (status, toml) = http(&addr, "GET", href.as_str().unwrap(), None);
    assert_eq!(status, 200);
    assert!(toml.contains("steps = 60\n"), "{toml}");
    assert!(
        toml.contains("kind = \"departure\"")
            && toml.contains("at = 30\n")
            && toml.contains("target = \"top\"")
    );
    assert!(
        toml.contains("kind = \"outage\"")
            && toml.contains("at = 45\n")
            && toml.contains("variants = [\"peer\"]")
    );
    let saved = dir.join("saved.toml");
    std::fs::write(&saved, &toml).unwrap();
    let run = dir.join("run");
    orgsim_run(&saved, &run);
    let (cells, differ, first) = differences(&run, &s, 60);
    assert_eq!(cells, 3 * 60 * s.metrics.len());
    assert_eq!(
        differ, 0,
        "{differ} of {cells} cells differ; first: {first}"
    );

    // The same file without the departure gives other numbers after week
    // 30: the page showed the departure's effect, not the plain run.
    let event_at = toml.find("\n[[event]]").unwrap();
    let plain = dir.join("plain.toml");
    std::fs::write(&plain, &toml[..event_at]).unwrap();
    let run_plain = dir.join("run-plain");
    orgsim_run(&plain, &run_plain);
    let (_, differ, _) = differences(&run_plain, &s, 60);
    assert!(differ > 0, "the page's numbers do not show the departure");
    let (_, before_event, _) = differences(&run_plain, &s, 30);
    assert_eq!(
        before_event, 0,
        "weeks before the departure should not change"
    );

    // "Open results" lists the finished run and shows its report.
    b.click("#open-results");
    b.wait_js(
        "the results list",
        "return document.querySelectorAll('#results-list li b').length > 0;",
    );
    b.click("#results-list li");
    b.wait_js(
        "the report",
        "const f = document.querySelector('#results-view iframe'); \
         return !!(f && f.contentDocument && f.contentDocument.readyState === 'complete' && f.contentDocument.body.innerText.length > 100);",
    );
    if let Some(d) = &shots {
        std::thread::sleep(Duration::from_millis(500));
        b.screenshot(&d.join("studio-results.png"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Plays the page to week `w` at full speed; returns the seconds from the
/// Play command leaving the page to week `w` drawn.
fn full_speed_to(b: &Browser, w: u32) -> f64 {
    b.js("const s = document.getElementById('speed'); s.value = '0'; s.dispatchEvent(new Event('change'));");
    b.wait_js("full speed", "return studio.state.speed === 0;");
    play_to(b, w);
    b.wait_js(
        "the last frame drawn",
        &format!("return studio.drawnWeek === {w};"),
    );
    b.js("return (studio.drawnAt - studio.sentAt) / 1000;")
        .as_f64()
        .unwrap()
}

/// Moves the delegation slider of all variants one notch; returns the
/// seconds from the command leaving the page to the replayed history drawn.
fn slider_latency(b: &Browser, right: bool) -> f64 {
    let h = b.js("return studio.histories;").as_u64().unwrap();
    b.keys(
        "input[name=delegation]",
        if right { "\u{E014}" } else { "\u{E012}" },
    );
    b.wait_js(
        "the replay drawn",
        &format!("return studio.drawnHistories > {h} && !studio.state.replaying;"),
    );
    b.js("return (studio.drawnAt - studio.sentAt) / 1000;")
        .as_f64()
        .unwrap()
}

/// The figures in docs/performance.md (run by hand, not in CI:
/// `cargo test --release --test studio -- --ignored --nocapture timings`):
/// the three presets × 20 replications of 120 people.
#[test]
#[ignore]
fn timings() {
    let Some(b) = Browser::start() else { return };
    let (_studio, addr) = studio(&["--port", "0"]);
    b.go(&format!("http://{addr}/"));
    b.wait_js(
        "the page",
        "return !!(window.studio && studio.ready && studio.state);",
    );
    let mut week = 0;
    for w in [100, 260, 520, 1000] {
        let secs = full_speed_to(&b, w);
        println!("full speed: weeks {week}..{w} in {secs:.2} s");
        week = w;
        let mut lat: Vec<f64> = (0..5).map(|i| slider_latency(&b, i % 2 == 0)).collect();
        lat.sort_by(f64::total_cmp);
        println!(
            "slider at week {w}: median {:.3} s, range {:.3}..{:.3} s",
            lat[2], lat[0], lat[4]
        );
    }
    b.click("#reset");
    b.wait_js(
        "reset",
        "return studio.state.week === 0 && !studio.state.replaying;",
    );
    let secs = full_speed_to(&b, 1000);
    println!("full speed from reset: 1000 weeks in {secs:.2} s");
}

/// The README's screenshot (by hand: `ORGSIM_STUDIO_SCREENSHOTS=docs/images
/// cargo test --release --test studio -- --ignored readme_screenshot`): the
/// presets, the top leader leaving at week 100, played to week 200.
#[test]
#[ignore]
fn readme_screenshot() {
    let Some(b) = Browser::start() else { return };
    let dir =
        std::env::var_os("ORGSIM_STUDIO_SCREENSHOTS").map_or_else(|| tmp("readme"), PathBuf::from);
    let (_studio, addr) = studio(&["--port", "0"]);
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.go(&format!("http://{addr}/"));
    b.wait_js(
        "the page",
        "return !!(window.studio && studio.ready && studio.state);",
    );
    full_speed_to(&b, 100);
    let h = b.js("return studio.histories;").as_u64().unwrap();
    b.click("button[data-event=top]");
    b.wait_js(
        "the replay",
        &format!("return studio.histories > {h} && !studio.state.replaying;"),
    );
    play_to(&b, 200);
    std::thread::sleep(Duration::from_millis(500));
    b.screenshot(&dir.join("studio.png"));
    println!("{}", dir.join("studio.png").display());
}
