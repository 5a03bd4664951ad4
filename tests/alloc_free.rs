//! The step loop allocates nothing after set-up: counted with a global
//! allocator over many steps, with every kind of event firing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use orgsim::model::Model;
use orgsim::org::{Event, EventKind, N_METRICS, OrgParams, Organization, Structure, Target};
use orgsim::params::ParamSet;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Only the test's own thread is counted: the test harness's main thread
    /// may allocate at the same time (it did, under load).
    static COUNT_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    if COUNT_HERE.with(|c| c.get()) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
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
    COUNT_HERE.with(|c| c.set(true));
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
