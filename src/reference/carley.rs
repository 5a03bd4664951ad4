//! Carley (1992), "Organizational learning and personnel turnover",
//! Organization Science 3(1): 20-46.
//!
//! An organization of analysts decides a stream of binary-choice problems.
//! Each problem is `bits` random bits; the true answer is 1 when more than
//! half the bits are 1 (majority rule). Each analyst sees only a window of
//! `window` consecutive bits and answers from experience: for the pattern it
//! sees it remembers how often the true answer was 1 and how often 0, and
//! answers the more frequent one (a guess when it has no experience or a
//! tie). Everyone learns the true answer after each decision.
//!
//! - *team*: the organization's answer is the majority of the analysts.
//! - *hierarchy*: analysts report in groups of `span` to managers; each
//!   manager answers from experience of the pattern of its analysts'
//!   answers, and a chief answers from experience of the managers' answers.
//!
//! Turnover replaces an analyst by a newcomer with no memory; managers and
//! the chief stay (Carley's turnover is among analysts).

use crate::define_params;
use crate::metric::{Better, Metric, names};
use crate::model::Model;
use crate::rng::Stream;
use rand::RngExt;

define_params! {
    /// Parameters of Carley (1992).
    pub struct CarleyParams {
        /// Analysts (Carley: 9).
        analysts: usize = 9, [1, 1000], "people",
            Conditions, [3, 81], "assumption: Carley 1992 uses 9";
        /// Bits per problem; the true answer is their majority (Carley: 9).
        bits: usize = 9, [1, 63], "bits",
            Conditions, [3, 27], "assumption: Carley 1992 uses 9";
        /// Consecutive bits each analyst sees (wrapping around).
        window: usize = 3, [1, 16], "bits",
            Conditions, [1, 9], "assumption: Carley 1992 uses 3";
        /// Analysts per manager, and managers per chief, in the hierarchy.
        span: usize = 3, [1, 16], "people",
            Structure, [2, 9], "assumption: Carley 1992 uses 3";
        /// 1: hierarchy (analysts, managers, chief); 0: team (majority of analysts).
        hierarchy: u32 = 0, [0, 1], "flag",
            Structure, [0, 1], "the two structures of Carley 1992";
        /// Problems decided per period; accuracy is measured over them.
        problems: usize = 10, [1, 100000], "problems/period",
            Conditions, [1, 100], "no source: valid range (a measurement setting)";
        /// Chance per period that an analyst is replaced by a newcomer without memory.
        turnover: f64 = 0.0, [0, 1], "probability/period",
            Conditions, [0, 0.2], "assumption: Carley 1992 studies low to high turnover";
    }
}

impl CarleyParams {
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.window > self.bits {
            return Err(("window", format!("must be at most bits ({})", self.bits)));
        }
        if self.hierarchy == 1 {
            if !self.analysts.is_multiple_of(self.span) {
                return Err(("span", format!("must divide analysts ({})", self.analysts)));
            }
            if self.analysts / self.span > 16 {
                return Err((
                    "span",
                    "leaves more than 16 managers under the chief".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Structures a scenario may name, with the parameter each sets.
pub const STRUCTURES: &[&str] = &["team", "hierarchy"];

pub fn preset(structure: &str) -> &'static [(&'static str, f64)] {
    match structure {
        "team" => &[("hierarchy", 0.0)],
        "hierarchy" => &[("hierarchy", 1.0)],
        _ => &[],
    }
}

pub const REGISTRY: [Metric; 2] = [
    Metric::new(
        "accuracy",
        "Accuracy",
        "share of problems decided right, 0–1",
        Better::Higher,
        "share of this period's problems the organization decided right",
    ),
    Metric::new(
        "analyst_accuracy",
        "Analyst accuracy",
        "share of problems right, 0–1",
        Better::Higher,
        "analysts' mean share of this period's problems answered right",
    ),
];
pub const METRICS: &[&str] = &names(&REGISTRY);
pub const ACCURACY: usize = 0;
pub const ANALYST_ACCURACY: usize = 1;

/// Experience of one decision maker: per input pattern, how often the true
/// answer was 0 and 1.
#[derive(Clone)]
struct Memory {
    counts: Vec<[u32; 2]>,
}

impl Memory {
    fn new(inputs: usize) -> Self {
        Self {
            counts: vec![[0, 0]; 1 << inputs],
        }
    }

    fn forget(&mut self) {
        self.counts.fill([0, 0]);
    }

    fn answer(&self, pattern: usize, rng: &mut Stream) -> bool {
        let [zeros, ones] = self.counts[pattern];
        match ones.cmp(&zeros) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => rng.random_bool(0.5),
        }
    }

    fn learn(&mut self, pattern: usize, truth: bool) {
        self.counts[pattern][usize::from(truth)] += 1;
    }
}

pub struct Carley {
    p: CarleyParams,
    analysts: Vec<Memory>,
    managers: Vec<Memory>,
    chief: Memory,
    /// This problem's analyst inputs and answers, and managers' answers.
    seen: Vec<usize>,
    said: Vec<bool>,
    manager_seen: Vec<usize>,
    manager_said: Vec<bool>,
    rng: Stream,
}

impl Carley {
    pub fn new(p: CarleyParams, rng: Stream) -> Self {
        let managers = if p.hierarchy == 1 {
            p.analysts / p.span
        } else {
            0
        };
        Self {
            analysts: vec![Memory::new(p.window); p.analysts],
            managers: vec![Memory::new(p.span); managers],
            chief: Memory::new(managers),
            seen: vec![0; p.analysts],
            said: vec![false; p.analysts],
            manager_seen: vec![0; managers],
            manager_said: vec![false; managers],
            p,
            rng,
        }
    }

    /// Decides one problem; returns (organization correct, analysts correct).
    fn decide(&mut self) -> (bool, usize) {
        let bits = self.p.bits;
        let task: u64 = self.rng.random::<u64>() & ((1u64 << bits) - 1);
        let truth = 2 * task.count_ones() as usize > bits;
        let mut analysts_right = 0;
        for a in 0..self.p.analysts {
            // Windows start evenly spread over the task and wrap around.
            let start = a * bits / self.p.analysts;
            let mut pattern = 0;
            for w in 0..self.p.window {
                pattern = (pattern << 1) | ((task >> ((start + w) % bits)) & 1) as usize;
            }
            self.seen[a] = pattern;
            self.said[a] = self.analysts[a].answer(pattern, &mut self.rng);
            analysts_right += usize::from(self.said[a] == truth);
        }
        let answer = if self.p.hierarchy == 1 {
            let span = self.p.span;
            let mut chief_pattern = 0;
            for g in 0..self.managers.len() {
                let pattern = self.said[g * span..(g + 1) * span]
                    .iter()
                    .fold(0, |acc, &s| (acc << 1) | usize::from(s));
                self.manager_seen[g] = pattern;
                self.manager_said[g] = self.managers[g].answer(pattern, &mut self.rng);
                chief_pattern = (chief_pattern << 1) | usize::from(self.manager_said[g]);
            }
            let answer = self.chief.answer(chief_pattern, &mut self.rng);
            self.chief.learn(chief_pattern, truth);
            for g in 0..self.managers.len() {
                self.managers[g].learn(self.manager_seen[g], truth);
            }
            answer
        } else {
            let yes = self.said.iter().filter(|&&s| s).count();
            match (2 * yes).cmp(&self.p.analysts) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => self.rng.random_bool(0.5),
            }
        };
        for a in 0..self.p.analysts {
            self.analysts[a].learn(self.seen[a], truth);
        }
        (answer == truth, analysts_right)
    }
}

impl Model for Carley {
    fn members(&self) -> usize {
        self.p.analysts + self.managers.len() + usize::from(self.p.hierarchy == 1)
    }

