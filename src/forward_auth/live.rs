//! The rule set serving now. A reload swaps another in, in one atomic
//! step; each `/auth` request loads it once, so it is decided by one rule
//! set from its first rule lookup to its identity headers.

use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};

use super::rules::ForwardAuth;

/// The serving rule set, replaceable while requests read it.
#[derive(Debug)]
pub struct LiveRules(ArcSwap<ForwardAuth>);

impl LiveRules {
    /// Serves `rules`.
    pub fn new(rules: ForwardAuth) -> Self {
        LiveRules(ArcSwap::from_pointee(rules))
    }

    /// The rule set serving now, for one request.
    pub fn load(&self) -> Guard<Arc<ForwardAuth>> {
        self.0.load()
    }

    /// Serves `rules` from now on; requests already deciding keep theirs.
    pub fn store(&self, rules: ForwardAuth) {
        self.0.store(Arc::new(rules));
    }
}
