//! `orgsim studio`: a local web page for workshops. Sliders, event buttons
//! and live charts with 95% bands over a scenario's variants, run on the
//! server's worker threads and streamed to the page (server-sent events).
//!
//! * [`live`]: the live run (variants × replications stepped together,
//!   replayed from week 0 when a slider moves or an event is fired, so a
//!   saved scenario reproduces it through `orgsim run`).
//! * [`session`]: one page's thread: commands in, statistics out; it ends
//!   when the page's stream closes.
//! * [`api`]: the page's requests, checked, with messages naming the field
//!   and its valid range.
//! * [`results`]: "Open results": finished results folders' reports and charts.
//! * [`full_run`]: "Run in full": the page's scenario through the library's
//!   run pipeline, as `orgsim run` runs it, into the results folder.
//!
//! Every asset (page, script, styles, uPlot) is built into the binary.

mod api;
mod full_run;
pub mod live;
mod results;
mod session;

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::model::ModelKind;
use crate::scenario::{self, Scenario};
use live::Live;
use session::{Command, Request};

/// How `orgsim studio` was asked to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The scenario (None: the three structures at 120 members).
    pub file: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1).
    pub host: Option<String>,
    /// Port (0: a free one).
    pub port: u16,
    /// Open the page in the default browser.
    pub open: bool,
    /// Worker threads for the simulations (0: all cores).
    pub threads: usize,
    /// Replications per variant (default: the scenario's, at most 20).
    pub replications: Option<u32>,
    /// Where "Open results" looks for results folders.
    pub results: PathBuf,
}

/// The scenario the studio opens without a file: the three structures,
/// same 120-person organization, same seed.
const PRESETS: &str = r#"name = "three-structures"
question = "How do the three structures differ, week by week, when leaders leave and shocks hit?"
description = "The same 120-person organization run as a top-down hierarchy, a leader-leader hierarchy and peer teams."
steps = 520
replications = 20
seed = 2026

[defaults]
members = 120

[[variant]]
name = "hierarchy"
structure = "hierarchy"

[[variant]]
name = "leader-leader"
structure = "leader-leader"

[[variant]]
name = "peer"
structure = "peer"
"#;

/// The studio's shared state.
struct App {
    scenario: Scenario,
    replications: u32,
    pool: Arc<rayon::ThreadPool>,
    sessions: Mutex<HashMap<u64, std::sync::mpsc::Sender<Request>>>,
    next_id: AtomicU64,
    results: PathBuf,
    /// Runs in full ("Run in full"), and what they need.
    full_runs: full_run::FullRuns,
    chart_base: PathBuf,
    threads: usize,
}

/// Reads the scenario the studio opens (or the built-in presets).
pub fn load(file: Option<&Path>) -> Result<Scenario, String> {
    let s = match file {
        Some(f) => {
            let bytes =
                std::fs::read(f).map_err(|e| format!("error: cannot read {}: {e}", f.display()))?;
            let base = f.parent().unwrap_or(Path::new(""));
            scenario::parse_in(&f.display().to_string(), &bytes, base).map_err(|e| e.to_string())?
        }
        None => {
            scenario::parse("(studio presets)", PRESETS.as_bytes()).map_err(|e| e.to_string())?
        }
    };
    if s.model != ModelKind::Org {
        return Err(format!(
            "error: the studio runs the organization model; this scenario's model is `{}`\n  help: run it with `orgsim run`",
            s.model.name()
        ));
    }
    Ok(s)
}

