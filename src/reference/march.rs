//! March (1991), "Exploration and exploitation in organizational learning",
//! Organization Science 2(1): 71-87. The mutual-learning model.
//!
//! Reality has `m` dimensions, each +1 or -1. Each of `n` members holds a
//! belief in {-1, 0, +1} on every dimension; the organizational code holds
//! one too, starting all 0. Members learn from the code (socialization, rate
//! `p1`); the code learns from the "superior group", the members who do
//! better than the code (rate `p2`). Open-system extensions: turnover `p3`,
//! environmental turbulence `p4`, and a share of fast learners.
//!
//! The paper's text leaves several rules open, and a literal reading of it
//! does not reproduce Figure 1. [`Rules::ORIGINAL`] follows what the
//! replications that obtained March's own program report (Rodan 2005;
//! Christensen 2015, as implemented by Workiewicz 2019; Watts 2014 from the
//! BASIC listing); [`Rules::LITERAL`] is the text read word by word. Each
//! rule, its source and its measured effect are in `docs/validation.md`.

use crate::define_params;
use crate::model::Model;
use crate::rng::Stream;
use rand::RngExt;

define_params! {
    /// Parameters of March's (1991) model, with the paper's names.
    pub struct MarchParams {
        /// Dimensions of reality (March: 30).
        m: usize = 30, [1, 1000], "dimensions";
        /// Members of the organization (March: 50).
        n: usize = 50, [1, 100000], "people";
        /// Socialization rate: chance per period and dimension that a member's belief moves toward a non-zero code.
        p1: f64 = 0.1, [0, 1], "probability";
        /// Code learning rate: chance per superior member in the majority margin that the code adopts the superior group's majority view.
        p2: f64 = 0.5, [0, 1], "probability";
        /// Turnover: chance per period that a member is replaced by a newcomer with random beliefs.
        p3: f64 = 0.0, [0, 1], "probability/period";
        /// Environmental turbulence: chance per period that a dimension of reality flips.
        p4: f64 = 0.0, [0, 1], "probability/period";
        /// Share of members who socialize at the fast rate `p1_fast` instead of `p1` (March's mixed learners).
        fast_share: f64 = 0.0, [0, 1], "share";
        /// Socialization rate of the fast learners.
        p1_fast: f64 = 0.9, [0, 1], "probability";
        /// 1: the paper's text read literally (does not reproduce Figure 1); 0: the rules of March's original program.
        literal: u32 = 0, [0, 1], "flag";
    }
}

impl MarchParams {
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        Ok(())
    }

    pub fn rules(&self) -> Rules {
        if self.literal == 1 {
            Rules::LITERAL
        } else {
            Rules::ORIGINAL
        }
    }
}

/// Metrics written by [`March::step`], in order.
pub const METRICS: &[&str] = &[
    "code_knowledge",
    "member_knowledge",
    "knowledge_variance",
    "belief_diversity",
    "superior_share",
    "code_score",
];
pub const CODE_KNOWLEDGE: usize = 0;
pub const MEMBER_KNOWLEDGE: usize = 1;
pub const KNOWLEDGE_VARIANCE: usize = 2;
pub const BELIEF_DIVERSITY: usize = 3;
pub const SUPERIOR_SHARE: usize = 4;
pub const CODE_SCORE: usize = 5;

/// The rules the paper's text leaves open. Each is a switch so that tests can
/// show which ones matter for Figure 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// A member with belief 0 acts at random (+1 or -1) each period; the
    /// superior group is judged on, and the code learns from, these actions
    /// (Christensen 2015). Off: a 0 belief is held and shown as 0.
    pub zeros_act_randomly: bool,
    /// Superior means score (right minus wrong) above the code's score
    /// (March's BASIC, per Watts 2014 and Christensen 2015). Off: knowledge
    /// (number right) above the code's knowledge, as the text says.
    pub superior_by_score: bool,
    /// Socialization moves a belief one step: opposite to 0, 0 to the code
    /// (Christensen 2015; Watts 2014). Off: the belief jumps to the code.
    pub gradual_socialization: bool,
    /// k in 1-(1-p2)^k is the majority margin (majority minus minority)
    /// within the superior group (Christensen 2015). Off: members who differ
    /// from the code minus those who agree, zeros counting as differing
    /// (footnote 1 read literally).
    pub k_is_majority_margin: bool,
    /// The code learns from beliefs after this period's socialization. Off:
    /// both learning steps use the state at the start of the period ("at the
    /// same time", and March's BASIC per Watts 2014).
    pub sequential: bool,
}

impl Rules {
    pub const ORIGINAL: Rules = Rules {
        zeros_act_randomly: true,
        superior_by_score: true,
        gradual_socialization: true,
        k_is_majority_margin: true,
        sequential: false,
    };
    pub const LITERAL: Rules = Rules {
        zeros_act_randomly: false,
        superior_by_score: false,
        gradual_socialization: false,
        k_is_majority_margin: false,
        sequential: false,
    };
}

