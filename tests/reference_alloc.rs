//! The engine's contract: `Model::step` does not allocate. Checked with a
//! counting allocator that counts only the current thread, so other tests
//! running in parallel do not disturb the count.

use orgsim::model::ModelKind;
use orgsim::params::ParamSet;
use orgsim::reference::{carley::CarleyParams, march::MarchParams, miller::MillerParams};
use orgsim::rng::stream;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in_steps(kind: ModelKind, values: &[f64], structure: &str) -> u64 {
    let mut model = kind.build(values, structure, None, &[], stream(1, 0, 0));
    let mut out = vec![0.0; kind.metric_names().len()];
    model.step(&mut out); // any lazy first-use work happens outside the count
    let before = ALLOCS.with(|c| c.get());
    for _ in 0..200 {
        model.step(&mut out);
    }
    ALLOCS.with(|c| c.get()) - before
}

#[test]
fn reference_models_step_without_allocating() {
    let march = MarchParams {
        p3: 0.05,
        p4: 0.02,
        fast_share: 0.5,
        ..Default::default()
    };
    assert_eq!(
        allocations_in_steps(ModelKind::March1991, &march.values(), ""),
        0
    );
    let literal = MarchParams {
        literal: 1,
        ..march
    };
    assert_eq!(
        allocations_in_steps(ModelKind::March1991, &literal.values(), ""),
        0
    );
    let miller = MillerParams {
        tacit: 0.3,
        p4: 0.05,
        radius: 3,
        ..Default::default()
    };
    assert_eq!(
        allocations_in_steps(ModelKind::Miller2006, &miller.values(), ""),
        0
    );
    for hierarchy in [0, 1] {
        let carley = CarleyParams {
            hierarchy,
            turnover: 0.1,
            ..Default::default()
        };
        let structure = if hierarchy == 1 { "hierarchy" } else { "team" };
        assert_eq!(
            allocations_in_steps(ModelKind::Carley1992, &carley.values(), structure),
            0
        );
    }
}