/// Starts the studio and serves until the process is stopped.
pub fn serve(o: Options) -> Result<(), String> {
    let scenario = load(o.file.as_deref())?;
    let replications = o.replications.unwrap_or(scenario.replications.min(20));
    // Checked once here, so a bad count is refused before the server starts.
    Live::new(scenario.clone(), 1)
        .set_replications(replications)
        .map_err(|e| format!("error: --{e}"))?;
    let threads = if o.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        o.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("studio-sim-{i}"))
        .build()
        .map_err(|e| format!("error: cannot start worker threads: {e}"))?;
    let host = o.host.clone().unwrap_or_else(|| "127.0.0.1".into());
    let listener = std::net::TcpListener::bind((host.as_str(), o.port))
        .map_err(|e| format!("error: cannot listen on {host}:{}: {e}", o.port))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("error: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("error: {e}"))?;
    let shown = if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}/", addr.port())
    } else {
        format!("http://{addr}/")
    };
    // `say!` never fails the server (its output may be a closed pipe).
    crate::say!("orgsim studio: {shown}");
    if o.host.is_some() && !addr.ip().is_loopback() {
        // A warning, so on standard error even with -q.
        eprintln!(
            "  listening on {addr}: anyone who can reach this machine on port {} can open the studio, \
             run simulations on it and read the results folders under {} (there is no password)",
            addr.port(),
            o.results.display()
        );
    }
    crate::say!("  Ctrl-C stops it.");
    if o.open {
        open_browser(&shown);
    }
    let app = Arc::new(App {
        scenario,
        replications,
        pool: Arc::new(pool),
        sessions: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        results: o.results,
        full_runs: full_run::FullRuns::default(),
        chart_base: full_run::chart_base(o.file.as_deref()),
        threads,
    });
    // Two threads answer requests; the simulations run on the pool.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("error: cannot start the server: {e}"))?;
    rt.block_on(async move {
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|e| format!("error: {e}"))?;
        axum::serve(listener, router(app))
            .await
            .map_err(|e| format!("error: the server stopped: {e}"))
    })
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { asset("index.html") }))
        .route(
            "/assets/{file}",
            get(|UrlPath(f): UrlPath<String>| async move { asset(&f) }),
        )
        .route("/api/live", get(live_stream))
        .route("/api/live/{id}", post(command))
        .route("/api/live/{id}/scenario.toml", get(save))
        .route("/api/live/{id}/run", post(run_in_full))
        .route("/api/runs/{run}", get(run_progress))
        .route("/api/runs/{run}/stop", post(stop_run))
        .route("/api/status", get(status))
        .route("/api/results", get(list_results))
        .route("/results/{name}/{*file}", get(result_file))
        .fallback(|| async { bad(StatusCode::NOT_FOUND, "no such page".into()) })
        .with_state(app)
}

/// The page's files, built into the binary.
fn asset(name: &str) -> Response {
    let (body, kind): (&'static [u8], &str) = match name {
        "index.html" => (
            include_bytes!("../../assets/studio/index.html"),
            "text/html; charset=utf-8",
        ),
        "studio.js" => (
            include_bytes!("../../assets/studio/studio.js"),
            "text/javascript; charset=utf-8",
        ),
        "studio.css" => (
            include_bytes!("../../assets/studio/studio.css"),
            "text/css; charset=utf-8",
        ),
        "uPlot.iife.min.js" => (
            include_bytes!("../../assets/studio/uPlot.iife.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "uPlot.min.css" => (
            include_bytes!("../../assets/studio/uPlot.min.css"),
            "text/css; charset=utf-8",
        ),
        _ => return bad(StatusCode::NOT_FOUND, format!("no asset `{name}`")),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// An error answer: the message as plain text.
fn bad(code: StatusCode, msg: String) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

/// Opens a session: its first message says what the page shows, then
/// statistics stream as the run goes. When the page closes the stream, the
/// session's thread sees it and stops.
async fn live_stream(State(app): State<Arc<App>>) -> Response {
    let id = app.next_id.fetch_add(1, Ordering::Relaxed);
    let (cmd_tx, cmd_rx) = std::sync::mpsc::channel::<Request>();
    let (tx, rx) = tokio::sync::mpsc::channel::<session::Message>(16);
    let hello = hello(&app, id);
    let scenario = app.scenario.clone();
    let replications = app.replications;
    let pool = app.pool.clone();
    app.sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, cmd_tx);
    let app2 = app.clone();
    std::thread::Builder::new()
        .name(format!("studio-session-{id}"))
        .spawn(move || {
            // A panic in a model ends this session only (its page's stream
            // closes and the page opens a new one); the server goes on.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let live = Live::new(scenario, replications);
                session::run(live, pool, cmd_rx, tx, hello);
            }));
            app2.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        })
        .ok();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let (name, data) = rx.recv().await?;
        Some((
            Ok::<_, Infallible>(Event::default().event(name).data(data)),
            rx,
        ))
    });
    // The keep-alive also finds a closed tab while the run is paused.
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(2)))
        .into_response()
}

/// What the page needs to lay itself out.
fn hello(app: &App, id: u64) -> Value {
    let s = &app.scenario;
    let params: Vec<Value> = s
        .model
        .specs()
        .iter()
        .map(|p| {
            let (lo, hi) = live::slider_range(p);
            json!({
                "name": p.name, "unit": p.unit, "doc": p.doc, "min": p.min, "max": p.max,
                "lo": lo, "hi": hi, "integer": p.integer, "default": p.default,
                "group": api::group(p), "source": p.source,
            })
        })
        .collect();
    let metrics: Vec<Value> = s
        .model
        .metric_names()
        .iter()
        .map(|m| {
            let (label, unit) = crate::plot::metric_label(m);
            json!({"name": m, "label": label, "unit": unit})
        })
        .collect();
    let variants: Vec<Value> = s
        .variants
        .iter()
        .map(|v| json!({"name": v.name, "structure": v.structure}))
        .collect();
    json!({
        "session": id,
        "name": s.name,
        "question": s.question,
        "seed": s.seed,
        "variants": variants,
        "params": params,
        "metrics": metrics,
        "horizon": s.steps,
        "replications": app.replications,
        "max_replications": live::MAX_REPLICATIONS,
    })
}

