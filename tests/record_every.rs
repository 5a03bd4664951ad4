//! `--record-every K`: time series keep steps 0, K, 2K, ...; per-run
//! summaries are still computed from every step.

mod common;

use std::sync::atomic::AtomicBool;

use orgsim::engine::{self, JobResult};

fn results(record_every: u32) -> Vec<JobResult> {
    let mut s = common::scenario(
        r#"name = "t"
steps = 50
replications = 2
seed = 5
[[variant]]
name = "h"
structure = "hierarchy"
[[event]]
kind = "departure"
target = "top"
at = 30
"#,
    );
    s.record_every = record_every;
    let mut out = Vec::new();
    engine::run::<()>(&s, 2, &AtomicBool::new(false), |r| {
        out.push(r);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn thinned_series_keep_every_kth_step_and_summaries_are_unchanged() {
    let full = results(1);
    let thin = results(7);
    let k = orgsim::org::N_METRICS;
    for (f, t) in full.iter().zip(&thin) {
        assert_eq!(f.summary, t.summary);
        assert_eq!(f.series.len(), 50 * k);
        assert_eq!(t.series.len(), 50usize.div_ceil(7) * k);
        for (i, row) in t.series.chunks_exact(k).enumerate() {
            assert_eq!(row, &f.series[i * 7 * k..(i * 7 + 1) * k]);
        }
    }
}
