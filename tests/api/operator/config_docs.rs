//! The operator's documents agree: every variable of the variables table of
//! `docs/configuration.md` is in `.env.example`, and the other way round
//! (issue #17, finding 9).

use std::collections::BTreeSet;

const CONFIGURATION: &str = include_str!("../../../docs/configuration.md");
const ENV_EXAMPLE: &str = include_str!("../../../.env.example");

/// The variables named in the first column of the variables table of
/// `docs/configuration.md` (the table under `## Environment variables`).
fn documented_variables() -> BTreeSet<String> {
    let section = CONFIGURATION
        .split("\n## Environment variables\n")
        .nth(1)
        .expect("an Environment variables section");
    let table = section
        .lines()
        .skip_while(|line| !line.starts_with("| variable |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    let mut names = BTreeSet::new();
    for row in table {
        let first = row.split('|').nth(1).unwrap_or("");
        for name in first.split('`').skip(1).step_by(2) {
            names.insert(name.to_owned());
        }
    }
    names
}

/// The variables `.env.example` sets or shows commented out (`#NAME=`).
fn example_variables() -> BTreeSet<String> {
    ENV_EXAMPLE
        .lines()
        .map(|line| line.trim_start_matches('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, _)| name)
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_variable_of_the_configuration_table_is_in_the_env_example() {
    let documented = documented_variables();
    assert!(documented.len() >= 25, "the table was read: {documented:?}");
    assert!(documented.contains("REDIS_URL") && documented.contains("RUST_LOG"));
    let example = example_variables();
    let missing: Vec<_> = documented.difference(&example).collect();
    assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    let unknown: Vec<_> = example.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "the table of docs/configuration.md lacks {unknown:?}"
    );
}