/// Passes a command to its session and answers with the session's reply.
async fn send(app: &App, id: u64, command: Command) -> Result<String, Response> {
    let tx = app
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
        .ok_or_else(|| {
            bad(
                StatusCode::NOT_FOUND,
                format!("no live session {id}: it ended (reload the page)"),
            )
        })?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    tx.send(Request { command, reply }).map_err(|_| {
        bad(
            StatusCode::NOT_FOUND,
            format!("live session {id} has ended"),
        )
    })?;
    match tokio::time::timeout(Duration::from_secs(30), answer).await {
        Ok(Ok(Ok(text))) => Ok(text),
        Ok(Ok(Err(msg))) => Err(bad(StatusCode::BAD_REQUEST, msg)),
        Ok(Err(_)) => Err(bad(
            StatusCode::NOT_FOUND,
            format!("live session {id} has ended"),
        )),
        Err(_) => Err(bad(
            StatusCode::SERVICE_UNAVAILABLE,
            "the session is busy: try again".into(),
        )),
    }
}

async fn command(State(app): State<Arc<App>>, UrlPath(id): UrlPath<u64>, body: Bytes) -> Response {
    let command = match api::parse_command(&body, &app.scenario) {
        Ok(c) => c,
        Err(msg) => return bad(StatusCode::BAD_REQUEST, msg),
    };
    match send(&app, id, command).await {
        Ok(text) => text.into_response(),
        Err(r) => r,
    }
}

/// "Save as scenario": the file `orgsim run` reproduces the page from.
async fn save(State(app): State<Arc<App>>, UrlPath(id): UrlPath<u64>) -> Response {
    match send(&app, id, Command::Save).await {
        Ok(text) => {
            let name = file_safe(&app.scenario.name);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/toml; charset=utf-8".to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}-studio.toml\""),
                    ),
                ],
                text,
            )
                .into_response()
        }
        Err(r) => r,
    }
}

/// "Run in full": starts the page's scenario through the run pipeline and
/// answers with the run's number and results folder name.
async fn run_in_full(State(app): State<Arc<App>>, UrlPath(id): UrlPath<u64>) -> Response {
    let text = match send(&app, id, Command::SaveToHorizon).await {
        Ok(text) => text,
        Err(r) => return r,
    };
    let started = app
        .full_runs
        .start(text, &app.chart_base, &app.results, app.threads);
    match started {
        Ok((run, name)) => json_response(json!({"run": run, "name": name})),
        Err(msg) => bad(StatusCode::BAD_REQUEST, msg),
    }
}

/// A run in full's progress, for the page's poll.
async fn run_progress(State(app): State<Arc<App>>, UrlPath(run): UrlPath<u64>) -> Response {
    match app.full_runs.get(run) {
        Some(r) => json_response(json!(r.progress())),
        None => bad(StatusCode::NOT_FOUND, format!("no run {run}")),
    }
}

/// Stops a run in full; what it finished stays in its staging folder.
async fn stop_run(State(app): State<Arc<App>>, UrlPath(run): UrlPath<u64>) -> Response {
    match app.full_runs.get(run) {
        Some(r) => {
            r.stop();
            json_response(json!({"stopping": run}))
        }
        None => bad(StatusCode::NOT_FOUND, format!("no run {run}")),
    }
}

fn json_response(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// A scenario's name as a file or folder name: letters, digits, `-` and
/// `_` kept, anything else `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Live sessions (tests check a closed page ends its session).
async fn status(State(app): State<Arc<App>>) -> Response {
    let n = app.sessions.lock().unwrap_or_else(|p| p.into_inner()).len();
    (
        [(header::CONTENT_TYPE, "application/json")],
        json!({"sessions": n}).to_string(),
    )
        .into_response()
}

async fn list_results(State(app): State<Arc<App>>) -> Response {
    let dir = app.results.clone();
    let list = tokio::task::spawn_blocking(move || results::list(&dir))
        .await
        .unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "application/json")],
        json!({"folder": app.results.display().to_string(), "results": list}).to_string(),
    )
        .into_response()
}

async fn result_file(
    State(app): State<Arc<App>>,
    UrlPath((name, file)): UrlPath<(String, String)>,
) -> Response {
    let dir = app.results.clone();
    match tokio::task::spawn_blocking(move || results::read(&dir, &name, &file)).await {
        Ok(Ok((bytes, kind))) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        Ok(Err(msg)) => bad(StatusCode::NOT_FOUND, msg),
        Err(_) => bad(StatusCode::INTERNAL_SERVER_ERROR, "reading failed".into()),
    }
}

/// Opens `url` in the default browser (best effort: the address is printed).
fn open_browser(url: &str) {
    let (cmd, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(cmd)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("  could not open a browser ({cmd}: {e}): open {url} yourself");
    }
}
