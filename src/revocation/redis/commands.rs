//! Every Redis command the sync runs, in one table: the start-up
//! permission probe is generated from it, the ACL the docs give is derived
//! from it, and a test holds the sources to it, so a command added to the
//! sync without a line here fails the tests rather than a deployment.

/// Where the sync runs a command, which decides how start-up probes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Inside the merge script on the revocation keys (Redis checks a
    /// script's commands against the user's ACL too): probed by running it
    /// the same way, inside the probe script, on the probe key.
    InScript,
    /// Sent on its own on the revocation keys: probed inside the probe
    /// script as well, on the probe key.
    OnKeys,
    /// Sent on its own on the connection (a script, the Cluster check,
    /// the subscription): probed by start-up sending it.
    OnConnection,
}

/// One command of the sync.
#[derive(Debug, Clone, Copy)]
pub struct RedisCommand {
    /// As the ACL names it (`script|load` for a subcommand).
    pub acl: &'static str,
    /// How the sync runs it.
    pub used: Use,
    /// Its arguments in the probe script (`key` the probe key, `channel`
    /// the probe channel, `ARGV[1]` an expiry), for the commands the probe
    /// script runs.
    pub probe_args: &'static str,
}

/// The commands, in the order the documented ACL lists them.
pub const COMMANDS: &[RedisCommand] = &[
    RedisCommand {
        acl: "ping",
        used: Use::OnConnection,
        probe_args: "",
    },
    // The Cluster check at start.
    RedisCommand {
        acl: "info",
        used: Use::OnConnection,
        probe_args: "",
    },
    // Only with a `/db` in REDIS_URL.
    RedisCommand {
        acl: "select",
        used: Use::OnConnection,
        probe_args: "",
    },
    RedisCommand {
        acl: "subscribe",
        used: Use::OnConnection,
        probe_args: "",
    },
    RedisCommand {
        acl: "hget",
        used: Use::InScript,
        probe_args: "key, 'probe'",
    },
    RedisCommand {
        acl: "hset",
        used: Use::InScript,
        probe_args: "key, 'probe', '1'",
    },
    RedisCommand {
        acl: "hdel",
        used: Use::InScript,
        probe_args: "key, 'probe'",
    },
    RedisCommand {
        acl: "hlen",
        used: Use::OnKeys,
        probe_args: "key",
    },
    RedisCommand {
        acl: "hscan",
        used: Use::OnKeys,
        probe_args: "key, '0'",
    },
    RedisCommand {
        acl: "expireat",
        used: Use::InScript,
        probe_args: "key, ARGV[1]",
    },
    RedisCommand {
        acl: "publish",
        used: Use::InScript,
        probe_args: "channel, 'probe'",
    },
    RedisCommand {
        acl: "evalsha",
        used: Use::OnConnection,
        probe_args: "",
    },
    RedisCommand {
        acl: "script|load",
        used: Use::OnConnection,
        probe_args: "",
    },
];

/// The order the probe script runs its commands in: the key is written
/// first and deleted last, so every command finds it and none is left.
const PROBE_ORDER: &[&str] = &[
    "hset", "hget", "hlen", "hscan", "expireat", "hdel", "publish",
];

/// The probe script: runs, through `redis.pcall`, every command of the
/// table that touches keys or channels, on the probe key and channel
/// (never on revocations), and returns the first one refused with its
/// error, or `ok`.
pub fn probe_script() -> String {
    let calls: Vec<String> = PROBE_ORDER
        .iter()
        .filter_map(|name| COMMANDS.iter().find(|c| c.acl == *name))
        .map(|c| format!("{{'{}', {}}}", c.acl.to_ascii_uppercase(), c.probe_args))
        .collect();
    format!(
        r#"
local key, channel = KEYS[1], ARGV[2]
local calls = {{
  {},
}}
for _, call in ipairs(calls) do
  local reply = redis.pcall(unpack(call))
  if type(reply) == 'table' and reply.err then
    return string.lower(call[1]) .. ' ' .. reply.err
  end
end
return 'ok'
"#,
        calls.join(", ")
    )
}

/// The ACL rules an instance needs, for the key prefix `prefix`: its keys
/// and channels only, and the table's commands only.
pub fn acl_rules(prefix: &str) -> String {
    let commands: Vec<String> = COMMANDS.iter().map(|c| format!("+{}", c.acl)).collect();
    format!(
        "resetkeys ~{prefix}:* resetchannels &{prefix}:* -@all {}",
        commands.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources of the sync, where commands are named.
    const SOURCES: &[(&str, &str)] = &[
        ("buckets.rs", include_str!("buckets.rs")),
        ("preflight.rs", include_str!("preflight.rs")),
        ("session.rs", include_str!("session.rs")),
        ("store.rs", include_str!("store.rs")),
        ("pending.rs", include_str!("pending.rs")),
    ];

    /// Every command a source names: `cmd("X")`, `redis.call('X'`, and
    /// the redis-rs methods the sync calls (`subscribe`, `ping`).
    fn named_commands() -> Vec<(String, &'static str)> {
        let mut found = Vec::new();
        for (file, text) in SOURCES {
            for quote in ["cmd(\"", "redis.call('"] {
                for piece in text.split(quote).skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect();
                    found.push((name.to_ascii_lowercase(), *file));
                }
            }
            for (method, command) in [(".subscribe(", "subscribe"), (".ping::", "ping")] {
                if text.contains(method) {
                    found.push((command.to_owned(), *file));
                }
            }
        }
        found
    }

    #[test]
    fn every_command_the_sync_names_is_in_the_table() {
        let found = named_commands();
        assert!(found.len() >= 8, "the sources were read: {found:?}");
        for (name, file) in found {
            // `SCRIPT LOAD` is the ACL's `script|load`.
            let listed = COMMANDS
                .iter()
                .any(|c| c.acl == name || c.acl.split('|').next() == Some(name.as_str()));
            assert!(listed, "{file} runs {name}, which the commands table lacks");
        }
    }

    #[test]
    fn the_probe_script_runs_every_command_on_keys_and_channels() {
        let script = probe_script();
        for command in COMMANDS.iter().filter(|c| c.used != Use::OnConnection) {
            let call = format!("{{'{}', ", command.acl.to_ascii_uppercase());
            assert!(
                script.contains(&call),
                "{} not probed:\n{script}",
                command.acl
            );
        }
        assert_eq!(
            PROBE_ORDER.len(),
            COMMANDS
                .iter()
                .filter(|c| c.used != Use::OnConnection)
                .count()
        );
    }

    #[test]
    fn the_documented_acl_is_the_tables() {
        let docs = include_str!("../../../docs/operations.md");
        let line = format!(
            "ACL SETUSER cognito-guard on >PASSWORD {}",
            acl_rules(crate::revocation::DEFAULT_REDIS_KEY_PREFIX)
        );
        assert!(
            docs.lines().any(|l| l == line),
            "docs/operations.md should show:\n{line}"
        );
    }
}
