//! A plain step loop for profilers (no timing harness):
//! `cargo bench --bench profile -- STRUCTURE MEMBERS STEPS [PARAM=VALUE ...]`, e.g. under
//! `valgrind --tool=callgrind`. Prints member-steps per second. The
//! organization is built and warmed up for 20 steps before the measured loop.

use std::time::Instant;

use orgsim::model::Model;
use orgsim::org::{N_METRICS, OrgParams, Organization, Structure};
use orgsim::params::ParamSet;

/// Same parameters as `benches/step.rs`: the preset with every mechanism on.
fn params(s: Structure, members: usize) -> OrgParams {
    let mut p = OrgParams::default();
    for (k, v) in s.preset() {
        p.set(k, *v);
    }
    p.members = members;
    p.consensus = p.consensus.max(0.1);
    p.lateral = p.lateral.max(0.1);
    p.mentoring = p.mentoring.max(0.1);
    p.coaching = p.coaching.max(0.1);
    p.backups = p.backups.max(1);
    p
}

#[inline(never)]
fn measured(org: &mut Organization, steps: usize, row: &mut [f64]) {
    for _ in 0..steps {
        org.step(row);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let structure = Structure::from_name(args.first().map_or("hierarchy", String::as_str))
        .expect("structure: hierarchy | leader-leader | peer");
    let members: usize = args.get(1).map_or(10_000, |a| a.parse().expect("members"));
    let steps: usize = args.get(2).map_or(100, |a| a.parse().expect("steps"));
    let mut p = params(structure, members);
    for kv in args.iter().skip(3) {
        let (k, v) = kv.split_once('=').expect("PARAM=VALUE");
        assert!(
            p.set(k, v.parse().expect("a number")),
            "unknown parameter {k}"
        );
    }
    // One thread unless RAYON_NUM_THREADS says otherwise: a step of more
    // than one block of teams runs its blocks on every thread of the pool.
    // Everything runs inside the pool, so on one thread the blocks run on
    // the thread that calls `measured` (which callgrind's toggle follows).
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let (org, secs) = pool.install(|| {
        let mut org = Organization::new(p, structure, &[], orgsim::rng::stream(1, 0, 0));
        let mut row = [0.0; N_METRICS];
        measured(&mut org, 20, &mut row);
        let t = Instant::now();
        measured(&mut org, steps, &mut row);
        (org, t.elapsed().as_secs_f64())
    });
    let ms = (org.members() * steps) as f64;
    println!(
        "{} {} members ({} teams, {} posts) × {steps} steps, {threads} thread(s), {} blocks: {:.3} s, {:.2} M member-steps/s",
        structure.name(),
        org.members(),
        org.teams(),
        org.posts(),
        org.blocks(),
        secs,
        ms / secs / 1e6
    );
}
