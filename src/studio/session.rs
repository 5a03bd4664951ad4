//! A page's session: a thread that owns one [`Live`] run, takes the page's
//! commands and streams statistics to it. The thread ends when the page's
//! stream closes (the tab was closed), so a closed tab stops its simulation.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::live::{Fire, History, Live, MAX_HORIZON};

/// What the page asks of its session.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Play,
    Pause,
    /// Step this many weeks (when paused).
    Step(u32),
    Reset,
    /// Weeks per second; 0: as fast as the machine goes.
    Speed(f64),
    /// Set a parameter of one variant, or of all (`None`).
    Set {
        param: String,
        value: f64,
        variant: Option<usize>,
    },
    /// Fire an event now, in one variant or in all (`None`).
    Fire {
        what: Fire,
        variant: Option<usize>,
    },
    Replications(u32),
    /// Weeks to run to.
    Horizon(u32),
    /// The scenario file reproducing what is shown.
    Save,
    /// The scenario to the weeks the page runs to ("Run in full").
    SaveToHorizon,
}

/// A command and where its answer goes: `Ok` with a short text, or the
/// message the page shows.
pub struct Request {
    pub command: Command,
    pub reply: oneshot::Sender<Result<String, String>>,
}

/// One message to the page: its SSE event name and JSON data.
pub type Message = (&'static str, String);

/// Weeks a replay steps between looks at the page's commands.
const REPLAY_CHUNK: u32 = 25;
/// At full speed, how long a frame of weeks is stepped before it is sent.
const FRAME: Duration = Duration::from_millis(50);

struct Driver {
    live: Live,
    pool: Arc<rayon::ThreadPool>,
    out: mpsc::Sender<Message>,
    playing: bool,
    /// Weeks per second (0: full speed).
    speed: f64,
    /// Weeks to step while paused (the Step button).
    pending_steps: u32,
    /// Weeks the run goes to.
    horizon: u32,
    /// Weeks per frame at full speed (adapted to take about [`FRAME`]).
    full_chunk: u32,
    next_due: Instant,
    /// Whether the page still has to get the history after a replay.
    replaying: bool,
}

/// Runs a session until the page goes away.
pub fn run(
    live: Live,
    pool: Arc<rayon::ThreadPool>,
    commands: Receiver<Request>,
    out: mpsc::Sender<Message>,
    hello: Value,
) {
    let horizon = live.scenario.steps;
    let mut d = Driver {
        live,
        pool,
        out,
        playing: false,
        speed: 10.0,
        pending_steps: 0,
        horizon,
        full_chunk: 1,
        next_due: Instant::now(),
        replaying: true,
    };
    if !d.send("hello", hello) {
        return;
    }
    loop {
        let busy = d.replaying || d.pending_steps > 0 || (d.playing && d.live.week() < d.horizon);
        // Idle: wait for a command, looking every second whether the page
        // is still there. Busy: take what has come, then work.
        let wait = if busy {
            d.next_due.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(1)
        };
        match commands.recv_timeout(wait) {
            Ok(r) => {
                let answer = d.apply(r.command);
                let _ = r.reply.send(answer);
                while let Ok(r) = commands.try_recv() {
                    let answer = d.apply(r.command);
                    let _ = r.reply.send(answer);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if d.out.is_closed() || !d.work() {
            return;
        }
    }
}

impl Driver {
    /// Sends a message; `false` when the page has gone.
    fn send(&self, event: &'static str, data: Value) -> bool {
        self.out.blocking_send((event, data.to_string())).is_ok()
    }

    fn apply(&mut self, c: Command) -> Result<String, String> {
        let needs_replay = matches!(
            c,
            Command::Reset | Command::Set { .. } | Command::Fire { .. } | Command::Replications(_)
        );
        let answer = match c {
            Command::Play => {
                if self.live.week() >= self.horizon {
                    return Err(format!(
                        "the run is at its last week ({}): raise \"run to week\" or reset",
                        self.horizon
                    ));
                }
                self.playing = true;
                Ok("playing".into())
            }
            Command::Pause => {
                self.playing = false;
                self.pending_steps = 0;
                Ok("paused".into())
            }
            Command::Step(n) => {
                self.playing = false;
                let room = self
                    .horizon
                    .saturating_sub(self.live.week() + self.pending_steps);
                if room == 0 {
                    return Err(format!(
                        "the run is at its last week ({}): raise \"run to week\" or reset",
                        self.horizon
                    ));
                }
                self.pending_steps += n.min(room);
                Ok("stepping".into())
            }
            Command::Reset => {
                self.playing = false;
                self.pending_steps = 0;
                self.live.reset();
                Ok("reset".into())
            }
            Command::Speed(s) => {
                self.speed = s;
                self.next_due = Instant::now();
                Ok("speed set".into())
            }
            Command::Set {
                param,
                value,
                variant,
            } => self
                .live
                .set(&param, value, variant)
                .map(|n| format!("{param} set in {n} variant(s)")),
            Command::Fire { what, variant } => {
                self.live.fire(&what, variant).map(|_| "fired".into())
            }
            Command::Replications(n) => self
                .live
                .set_replications(n)
                .map(|_| format!("{n} replications")),
            Command::Horizon(h) => {
                if h < self.live.week().max(1) || h > MAX_HORIZON {
                    return Err(format!(
                        "run to week: {h} is out of range: expected {} ..= {MAX_HORIZON} (the run is at week {})",
                        self.live.week().max(1),
                        self.live.week()
                    ));
                }
                self.horizon = h;
                Ok("horizon set".into())
            }
            Command::Save => return Ok(self.live.scenario_toml()),
            Command::SaveToHorizon => return Ok(self.live.scenario_toml_to(self.horizon)),
        };
        if needs_replay && answer.is_ok() {
            self.replaying = true;
        }
        self.send("state", self.state());
        answer
    }

    /// Does the next piece of work; `false` when the page has gone.
    fn work(&mut self) -> bool {
        if self.replaying {
            if !self.live.catch_up(&self.pool, REPLAY_CHUNK) {
                return true;
            }
            self.replaying = false;
            return self.send("history", self.history()) && self.send("state", self.state());
        }
        let room = self.horizon.saturating_sub(self.live.week());
        if self.pending_steps > 0 {
            let n = self.pending_steps.min(room).min(self.full_chunk.max(1));
            self.pending_steps -= n;
            return n == 0 || self.step_and_send(n);
        }
        if !self.playing {
            return true;
        }
        if room == 0 {
            self.playing = false;
            return self.send("state", self.state());
        }
        let now = Instant::now();
        if now < self.next_due {
            return true;
        }
        if self.speed <= 0.0 {
            let t = Instant::now();
            let n = self.full_chunk.min(room);
            let ok = self.step_and_send(n);
            // Aim each frame at FRAME: the page redraws ~20 times a second.
            let took = t.elapsed().as_secs_f64().max(1e-6);
            let target = f64::from(n) * FRAME.as_secs_f64() / took;
            self.full_chunk = (target.clamp(1.0, 500.0) as u32).max(1);
            self.next_due = Instant::now();
            ok
        } else {
            // At a set speed, a frame every 50 ms at most, so fast speeds
            // send several weeks at once.
            let per_frame = (self.speed * FRAME.as_secs_f64()).max(1.0);
            let n = (per_frame as u32).min(room).max(1);
            let due = Duration::from_secs_f64(f64::from(n) / self.speed);
            self.next_due = now + due;
            self.step_and_send(n)
        }
    }

    fn step_and_send(&mut self, n: u32) -> bool {
        let from = self.live.advance(&self.pool, n);
        let k = self.live.metrics();
        let lo = from as usize * k;
        let variants: Vec<Value> = (0..self.live.scenario.variants.len())
            .map(|v| {
                let h = self.live.history(v);
                series_json(&h.mean[lo..], &h.half[lo..])
            })
            .collect();
        let mut ok = self.send(
            "frame",
            json!({"from": from, "week": self.live.week(), "variants": variants}),
        );
        if self.live.week() >= self.horizon {
            self.playing = false;
            ok = ok && self.send("state", self.state());
        }
        ok
    }

    fn history(&self) -> Value {
        let variants: Vec<Value> = (0..self.live.scenario.variants.len())
            .map(|v| {
                let h: &History = self.live.history(v);
                series_json(&h.mean, &h.half)
            })
            .collect();
        json!({"week": self.live.week(), "variants": variants})
    }

    /// What the controls show.
    pub fn state(&self) -> Value {
        let s = &self.live.scenario;
        let events: Vec<Value> = s
            .events
            .iter()
            .map(|e| {
                json!({"label": e.label, "kind": e.kind_name(), "at": e.event.start,
                       "rate": e.event.rate, "variants": e.variants})
            })
            .collect();
        let values: Vec<&Vec<f64>> = s.variants.iter().map(|v| &v.values).collect();
        json!({
            "week": self.live.week(),
            "playing": self.playing,
            "replaying": self.replaying,
            "speed": self.speed,
            "horizon": self.horizon,
            "replications": s.replications,
            "events": events,
            "values": values,
        })
    }
}

/// A variant's means and half-widths as JSON arrays (NaN as null).
fn series_json(mean: &[f64], half: &[f64]) -> Value {
    json!({"mean": mean, "half": half})
}
