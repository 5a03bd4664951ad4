//! Reference models for docking: classic published simulations re-implemented
//! on the engine's [`crate::model::Model`] trait, so the engine (and anyone
//! reading `docs/validation.md`) can check them against the published figures.
//!
//! - [`march`]: March (1991), mutual learning between members and a code.
//! - [`miller`]: Miller, Zhao & Calantone (2006), March plus interpersonal
//!   learning and tacit knowledge.
//! - [`carley`]: Carley (1992), teams and hierarchies of analysts learning a
//!   binary-choice task under turnover.

pub mod carley;
pub mod docking;
pub mod march;
pub mod miller;
