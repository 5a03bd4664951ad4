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
        // The summaries are the same; only the twins' series (kept for
        // twins.csv, from the event at 30 on) are thinned like the time
        // series: steps 35, 42 and 49.
        let (mut fs, mut ts) = (f.summary.clone(), t.summary.clone());
        let (ft, tt) = (std::mem::take(&mut fs.twins), std::mem::take(&mut ts.twins));
        assert_eq!(fs, ts);
        let m = ft[0].len() / (50 - 30);
        assert!(m > 0 && ft[0].len() == (50 - 30) * m);
        let kept: Vec<f64> = [35, 42, 49]
            .iter()
            .flat_map(|&step| ft[0][(step - 30) * m..(step - 30 + 1) * m].to_vec())
            .collect();
        assert_eq!(tt, vec![kept]);
        assert_eq!(f.series.len(), 50 * k);
        assert_eq!(t.series.len(), 50usize.div_ceil(7) * k);
        for (i, row) in t.series.chunks_exact(k).enumerate() {
            assert_eq!(row, &f.series[i * 7 * k..(i * 7 + 1) * k]);
        }
    }
}
