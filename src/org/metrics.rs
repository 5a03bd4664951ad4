//! The per-step metrics of the organization model, in column order.

use crate::metric::{Better::*, Metric, names};

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

/// The registry: column order, labels, units, better direction, meaning
/// (the meanings are also in `docs/model.md`).
pub const REGISTRY: [Metric; N_METRICS] = [
    Metric::new(
        "throughput",
        "Throughput",
        "work items completed per week",
        Higher,
        "tasks completed this step",
    ),
    Metric::new(
        "backlog",
        "Backlog",
        "open work items",
        Lower,
        "tasks waiting or in progress",
    ),
    Metric::new(
        "decision_latency",
        "Decision latency",
        "weeks from request to decision",
        Lower,
        "mean steps from raising to taking the decisions taken this step",
    ),
    Metric::new(
        "decisions_pending",
        "Decisions pending",
        "decisions waiting",
        Lower,
        "decisions waiting in queues",
    ),
    Metric::new(
        "rework",
        "Rework",
        "work items redone per week",
        Lower,
        "tasks sent back by a bad decision",
    ),
    Metric::new(
        "blocked",
        "Blocked members",
        "members waiting on a decision (full-time equivalent)",
        Lower,
        "members waiting for a decision or consensus, counted by the share of the week they wait",
    ),
    Metric::new(
        "mean_skill",
        "Mean skill",
        "skill level, 0–1",
        Higher,
        "mean skill across members, weighted by the current domain mix",
    ),
    Metric::new(
        "skill_spread",
        "Skill spread",
        "standard deviation of skill",
        Neither,
        "spread of skill across members",
    ),
    Metric::new(
        "engagement",
        "Engagement",
        "mean engagement, 0–1",
        Higher,
        "mean engagement of members",
    ),
    Metric::new(
        "turnover",
        "Turnover",
        "people leaving per week",
        Lower,
        "people leaving this step",
    ),
    Metric::new(
        "hires",
        "Hires",
        "people hired per week",
        Neither,
        "people hired this step",
    ),
    Metric::new(
        "sharing",
        "Knowledge sharing",
        "help events per week",
        Higher,
        "knowledge-sharing events (collaboration)",
    ),
    Metric::new(
        "hoarding",
        "Knowledge hoarding",
        "help withheld, events per week",
        Lower,
        "refusals to share (competition)",
    ),
    Metric::new(
        "tournament_pressure",
        "Tournament pressure",
        "rank competition per worker, 0–1",
        Neither,
        "competition for promotion felt by working members",
    ),
    Metric::new(
        "leadership_coverage",
        "Leadership coverage",
        "share of posts with a ready successor, 0–1",
        Higher,
        "share of posts someone ready could take over (a ready designated successor; without succession planning, a ready candidate)",
    ),
    Metric::new(
        "headcount",
        "Headcount",
        "people",
        Neither,
        "people in seats",
    ),
    Metric::new(
        "coordination",
        "Coordination load",
        "share of a worker's time",
        Lower,
        "mean share of a working member's week spent on coordination, consensus, role decisions and shadowing",
    ),
];

/// Column names; documented in `docs/model.md`.
pub const METRICS: [&str; N_METRICS] = names(&REGISTRY);
