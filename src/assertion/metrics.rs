//! The assertions' counter: signatures made, and assertions reused, so an
//! operator sees the reuse work. `http::metrics` registers it.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Assertions signed and reused.
#[derive(Debug, Default, Clone)]
pub struct AssertionMetrics {
    assertions: Family<Vec<(&'static str, &'static str)>, Counter>,
}

impl AssertionMetrics {
    /// Adds the counter to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "assertions",
            "Identity assertions sent to upstreams, by how: signed, reused, or too_large (refused)",
            self.assertions.clone(),
        );
    }

    pub(super) fn count(&self, how: &'static str) {
        self.assertions.get_or_create(&vec![("how", how)]).inc();
    }
}
