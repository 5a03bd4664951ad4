//! Throughput of the reference models: one benchmark iteration is one period
//! of one replication; divan reports periods per second and, through the
//! item counter, member-periods per second (periods × members).
//!
//!     cargo bench --bench reference

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use orgsim::model::ModelKind;
use orgsim::params::ParamSet;
use orgsim::reference::{carley::CarleyParams, march::MarchParams, miller::MillerParams};
use orgsim::rng::stream;

fn main() {
    divan::main();
}

/// Steps `model` once per iteration, counting its members as items.
fn periods(bencher: Bencher, kind: ModelKind, values: Vec<f64>, structure: &str) {
    let mut model = kind.build(&values, structure, None, &[], stream(1, 0, 0));
    let mut out = vec![0.0; kind.metric_names().len()];
    // Past the transient: equilibrium periods are the common case in a sweep.
    for _ in 0..50 {
        model.step(&mut out);
    }
    bencher
        .counter(ItemsCount::new(model.members()))
        .bench_local(|| model.step(black_box(&mut out)));
}

#[divan::bench(args = [0, 1])]
fn march1991(bencher: Bencher, literal: u32) {
    let p = MarchParams {
        literal,
        p3: 0.02,
        ..MarchParams::default()
    };
    periods(bencher, ModelKind::March1991, p.values(), "");
}

#[divan::bench(args = [0.0, 0.3])]
fn miller2006(bencher: Bencher, tacit: f64) {
    let p = MillerParams {
        tacit,
        ..MillerParams::default()
    };
    periods(bencher, ModelKind::Miller2006, p.values(), "");
}

#[divan::bench(args = ["team", "hierarchy"])]
fn carley1992(bencher: Bencher, structure: &str) {
    let mut p = CarleyParams {
        turnover: 0.02,
        ..CarleyParams::default()
    };
    for (k, v) in ModelKind::Carley1992.preset(structure) {
        p.set(k, *v);
    }
    periods(bencher, ModelKind::Carley1992, p.values(), structure);
}
