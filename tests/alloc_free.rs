//! The step loop allocates nothing after set-up: counted with a global
//! allocator over many steps, with every kind of event firing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use orgsim::model::Model;
use orgsim::org::{Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target};
use orgsim::params::ParamSet;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);
/// Allocations on the parallel test's pool threads (tests run concurrently).
static POOL_ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Only a test's own threads are counted, each test on its own counter:
    /// the test harness's main thread may allocate at the same time (it
    /// did, under load).
    static COUNT_HERE: std::cell::Cell<Option<&'static AtomicU64>> =
        const { std::cell::Cell::new(None) };
}

fn count() {
    if let Some(c) = COUNT_HERE.with(|c| c.get()) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steps_allocate_nothing() {
    COUNT_HERE.with(|c| c.set(Some(&ALLOCS)));
    let ev = |kind, start, duration| Event {
        kind,
        start,
        duration,
        rate: 0.0,
    };
    let events = vec![
        ev(EventKind::Departure(Target::Top), 50, 0),
        ev(
            EventKind::Departure(Target::Leaders {
                share: 0.3,
                level: None,
            }),
            100,
            0,
        ),
        ev(
            EventKind::Departure(Target::MostSkilled { share: 0.1 }),
            150,
            0,
        ),
        ev(EventKind::Layoff(Target::Random { share: 0.1 }), 200, 20),
        ev(EventKind::Demand { factor: 2.0 }, 250, 10),
        ev(EventKind::Turbulence { magnitude: 0.3 }, 300, 0),
        ev(EventKind::Outage, 350, 5),
    ];
    for s in [
        Structure::Hierarchy,
        Structure::LeaderLeader,
        Structure::Peer,
    ] {
        let mut p = OrgParams::default();
        for (k, v) in s.preset() {
            p.set(k, *v);
        }
        p.members = 500;
        p.consensus = 0.3;
        let setup = ALLOCS.load(Ordering::Relaxed);
        let mut org = Organization::new(p, s, &events, orgsim::rng::stream(1, 0, 0));
        // The counter sees allocations: set-up makes some.
        assert!(ALLOCS.load(Ordering::Relaxed) > setup);
        let mut row = [0.0; N_METRICS];
        let before = ALLOCS.load(Ordering::Relaxed);
        for _ in 0..500 {
            org.step(&mut row);
        }
        let n = ALLOCS.load(Ordering::Relaxed) - before;
        assert_eq!(n, 0, "{s:?}: {n} allocations in 500 steps");
    }
}

/// A big organization's step runs its blocks of teams on a thread pool;
/// neither the blocks nor the pool's threads allocate once warmed up.
#[test]
fn parallel_blocks_allocate_nothing() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|_| COUNT_HERE.with(|c| c.set(Some(&POOL_ALLOCS))))
        .build()
        .unwrap();
    // The last: heavy turnover, so the blocks queue many departures.
    for (s, quit_rate, quit_sensitivity) in [
        (Structure::Hierarchy, 0.02, 4.0),
        (Structure::Peer, 0.02, 4.0),
        (Structure::Hierarchy, 0.5, 20.0),
    ] {
        let mut p = OrgParams::default();
        for (k, v) in s.preset() {
            p.set(k, *v);
        }
        p.members = 20_000;
        p.consensus = 0.3;
        p.quit_rate = quit_rate;
        p.quit_sensitivity = quit_sensitivity;
        let events = [Event {
            kind: EventKind::Departure(Target::Leaders {
                share: 0.3,
                level: None,
            }),
            start: 40,
            duration: 0,
            rate: 0.0,
        }];
        let n = pool.install(|| {
            let setup = POOL_ALLOCS.load(Ordering::Relaxed);
            let mut org = Organization::new(p, s, &events, orgsim::rng::stream(1, 0, 0));
            // The pool thread's counter sees allocations: set-up makes some.
            assert!(POOL_ALLOCS.load(Ordering::Relaxed) > setup);
            assert!(org.blocks() >= 4, "{s:?}: {} blocks", org.blocks());
            let mut row = [0.0; N_METRICS];
            // Warm-up: the pool's first jobs may set up thread-local state.
            for _ in 0..5 {
                org.step(&mut row);
            }
            let before = POOL_ALLOCS.load(Ordering::Relaxed);
            for _ in 0..100 {
                org.step(&mut row);
            }
            POOL_ALLOCS.load(Ordering::Relaxed) - before
        });
        assert_eq!(n, 0, "{s:?}: {n} allocations in 100 parallel steps");
    }
}