/// The state shared by March's model and its extensions (Miller et al. 2006):
/// reality, beliefs, code and the per-period scratch buffers.
pub(crate) struct Core {
    pub m: usize,
    pub n: usize,
    pub rules: Rules,
    pub p2: f64,
    /// Dimensions `m - tacit .. m` cannot be codified (Miller et al. 2006).
    pub tacit: usize,
    pub reality: Vec<i8>,
    /// Row-major: member `i`, dimension `d` at `i * m + d`.
    pub beliefs: Vec<i8>,
    pub code: Vec<i8>,
    /// Socialization rate per member (fast and slow learners).
    pub p1: Vec<f64>,
    /// What each member shows this period (beliefs, or actions for zeros).
    pub shown: Vec<i8>,
    /// Each member's score or knowledge this period, on `shown`.
    pub merit: Vec<i32>,
    /// Counts among the superior group per dimension: +1, -1, 0.
    plus: Vec<u32>,
    minus: Vec<u32>,
    zero: Vec<u32>,
    superiors: usize,
    /// Scratch for the members' knowledge (measure).
    knowledge: Vec<f64>,
}

impl Core {
    pub fn new(m: usize, n: usize, p1: Vec<f64>, p2: f64, rules: Rules, rng: &mut Stream) -> Self {
        let reality = (0..m)
            .map(|_| if rng.random_bool(0.5) { 1 } else { -1 })
            .collect();
        let beliefs = (0..n * m).map(|_| random_belief(rng)).collect();
        Self {
            m,
            n,
            rules,
            p2,
            tacit: 0,
            reality,
            beliefs,
            code: vec![0; m],
            p1,
            shown: vec![0; n * m],
            merit: vec![0; n],
            plus: vec![0; m],
            minus: vec![0; m],
            zero: vec![0; m],
            superiors: 0,
            knowledge: vec![0.0; n],
        }
    }

    /// Each dimension of reality flips with probability `p4`.
    pub fn turbulence(&mut self, p4: f64, rng: &mut Stream) {
        if p4 <= 0.0 {
            return;
        }
        for r in &mut self.reality {
            if rng.random_bool(p4) {
                *r = -*r;
            }
        }
    }

    /// Each member leaves with probability `p3`; the newcomer (same seat, same
    /// socialization rate) has random beliefs.
    pub fn turnover(&mut self, p3: f64, rng: &mut Stream) {
        if p3 <= 0.0 {
            return;
        }
        for i in 0..self.n {
            if rng.random_bool(p3) {
                for b in &mut self.beliefs[i * self.m..(i + 1) * self.m] {
                    *b = random_belief(rng);
                }
            }
        }
    }

    /// Members show their beliefs (acting at random where they hold 0, if the
    /// rule says so), each is scored, and the superior group's views are
    /// counted per dimension.
    pub fn judge(&mut self, rng: &mut Stream) {
        let m = self.m;
        let code_merit = self.merit_of(&self.code);
        for i in 0..self.n {
            for d in 0..m {
                let b = self.beliefs[i * m + d];
                self.shown[i * m + d] = if b == 0 && self.rules.zeros_act_randomly {
                    if rng.random_bool(0.5) { 1 } else { -1 }
                } else {
                    b
                };
            }
            self.merit[i] = self.merit_of(&self.shown[i * m..(i + 1) * m]);
        }
        self.plus.fill(0);
        self.minus.fill(0);
        self.zero.fill(0);
        self.superiors = 0;
        for i in 0..self.n {
            if self.merit[i] <= code_merit {
                continue;
            }
            self.superiors += 1;
            for d in 0..m {
                match self.shown[i * m + d] {
                    1 => self.plus[d] += 1,
                    -1 => self.minus[d] += 1,
                    _ => self.zero[d] += 1,
                }
            }
        }
    }

    /// Score (right minus wrong) or knowledge (right), per the rules.
    fn merit_of(&self, v: &[i8]) -> i32 {
        let mut s = 0;
        for (x, r) in v.iter().zip(&self.reality) {
            if self.rules.superior_by_score {
                s += i32::from(x * r);
            } else {
                s += i32::from(x == r);
            }
        }
        s
    }

    /// Members learn from the code where it is not 0.
    pub fn socialize(&mut self, rng: &mut Stream) {
        let m = self.m;
        for i in 0..self.n {
            let p1 = self.p1[i];
            for d in 0..m {
                let c = self.code[d];
                let b = &mut self.beliefs[i * m + d];
                if c == 0 || *b == c || !rng.random_bool(p1) {
                    continue;
                }
                *b = if self.rules.gradual_socialization && *b != 0 {
                    0
                } else {
                    c
                };
            }
        }
    }

