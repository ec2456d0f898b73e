//! Forward-auth's own counter: `/auth` answers by deciding rule and
//! outcome. `http::metrics` registers it with the rest.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::assertion::AssertionMetrics;

/// Labels of the forward-auth decision counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ForwardAuthLabels {
    /// The deciding rule's name (the operator's, a bounded set), or
    /// `(none)` when no rule was reached.
    pub rule: String,
    /// `allowed`, `unauthorized`, `forbidden`, `unavailable`,
    /// `bad_request`, `ambiguous`, `untrusted_peer` or `error`.
    pub outcome: &'static str,
}

/// The decisions of `/auth`, counted; clones count into the same family.
#[derive(Debug, Default, Clone)]
pub struct ForwardAuthMetrics {
    decisions: Family<ForwardAuthLabels, Counter>,
    /// The identity assertions' counter.
    pub assertions: AssertionMetrics,
}

impl ForwardAuthMetrics {
    /// Adds the counter to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "forward_auth_decisions",
            "Answers of /auth to the gateway, by deciding rule and outcome",
            self.decisions.clone(),
        );
        self.assertions.register(registry);
    }

    /// The counter of `/auth` answers of `outcome` decided by `rule`,
    /// resolved once at start so that counting costs one atomic add.
    pub fn decisions(&self, rule: &str, outcome: &'static str) -> Counter {
        self.decisions
            .get_or_create(&ForwardAuthLabels {
                rule: rule.to_owned(),
                outcome,
            })
            .clone()
    }
}
