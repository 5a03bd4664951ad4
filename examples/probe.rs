use orgsim::model::ModelKind;
use orgsim::org::*;
use orgsim::params::ParamSet;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps = 300;
    for st in ["hierarchy", "leader-leader", "peer"] {
        let mut p = OrgParams::default();
        for (k, v) in Structure::from_name(st).unwrap().preset() {
            p.set(k, *v);
        }
        for a in &args[1..] {
            let (k, v) = a.split_once('=').unwrap();
            p.set(k, v.parse().unwrap());
        }
        let ev = vec![Event {
            kind: EventKind::Departure(Target::Top),
            start: 150,
            duration: 0,
            rate: 0.0,
        }];
        let reps = 20;
        let mut sums = vec![0.0; N_METRICS];
        let mut post = vec![0.0; N_METRICS];
        for r in 0..reps {
            let mut m = ModelKind::Org.build(&p.values(), st, &ev, orgsim::rng::stream(1, 0, r));
            let mut row = vec![0.0; N_METRICS];
            for s in 0..steps {
                m.step(&mut row);
                if s >= 50 && s < 150 {
                    for i in 0..N_METRICS {
                        sums[i] += row[i] / (100.0 * reps as f64);
                    }
                }
                if s >= 150 && s < 170 {
                    for i in 0..N_METRICS {
                        post[i] += row[i] / (20.0 * reps as f64);
                    }
                }
            }
        }
        println!(
            "{st:14} pre: {}",
            METRICS
                .iter()
                .zip(&sums)
                .map(|(n, v)| format!("{n}={v:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "{st:14} post: thr={:.2} lat={:.2} pend={:.1}",
            post[0], post[2], post[3]
        );
    }
}
