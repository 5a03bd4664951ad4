//! A model that reports an absorbing state is stepped once more and its row
//! held to the last step: the engine's series must be exactly the one a
//! full run gives (March's closed system, fast learning, so most
//! replications absorb early).

mod common;

use orgsim::engine;
use orgsim::rng;

#[test]
fn holding_an_absorbed_state_gives_the_full_runs_series() {
    let s = common::scenario(
        "name = \"t\"\nmodel = \"march1991\"\nsteps = 400\nreplications = 6\nseed = 7\n\
         [[variant]]\nname = \"fast\"\np1 = 0.9\np2 = 0.9\n\
         [[variant]]\nname = \"slow\"\np1 = 0.1\np2 = 0.5\n",
    );
    let k = s.model.metric_names().len();
    let mut held = 0;
    for (vi, v) in s.variants.iter().enumerate() {
        for r in 0..s.replications {
            let got = engine::run_job(&s, vi, r);
            let mut model = s.model.build(
                &v.values,
                &v.structure,
                None,
                &[],
                rng::stream(s.seed, vi as u64, r as u64),
            );
            let mut want = vec![0.0; s.steps as usize * k];
            for row in want.chunks_exact_mut(k) {
                model.step(row);
            }
            assert_eq!(got.series, want, "variant {vi} replication {r}");
            if got.member_steps < 50 * u64::from(s.steps) {
                held += 1;
            }
        }
    }
    assert!(held >= 6, "only {held} replications were held early");
}
