//! What a reload reads, checks and swaps: the settings read again exactly
//! as at start ([`SettingsSource::reread`]); then what only a restart can
//! change (the pools, the gateway kind, the listen addresses, whether some
//! rule admits machine callers, which decides which tokens are verified at
//! all) must be as it is, and the new rules are swapped in at once.

use std::path::PathBuf;

use actix_web::web;
use parking_lot::RwLock;

use crate::config::{Settings, SettingsSource};
use crate::forward_auth::{
    ForwardAuth, ForwardAuthMetrics, ForwardAuthSettings, Gateway, LiveRules,
};
use crate::http::ListenAddr;
use crate::pools::PoolSettings;
use crate::reload::Reload;

/// What a reload may not change, as the server was started.
struct NeedsRestart {
    pools: Vec<PoolSettings>,
    gateway: Option<Gateway>,
    listeners: (ListenAddr, Option<ListenAddr>),
    admits_machines: bool,
}

impl NeedsRestart {
    fn of(settings: &Settings) -> Self {
        NeedsRestart {
            pools: settings.pools.clone(),
            gateway: settings.forward_auth.as_ref().map(|rules| rules.gateway),
            listeners: (settings.server.api.clone(), settings.server.metrics.clone()),
            admits_machines: admits_machines(settings.forward_auth.as_ref()),
        }
    }

    /// What `new` changes that needs a restart, if anything.
    fn changed_by(&self, new: &Settings) -> Option<&'static str> {
        let new_shape = NeedsRestart::of(new);
        if new_shape.pools != self.pools {
            Some("the user pools changed")
        } else if new_shape.gateway != self.gateway {
            Some("[forward_auth] or its gateway changed")
        } else if new_shape.listeners != self.listeners {
            Some("the listen addresses changed")
        } else if new_shape.admits_machines != self.admits_machines {
            Some("whether some rule admits machine callers changed (it decides which tokens are verified at all)")
        } else {
            None
        }
    }
}

fn admits_machines(rules: Option<&ForwardAuthSettings>) -> bool {
    rules.is_some_and(ForwardAuthSettings::admits_machines)
}

/// The files `settings` are read from: `GUARD_CONFIG`, the assertion keys
/// and the policy files (and schema) it names.
fn files_of(settings: &Settings) -> Vec<PathBuf> {
    let rules = settings.forward_auth.as_ref();
    let keys = rules
        .and_then(|rules| rules.assertion.as_ref())
        .map(|assertion| assertion.key_files.clone())
        .unwrap_or_default();
    let policies = rules
        .map(|rules| rules.policy_files.clone())
        .unwrap_or_default();
    settings
        .source
        .guard_config()
        .into_iter()
        .chain(keys)
        .chain(policies)
        .collect()
}

/// The server's configuration, reloadable.
pub(super) struct ConfigReload {
    source: SettingsSource,
    started: NeedsRestart,
    rules: Option<(web::Data<LiveRules>, ForwardAuthMetrics)>,
    /// The files of the configuration serving.
    files: RwLock<Vec<PathBuf>>,
}

impl ConfigReload {
    /// The reload of the server started with `settings`, swapping `rules`
    /// (counted in `metrics`) when it has rules.
    pub fn new(
        settings: &Settings,
        rules: Option<(web::Data<LiveRules>, ForwardAuthMetrics)>,
    ) -> Self {
        ConfigReload {
            source: settings.source.clone(),
            started: NeedsRestart::of(settings),
            rules,
            files: RwLock::new(files_of(settings)),
        }
    }
}

impl Reload for ConfigReload {
    fn reload(&self) -> Result<String, String> {
        let new = self.source.reread().map_err(|e| e.to_string())?;
        if let Some(change) = self.started.changed_by(&new) {
            return Err(format!("{change}: a restart is needed to apply it"));
        }
        let serving = match (&self.rules, &new.forward_auth) {
            (Some((live, metrics)), Some(settings)) => {
                live.store(ForwardAuth::new(settings, Some(metrics)));
                let keys = settings.assertion.as_ref().map_or(0, |a| a.keys.len());
                let policies = settings.policies.as_ref().map_or(0, |p| p.policy_count());
                format!(
                    "{} rule(s), {keys} assertion key(s), {policies} polic{}",
                    settings.rules.len(),
                    if policies == 1 { "y" } else { "ies" }
                )
            }
            _ => "no rules".to_owned(),
        };
        *self.files.write() = files_of(&new);
        Ok(serving)
    }

    /// The serving configuration's files, and those `GUARD_CONFIG` names
    /// as it is now: a file a policy glob newly matches, or a key a
    /// refused configuration waits for, reloads it when it arrives.
    fn files(&self) -> Vec<PathBuf> {
        let mut files = self.files.read().clone();
        for file in self.source.named_files() {
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }
}