    /// The code moves to the superior group's majority view on each
    /// codifiable dimension with probability 1 - (1 - p2)^k.
    pub fn learn_code(&mut self, rng: &mut Stream) {
        if self.superiors == 0 {
            return;
        }
        for d in 0..self.m - self.tacit {
            let (plus, minus) = (self.plus[d] as i32, self.minus[d] as i32);
            let majority: i8 = match plus.cmp(&minus) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => continue, // a tie is no majority
            };
            let c = self.code[d];
            if c == majority {
                continue;
            }
            let k = if self.rules.k_is_majority_margin {
                (plus - minus).abs()
            } else {
                let agree = match c {
                    1 => plus,
                    -1 => minus,
                    _ => self.zero[d] as i32,
                };
                self.superiors as i32 - 2 * agree
            };
            if k > 0 && rng.random_bool(1.0 - (1.0 - self.p2).powi(k)) {
                self.code[d] = majority;
            }
        }
    }

    /// One period of March's process (after turbulence and turnover).
    pub fn learn(&mut self, rng: &mut Stream) {
        if self.rules.sequential {
            self.socialize(rng);
            self.judge(rng);
        } else {
            self.judge(rng);
            self.socialize(rng);
        }
        self.learn_code(rng);
    }

    /// Share of dimensions in `dims` where `v` matches reality.
    pub fn knowledge_of(&self, v: &[i8], dims: std::ops::Range<usize>) -> f64 {
        let len = dims.len();
        if len == 0 {
            return f64::NAN;
        }
        let right = dims.filter(|&d| v[d] == self.reality[d]).count();
        right as f64 / len as f64
    }

    /// Writes the metrics of [`METRICS`] into `out[..6]`.
    pub fn measure(&mut self, out: &mut [f64]) {
        let (m, n) = (self.m, self.n);
        out[CODE_KNOWLEDGE] = self.knowledge_of(&self.code, 0..m);
        for i in 0..n {
            self.knowledge[i] = self.knowledge_of(&self.beliefs[i * m..(i + 1) * m], 0..m);
        }
        let mean = self.knowledge.iter().sum::<f64>() / n as f64;
        let var = self
            .knowledge
            .iter()
            .map(|k| (k - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        out[MEMBER_KNOWLEDGE] = mean;
        out[KNOWLEDGE_VARIANCE] = var;
        out[BELIEF_DIVERSITY] = self.diversity();
        out[SUPERIOR_SHARE] = self.superiors as f64 / n as f64;
        let score: i32 = self
            .code
            .iter()
            .zip(&self.reality)
            .map(|(c, r)| i32::from(c * r))
            .sum();
        out[CODE_SCORE] = score as f64 / m as f64;
    }

    /// Mean over dimensions of the Gini-Simpson index of members' beliefs:
    /// the chance that two members drawn at random disagree. 0 once all agree.
    fn diversity(&self) -> f64 {
        let (m, n) = (self.m, self.n);
        let mut total = 0.0;
        for d in 0..m {
            let mut counts = [0usize; 3];
            for i in 0..n {
                counts[(self.beliefs[i * m + d] + 1) as usize] += 1;
            }
            let same: f64 = counts.iter().map(|&c| (c as f64 / n as f64).powi(2)).sum();
            total += 1.0 - same;
        }
        total / m as f64
    }
}

/// A belief drawn from {-1, 0, 1} with equal probabilities (March 1991: 74, 78).
pub(crate) fn random_belief(rng: &mut Stream) -> i8 {
    rng.random_range(-1i8..=1)
}

/// Socialization rates per member: the first `round(fast_share * n)` are fast.
pub(crate) fn socialization_rates(n: usize, p1: f64, fast_share: f64, p1_fast: f64) -> Vec<f64> {
    let fast = (fast_share * n as f64).round() as usize;
    (0..n)
        .map(|i| if i < fast { p1_fast } else { p1 })
        .collect()
}

/// March's model as an engine [`Model`].
pub struct March {
    core: Core,
    p3: f64,
    p4: f64,
    rng: Stream,
}

impl March {
    pub fn new(p: MarchParams, rng: Stream) -> Self {
        Self::with_rules(p.clone(), p.rules(), rng)
    }

    /// A model with any combination of rules (for sensitivity tests).
    pub fn with_rules(p: MarchParams, rules: Rules, mut rng: Stream) -> Self {
        let p1 = socialization_rates(p.n, p.p1, p.fast_share, p.p1_fast);
        let core = Core::new(p.m, p.n, p1, p.p2, rules, &mut rng);
        Self {
            core,
            p3: p.p3,
            p4: p.p4,
            rng,
        }
    }
}

impl Model for March {
    fn members(&self) -> usize {
        self.core.n
    }

    fn step(&mut self, out: &mut [f64]) {
        // March's order (BASIC listing, per Watts 2014): turbulence, turnover,
        // then the two learning steps.
        self.core.turbulence(self.p4, &mut self.rng);
        self.core.turnover(self.p3, &mut self.rng);
        self.core.learn(&mut self.rng);
        self.core.measure(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn run(p: &MarchParams, seed: u64, steps: usize) -> (March, Vec<f64>) {
        let mut model = March::new(p.clone(), stream(seed, 0, 0));
        let mut out = vec![0.0; METRICS.len()];
        for _ in 0..steps {
            model.step(&mut out);
        }
        (model, out)
    }

    #[test]
    fn same_seed_same_history() {
        let p = MarchParams {
            p3: 0.05,
            p4: 0.01,
            fast_share: 0.3,
            ..MarchParams::default()
        };
        let (a, oa) = run(&p, 7, 120);
        let (b, ob) = run(&p, 7, 120);
        assert_eq!(oa, ob);
        assert_eq!(a.core.beliefs, b.core.beliefs);
        assert_eq!(a.core.code, b.core.code);
        let (c, _) = run(&p, 8, 120);
        assert_ne!(a.core.beliefs, c.core.beliefs);
    }

    #[test]
    fn states_and_metrics_stay_in_range() {
        for literal in [0, 1] {
            let p = MarchParams {
                p3: 0.1,
                p4: 0.05,
                literal,
                ..MarchParams::default()
            };
            let mut model = March::new(p, stream(1, 0, 0));
            let mut out = vec![0.0; METRICS.len()];
            for _ in 0..200 {
                model.step(&mut out);
                assert!(model.core.beliefs.iter().all(|b| (-1..=1).contains(b)));
                assert!(model.core.code.iter().all(|c| (-1..=1).contains(c)));
                assert!(model.core.reality.iter().all(|r| *r == 1 || *r == -1));
                for (k, v) in out.iter().enumerate() {
                    let lo = if k == CODE_SCORE { -1.0 } else { 0.0 };
                    assert!((lo..=1.0).contains(v), "{} = {v}", METRICS[k]);
                }
            }
        }
    }

    #[test]
    fn code_that_cannot_learn_stays_neutral() {
        let p = MarchParams {
            p2: 0.0,
            ..MarchParams::default()
        };
        let (model, out) = run(&p, 3, 100);
        assert!(model.core.code.iter().all(|&c| c == 0));
        assert_eq!(out[CODE_KNOWLEDGE], 0.0);
    }

    #[test]
    fn members_who_cannot_be_socialized_keep_their_beliefs() {
        let p = MarchParams {
            p1: 0.0,
            ..MarchParams::default()
        };
        let start = March::new(p.clone(), stream(4, 0, 0)).core.beliefs;
        let (model, _) = run(&p, 4, 100);
        assert_eq!(model.core.beliefs, start);
    }

    #[test]
    fn closed_system_converges_to_a_shared_belief() {
        // March (1991: 75): "An equilibrium is reached at which all
        // individuals and the code share the same ... belief."
        let p = MarchParams {
            p1: 0.5,
            p2: 0.5,
            ..MarchParams::default()
        };
        let (model, out) = run(&p, 5, 1000);
        assert!(
            out[BELIEF_DIVERSITY] < 0.02,
            "diversity {}",
            out[BELIEF_DIVERSITY]
        );
        assert!((out[MEMBER_KNOWLEDGE] - out[CODE_KNOWLEDGE]).abs() < 0.02);
        let m = model.core.m;
        let agree = (0..model.core.n)
            .filter(|i| model.core.beliefs[i * m..(i + 1) * m] == model.core.code[..])
            .count();
        assert!(agree > model.core.n * 9 / 10);
    }

    #[test]
    fn full_turbulence_flips_every_dimension() {
        let p = MarchParams {
            p4: 1.0,
            ..MarchParams::default()
        };
        let mut model = March::new(p, stream(6, 0, 0));
        let before = model.core.reality.clone();
        model.step(&mut [0.0; 6]);
        assert!(
            model
                .core
                .reality
                .iter()
                .zip(&before)
                .all(|(a, b)| *a == -*b)
        );
    }

    #[test]
    fn fast_learners_are_counted_from_the_share() {
        let rates = socialization_rates(50, 0.1, 0.2, 0.9);
        assert_eq!(rates.iter().filter(|&&r| r == 0.9).count(), 10);
        assert_eq!(rates.iter().filter(|&&r| r == 0.1).count(), 40);
    }

    #[test]
    fn literal_flag_selects_the_literal_rules() {
        assert_eq!(MarchParams::default().rules(), Rules::ORIGINAL);
        let p = MarchParams {
            literal: 1,
            ..MarchParams::default()
        };
        assert_eq!(p.rules(), Rules::LITERAL);
    }
}
