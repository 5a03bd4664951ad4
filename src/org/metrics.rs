//! The per-step metrics of the organization model, in column order.

pub const THROUGHPUT: usize = 0;
pub const BACKLOG: usize = 1;
pub const DECISION_LATENCY: usize = 2;
pub const DECISIONS_PENDING: usize = 3;
pub const REWORK: usize = 4;
pub const BLOCKED: usize = 5;
pub const MEAN_SKILL: usize = 6;
pub const SKILL_SPREAD: usize = 7;
pub const ENGAGEMENT: usize = 8;
pub const TURNOVER: usize = 9;
pub const HIRES: usize = 10;
pub const SHARING: usize = 11;
pub const HOARDING: usize = 12;
pub const TOURNAMENT_PRESSURE: usize = 13;
pub const LEADERSHIP_COVERAGE: usize = 14;
pub const HEADCOUNT: usize = 15;
pub const COORDINATION: usize = 16;
pub const N_METRICS: usize = 17;

/// Column names; documented in `docs/model.md`.
pub const METRICS: [&str; N_METRICS] = [
    "throughput",
    "backlog",
    "decision_latency",
    "decisions_pending",
    "rework",
    "blocked",
    "mean_skill",
    "skill_spread",
    "engagement",
    "turnover",
    "hires",
    "sharing",
    "hoarding",
    "tournament_pressure",
    "leadership_coverage",
    "headcount",
    "coordination",
];