    fn step(&mut self, out: &mut [f64]) {
        if self.p.turnover > 0.0 {
            for a in &mut self.analysts {
                if self.rng.random_bool(self.p.turnover) {
                    a.forget();
                }
            }
        }
        let (mut right, mut analysts_right) = (0, 0);
        for _ in 0..self.p.problems {
            let (r, a) = self.decide();
            right += usize::from(r);
            analysts_right += a;
        }
        out[ACCURACY] = right as f64 / self.p.problems as f64;
        out[ANALYST_ACCURACY] = analysts_right as f64 / (self.p.problems * self.p.analysts) as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamSet;
    use crate::rng::stream;

    fn accuracy(p: &CarleyParams, seed: u64, steps: usize) -> Vec<f64> {
        let mut model = Carley::new(p.clone(), stream(seed, 0, 0));
        let mut out = [0.0; 2];
        (0..steps)
            .map(|_| {
                model.step(&mut out);
                assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
                out[ACCURACY]
            })
            .collect()
    }

    #[test]
    fn same_seed_same_decisions() {
        for hierarchy in [0, 1] {
            let p = CarleyParams {
                hierarchy,
                turnover: 0.05,
                ..CarleyParams::default()
            };
            assert_eq!(accuracy(&p, 1, 100), accuracy(&p, 1, 100));
            assert_ne!(accuracy(&p, 1, 100), accuracy(&p, 2, 100));
        }
    }

    #[test]
    fn experience_makes_both_structures_better_than_chance() {
        for hierarchy in [0, 1] {
            let p = CarleyParams {
                hierarchy,
                ..CarleyParams::default()
            };
            let acc = accuracy(&p, 3, 200);
            let late = acc[150..].iter().sum::<f64>() / 50.0;
            assert!(late > 0.8, "hierarchy={hierarchy}: {late}");
        }
    }

    #[test]
    fn total_turnover_keeps_analysts_guessing() {
        // Every analyst replaced every period: only the first problems of a
        // period are decided by analysts with any memory.
        let p = CarleyParams {
            turnover: 1.0,
            problems: 1,
            ..CarleyParams::default()
        };
        let acc = accuracy(&p, 4, 2000);
        let mean = acc.iter().sum::<f64>() / acc.len() as f64;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
    }

    #[test]
    fn structures_preset_the_flag_and_bad_shapes_are_refused() {
        let mut p = CarleyParams::default();
        for (k, v) in preset("hierarchy") {
            assert!(p.set(k, *v));
        }
        assert_eq!(p.hierarchy, 1);
        assert!(p.check().is_ok());
        p.span = 4;
        assert_eq!(p.check().unwrap_err().0, "span");
        let p = CarleyParams {
            window: 10,
            ..CarleyParams::default()
        };
        assert_eq!(p.check().unwrap_err().0, "window");
    }
}
