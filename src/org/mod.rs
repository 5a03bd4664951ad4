//! The main organization model: members, teams, leadership posts, work,
//! decisions, learning, competition, engagement, turnover and events.
//! See `docs/model.md` for every parameter and the claim it stands for.

pub mod chart;
mod draw;
mod events;
pub mod metrics;
mod params;
mod sim;

pub use chart::{Chart, ChartErrors, ChartProblem};
pub use events::{Event, EventKind, Target};
pub use metrics::{METRICS, N_METRICS, THROUGHPUT};
pub use params::{OrgParams, PRACTICES, Structure, dedicated_posts, shape};
pub use sim::{EventSize, OrgNode, Organization, Totals};
