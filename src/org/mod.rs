//! The main organization model (stub while the core is being written).
use crate::define_params;
use crate::rng::Stream;

define_params! {
    pub struct OrgParams {
        /// Headcount.
        members: usize = 60, [2, 2_000_000], "people";
    }
}
impl OrgParams {
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        Ok(())
    }
}
#[derive(Clone, Copy, Debug)]
pub enum Structure {
    Hierarchy,
}
impl Structure {
    pub const NAMES: &'static [&'static str] = &["hierarchy"];
    pub fn from_name(_s: &str) -> Option<Self> {
        Some(Structure::Hierarchy)
    }
    pub fn preset(self) -> &'static [(&'static str, f64)] {
        &[]
    }
}
pub struct Event;
pub const METRICS: &[&str] = &["throughput"];
pub const THROUGHPUT: usize = 0;
pub struct Organization {
    n: usize,
    _rng: Stream,
}
impl Organization {
    pub fn new(p: OrgParams, _s: Structure, _e: &[Event], rng: Stream) -> Self {
        Self {
            n: p.members,
            _rng: rng,
        }
    }
}
impl crate::model::Model for Organization {
    fn members(&self) -> usize {
        self.n
    }
    fn step(&mut self, out: &mut [f64]) {
        out.fill(0.0)
    }
}
