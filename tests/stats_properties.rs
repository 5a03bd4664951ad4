//! Property tests of the statistics layer through its public API: invariants
//! that must hold for any input, including degenerate and non-finite data.

/// Named `stats` so `cargo test stats` selects these tests too.
mod stats {
    use orgsim::stats::compare::{hedges_g, holm, mann_whitney_p, mean_diff_ci95, welch_t_test};
    use orgsim::stats::design::{cartesian, latin_hypercube};
    use orgsim::stats::{Better, StepAggregator, Summary, compare_variants};
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Mostly ordinary values, with some repeats, NaN and infinities mixed in.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => -100.0..100.0f64,
            2 => (0..3).prop_map(|i| i as f64),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
        ]
    }

    fn in_unit(p: f64) -> bool {
        (0.0..=1.0).contains(&p)
    }

    proptest! {
        #[test]
        fn holm_is_bounded_and_order_preserving(p in prop::collection::vec(0.0..=1.0f64, 0..30)) {
            let adj = holm(&p);
            prop_assert_eq!(adj.len(), p.len());
            for i in 0..p.len() {
                prop_assert!(adj[i] >= p[i] && adj[i] <= 1.0);
                for j in 0..p.len() {
                    if p[i] <= p[j] {
                        prop_assert!(adj[i] <= adj[j]);
                    }
                }
            }
        }

        #[test]
        fn aggregator_quartiles_are_the_exact_ones(
            xs in prop::collection::vec(prop_oneof![-1e6..1e6f64, (0..5u8).prop_map(f64::from), Just(f64::NAN)], 0..300),
        ) {
            let mut agg = StepAggregator::new(1, 1, xs.len());
            for &x in &xs {
                agg.push(0, &[x]);
            }
            let s = Summary::of(&xs);
            let q = agg.quartiles(0, 0);
            let bits = |v: [f64; 3]| v.map(f64::to_bits);
            prop_assert_eq!(bits(q), bits([s.q1, s.median, s.q3]));
        }

        #[test]
        fn tests_never_panic_and_p_values_are_probabilities(
            a in prop::collection::vec(value(), 0..25),
            b in prop::collection::vec(value(), 0..25),
        ) {
            let (_, _, p) = welch_t_test(&a, &b);
            prop_assert!(p.is_nan() || in_unit(p));
            let q = mann_whitney_p(&a, &b);
            prop_assert!(q.is_nan() || in_unit(q));
            let (lo, hi) = mean_diff_ci95(&a, &b);
            prop_assert!(lo.is_nan() || lo <= hi);
            let _ = hedges_g(&a, &b);
            let s = Summary::of(&a);
            prop_assert!(s.n == 0 || (s.q1 <= s.median && s.median <= s.q3));
        }

        #[test]
        fn comparison_table_shape(
            v in prop::collection::vec(prop::collection::vec(prop::collection::vec(value(), 0..12), 0..3), 0..4),
        ) {
            let metrics = vec![
                ("m0".to_string(), Better::Higher),
                ("m1".to_string(), Better::Lower),
            ];
            let samples: Vec<(String, Vec<Vec<f64>>)> =
                v.into_iter().enumerate().map(|(i, m)| (format!("v{i}"), m)).collect();
            let rows = compare_variants(&metrics, &samples);
            let k = samples.len();
            prop_assert_eq!(rows.len(), 2 * k * k.saturating_sub(1) / 2);
            for r in &rows {
                prop_assert!(r.p_holm.is_nan() || (r.p_holm >= r.welch_p && r.p_holm <= 1.0));
                prop_assert!(r.better.is_none() || r.p_holm < 0.05);
                prop_assert!(!r.verdict.is_empty());
            }
        }

        #[test]
        fn lhs_strata_for_any_size(n in 1usize..60, dims in 1usize..5, seed in any::<u64>()) {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let ranges: Vec<(f64, f64)> = (0..dims).map(|d| (d as f64, 2.0 * d as f64 + 1.0)).collect();
            let pts = latin_hypercube(n, &ranges, &mut rng);
            for (d, &(lo, hi)) in ranges.iter().enumerate() {
                let mut seen = vec![false; n];
                for p in &pts {
                    let s = ((p[d] - lo) / (hi - lo) * n as f64).floor() as usize;
                    prop_assert!(s < n && !seen[s]);
                    seen[s] = true;
                }
            }
        }
    }

    #[test]
    fn aggregator_and_summary_agree_on_small_runs() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, f64::NAN, 9.0, 2.0, 6.0];
        let mut agg = StepAggregator::new(1, 1, xs.len());
        for x in xs {
            agg.push(0, &[x]);
        }
        let s = Summary::of(&xs);
        assert_eq!(agg.quartiles(0, 0), [s.q1, s.median, s.q3]);
        assert_eq!(agg.n(0, 0), 8);
        assert_eq!(cartesian(&vec![vec![0.0, 1.0]; 3]).len(), 8);
    }
}
