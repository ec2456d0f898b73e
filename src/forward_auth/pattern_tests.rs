//! Path patterns: what each form matches, and the patterns refused.

use super::PathPattern;

fn pattern(text: &str) -> PathPattern {
    PathPattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn each_form_matches_exactly_its_paths() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("/", &["/"], &["/a", "/a/"]),
        (
            "/healthz",
            &["/healthz"],
            &["/healthz/", "/Healthz", "/healthzz", "/", "/healthz/x"],
        ),
        ("/api/x/", &["/api/x/"], &["/api/x", "/api/x/y"]),
        (
            "/api/*",
            &["/api/a", "/api/%"],
            &["/api", "/api/", "/api/a/b", "/apix/a"],
        ),
        (
            "/api/*/x",
            &["/api/a/x"],
            &["/api//x", "/api/a/x/", "/api/a/y"],
        ),
        (
            "/api/**",
            &["/api", "/api/", "/api/a", "/api/a/b/c/"],
            &["/apix", "/ap", "/", "/API/a"],
        ),
        ("/api/*/**", &["/api/a", "/api/a/b"], &["/api", "/api/"]),
        ("/**", &["/", "/a", "/a/b/"], &[]),
        ("/ünï/*", &["/ünï/a"], &["/uni/a"]),
    ];
    for (text, matching, not_matching) in cases {
        let p = pattern(text);
        for path in *matching {
            assert!(p.matches(path), "{text} should match {path}");
        }
        for path in *not_matching {
            assert!(!p.matches(path), "{text} should not match {path}");
        }
    }
}

#[test]
fn patterns_that_cannot_match_as_meant_are_refused() {
    for text in [
        "", "api", "*", "//", "/a//b", "//**", "/a/**/b", "/**/a", "/a**", "/a/b**", "/a*",
        "/*a/b", "/a/./b", "/a/..", "/a?b=1", "/a#x", "/%61dmin", "/a\\b", "/a b", "/a\tb",
        "/a\u{0}", "/a/***",
    ] {
        assert!(PathPattern::parse(text).is_err(), "{text:?} accepted");
    }
}

#[test]
fn covers_is_sound_on_the_usual_shapes() {
    let yes = [
        ("/**", "/"),
        ("/**", "/api/**"),
        ("/api/**", "/api"),
        ("/api/**", "/api/x/**"),
        ("/api/**", "/api/*/y"),
        ("/api/*", "/api/x"),
        ("/api/x", "/api/x"),
        ("/api/*/**", "/api/x/**"),
    ];
    for (a, b) in yes {
        assert!(pattern(a).covers(&pattern(b)), "{a} covers {b}");
    }
    let no = [
        ("/api/x/**", "/api/**"),
        ("/api/x", "/api/**"),
        ("/api/*", "/api/"),
        ("/api/x", "/api/*"),
        ("/api/*", "/api/x/y"),
        ("/api/*/**", "/api/**"),
        ("/", "/**"),
        ("/a", "/b"),
    ];
    for (a, b) in no {
        assert!(!pattern(a).covers(&pattern(b)), "{a} does not cover {b}");
    }
}

#[test]
fn captures_take_one_segment_under_their_name() {
    let p = pattern("/tenants/{tenant}/reports/{report}");
    assert!(p.matches("/tenants/acme/reports/q1"));
    assert!(!p.matches("/tenants//reports/q1"));
    assert!(!p.matches("/tenants/acme/reports/q1/x"));
    assert_eq!(
        p.captures("/tenants/acme/reports/q1"),
        [("tenant", "acme"), ("report", "q1")]
    );
    assert_eq!(p.capture_names().collect::<Vec<_>>(), ["tenant", "report"]);
    let prefix = pattern("/t/{tenant}/**");
    assert_eq!(prefix.captures("/t/a/b/c"), [("tenant", "a")]);
    assert!(pattern("/t/*").covers(&pattern("/t/{x}")));
    assert!(pattern("/t/{x}").covers(&pattern("/t/y")));
    for refused in [
        "/t/{}",
        "/t/x{a}",
        "/t/{a}{b}",
        "/t/{1a}",
        "/t/{a}/{a}",
        "/t/{a-b}",
    ] {
        assert!(PathPattern::parse(refused).is_err(), "{refused}");
    }
}
