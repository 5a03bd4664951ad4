//! Step throughput of the main model, single thread, in member-steps per
//! second (divan's `items/s`), at 100, 10,000 and 1,000,000 members for each
//! structure, with every mechanism on; and a million members on two threads
//! (a big organization's step runs its blocks of teams in parallel).
//!
//! Full figures: `cargo bench --bench step`. Quick mode (CI):
//! `cargo bench --bench step -- --sample-count 2 --sample-size 1`.
//! See `docs/performance.md`.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use orgsim::model::Model;
use orgsim::org::{N_METRICS, OrgParams, Organization, Structure};
use orgsim::params::ParamSet;

fn main() {
    // One thread for the per-core figures: a step of more than one block of
    // teams would otherwise use every core. That thread is this one (divan
    // times on it): with a separate worker, each step's blocks would be
    // handed to it and back, moving the organization between cores' caches
    // every step (10% slower at 10,000 members, an artefact of the bench).
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build_global()
        .expect("the global pool is built once, here");
    divan::main();
}

/// Steps run before timing, so queues, skills and engagement have settled.
const WARMUP: usize = 20;

/// The structure's preset with every mechanism switched on: consensus,
/// lateral links, mentoring, coaching, backups, tournament pressure (the
/// default promotion prize and relative rewards are above zero).
pub fn params(s: Structure, members: usize) -> OrgParams {
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

fn run(bencher: Bencher, s: Structure, members: usize) {
    let mut org = Organization::new(params(s, members), s, &[], orgsim::rng::stream(1, 0, 0));
    let n = org.members();
    let mut row = [0.0; N_METRICS];
    for _ in 0..WARMUP {
        org.step(&mut row);
    }
    bencher
        .counter(ItemsCount::new(n))
        .bench_local(|| org.step(black_box(&mut row)));
}

// Up to 10,000 members a sample times 10 steps (a step of 10,000 members
// is 0.4 ms); a million members' step (60 ms) is timed one at a time.
const SIZES: [usize; 2] = [100, 10_000];
const STRUCTURES: [Structure; 3] = [
    Structure::Hierarchy,
    Structure::LeaderLeader,
    Structure::Peer,
];

#[divan::bench(args = SIZES, sample_size = 10)]
fn hierarchy(bencher: Bencher, members: usize) {
    run(bencher, Structure::Hierarchy, members);
}

#[divan::bench(args = SIZES, sample_size = 10)]
fn leader_leader(bencher: Bencher, members: usize) {
    run(bencher, Structure::LeaderLeader, members);
}

#[divan::bench(args = SIZES, sample_size = 10)]
fn peer(bencher: Bencher, members: usize) {
    run(bencher, Structure::Peer, members);
}

/// A million members, one thread.
#[divan::bench(args = STRUCTURES, sample_size = 1)]
fn million(bencher: Bencher, s: Structure) {
    run(bencher, s, 1_000_000);
}

/// A million members on a pool of two threads (the 2-core target).
#[divan::bench(args = STRUCTURES)]
fn million_two_threads(bencher: Bencher, s: Structure) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool of two threads");
    let mut org = Organization::new(params(s, 1_000_000), s, &[], orgsim::rng::stream(1, 0, 0));
    let n = org.members();
    let mut row = [0.0; N_METRICS];
    for _ in 0..WARMUP {
        pool.install(|| org.step(&mut row));
    }
    bencher
        .counter(ItemsCount::new(n))
        .bench_local(|| pool.install(|| org.step(black_box(&mut row))));
}
