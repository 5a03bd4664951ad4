//! Which jobs run in which order, and on which shard.
//!
//! Jobs are *scheduled* replication by replication, and within a
//! replication the variants (sweep points) in bit-reversed order, so a run
//! stopped early has covered the whole sweep evenly rather than its first
//! corner. Files always come out in the canonical order (variant, then
//! replication), because they are assembled from per-job fragments. Shard
//! I of N takes every N-th job of that schedule, starting at the I-th.

use crate::manifest::Shard;
use crate::scenario::Scenario;

/// 0..n in bit-reversed order (van der Corput): 0, n/2, n/4, 3n/4, ...
pub fn spread_order(n: usize) -> Vec<usize> {
    if n <= 1 {
        return (0..n).collect();
    }
    let bits = usize::BITS - (n - 1).leading_zeros();
    (0..1usize << bits)
        .map(|i| i.reverse_bits() >> (usize::BITS - bits))
        .filter(|&i| i < n)
        .collect()
}

/// Every job index (variant × replication slots + replication) of the
/// scenario's `replications`, in the order the jobs are started.
pub fn schedule(s: &Scenario) -> Vec<usize> {
    let n = s.variants.len();
    rounds(s, &vec![0; n], &vec![s.replications; n])
}

/// The job indices of replications `from[v]..to[v]` of every variant v (a
/// round of adaptive replications), replication by replication, the
/// variants of each in spread order.
pub fn rounds(s: &Scenario, from: &[u32], to: &[u32]) -> Vec<usize> {
    let slots = s.replication_slots() as usize;
    let order = spread_order(s.variants.len());
    let (lo, hi) = (
        from.iter().copied().min().unwrap_or(0),
        to.iter().copied().max().unwrap_or(0),
    );
    let mut out = Vec::new();
    for r in lo..hi {
        out.extend(
            order
                .iter()
                .filter(|&&v| from[v] <= r && r < to[v])
                .map(|v| v * slots + r as usize),
        );
    }
    out
}

/// The jobs of one shard, in schedule order.
pub fn shard_jobs(s: &Scenario, shard: Option<Shard>) -> Vec<usize> {
    let all = schedule(s);
    match shard {
        None => all,
        Some(sh) => all
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % sh.count as usize == (sh.index - 1) as usize)
            .map(|(_, j)| j)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_order_is_a_permutation_that_spreads() {
        for n in 0..70 {
            let mut o = spread_order(n);
            if n >= 4 {
                assert_eq!(
                    &o[..2],
                    &[0, (1 << (usize::BITS - (n - 1).leading_zeros())) / 2]
                );
            }
            o.sort();
            assert_eq!(o, (0..n).collect::<Vec<_>>());
        }
    }
}
