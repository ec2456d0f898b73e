//! One Cedar decision of an `allow = "policy"` rule, in isolation: the
//! bench's 10-policy set (`bench/policies/ten.cedar`) on a verified ID
//! token: the decision kept (the same token asking the same request
//! again), the principal kept from an earlier request (a new request of a
//! token seen before), and everything built anew (a token's first).

// Shared with the verification bench, which uses all of it.
#[allow(dead_code)]
mod support;

use actix_web::http::Method;
use cognito_guard::auth::Verdict;
use cognito_guard::policies::{CedarNames, PolicyEngine, PolicySources, RequestFacts, SourceFile};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use support::{bench_key, id_token, verifier};

fn bench(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let key = bench_key();
    let verifier = verifier("10000", &key.jwks);
    let extra = json!({"cognito:groups": ["staff", "auditor"], "custom:tenant_id": "acme"});
    let token = id_token(&key.key, extra);
    let Verdict::Decided(Ok(claims)) = verifier.check(&token) else {
        panic!("the bench token verifies")
    };

    let text =
        std::fs::read_to_string(format!("{root}/bench/policies/ten.cedar")).expect("policies");
    let engine = PolicyEngine::load(&PolicySources {
        files: vec![SourceFile {
            name: "ten.cedar".to_owned(),
            text,
        }],
        schema: None,
        names: CedarNames::avp("Bench"),
    })
    .expect("the bench policies load");
    assert_eq!(engine.policy_count(), 10);
    let action = engine.rule_action("/cedar/{tenant}/**", None);
    let captures = [("tenant", "acme")];
    let facts = RequestFacts {
        method: &Method::GET,
        path: "/cedar/acme/orders/42",
        rule: "cedar",
        captures: &captures,
    };
    assert!(engine.decide(&claims, &action, facts).allowed);
    assert!(engine.decide_first_time(&claims, &action, facts).allowed);

    c.bench_function(
        "policy/decide, 10 policies, decision kept (same token and request)",
        |b| b.iter(|| engine.decide(std::hint::black_box(&claims), &action, facts)),
    );
    c.bench_function(
        "policy/decide, 10 policies, principal kept (a new request)",
        |b| b.iter(|| engine.decide_new_request(std::hint::black_box(&claims), &action, facts)),
    );
    c.bench_function(
        "policy/decide, 10 policies, principal built (entity build included)",
        |b| b.iter(|| engine.decide_first_time(std::hint::black_box(&claims), &action, facts)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
