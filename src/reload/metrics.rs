//! The reload room's own metrics: which generation serves, and how many
//! reloads were refused. `http::metrics` registers them with the rest.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Generation served and reloads refused.
#[derive(Debug, Default, Clone)]
pub struct ReloadMetrics {
    generation: Gauge,
    failures: Counter,
}

impl ReloadMetrics {
    /// Adds both to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "config_generation",
            "The configuration generation serving: 1 at start, one more for each reload that loaded",
            self.generation.clone(),
        );
        registry.register(
            "config_reload_failures",
            "Reloads refused: the configuration failed its checks or changed what needs a restart",
            self.failures.clone(),
        );
    }

    pub(super) fn set_generation(&self, generation: u64) {
        self.generation
            .set(i64::try_from(generation).unwrap_or(i64::MAX));
    }

    pub(super) fn count_failure(&self) {
        self.failures.inc();
    }

    #[cfg(test)]
    pub(super) fn failures(&self) -> u64 {
        self.failures.get()
    }
}
