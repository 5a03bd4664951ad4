//! `common_random_numbers = true`: replication r of every variant starts
//! from the same random stream, and comparisons are paired.

mod common;

use common::{scenario, summaries};
use orgsim::stats::compare_pairs_censored;
use orgsim::stats::{Better, compare_pairs};

const TWO: &str = "name = \"crn\"\nsteps = 60\nreplications = 6\nseed = 7\n\
    common_random_numbers = true\n[defaults]\nmembers = 48\n\
    [[variant]]\nname = \"a\"\nstructure = \"peer\"\n\
    [[variant]]\nname = \"b\"\nstructure = \"peer\"\n\
    [[variant]]\nname = \"c\"\nstructure = \"peer\"\ndelegation = 0.5\n";

#[test]
fn replication_r_of_every_variant_shares_its_stream() {
    let s = scenario(TWO);
    assert!(s.common_streams);
    // Written back and read the same.
    assert!(scenario(&s.resolved_toml()).common_streams);
    let runs = summaries(&s);
    // Identical variants on common streams: identical runs, replication by replication.
    assert_eq!(runs[0], runs[1]);
    // Without the option they differ.
    let independent = scenario(&TWO.replace("common_random_numbers = true\n", ""));
    let runs = summaries(&independent);
    assert_ne!(runs[0], runs[1]);
}

#[test]
fn paired_comparison_uses_the_differences() {
    // b = a + 1 with noise far larger than 1 across replications: Welch
    // sees nothing, the paired test sees a constant difference.
    let a: Vec<f64> = (0..10).map(|i| (i * 37 % 11) as f64 * 10.0).collect();
    let b: Vec<f64> = a.iter().map(|x| x + 1.0).collect();
    let metrics = vec![("x".to_string(), Better::Higher)];
    let samples = vec![("a".to_string(), vec![a]), ("b".to_string(), vec![b])];
    let unpaired = compare_pairs(&metrics, &samples, &[(0, 1)]);
    assert!(unpaired[0].p_holm > 0.5 && unpaired[0].paired_p.is_nan());
    let paired = compare_pairs_censored(&metrics, &[false], &samples, &[(0, 1)], true);
    assert_eq!(paired[0].paired_p, 0.0);
    assert_eq!(
        (paired[0].diff_ci_low, paired[0].diff_ci_high),
        (-1.0, -1.0)
    );
    assert_eq!(paired[0].better.as_deref(), Some("b"));
}
