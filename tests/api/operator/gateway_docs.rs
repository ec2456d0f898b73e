//! The gateway pages of `docs/` point at the examples the gateway tests
//! run, rather than copying them: every example file is linked, and every
//! relative link resolves.

/// Each gateway's page (`docs/gateways/<gateway>.md`) links every file of
/// its example (`examples/<gateway>/`) by a relative link, the overview
/// links the rules file, and every relative link of these pages resolves:
/// the pages explain the examples rather than copy them, so they must not
/// point at a file that is gone.
#[test]
fn the_gateway_pages_link_every_example_file_and_each_link_resolves() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = root.join("docs").join("gateways");
    let mut expected = vec![("README.md".to_owned(), "guard.toml".to_owned())];
    for gateway in ["nginx", "caddy", "traefik", "envoy"] {
        let dir = root.join("examples").join(gateway);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.is_file())
            .map(|path| {
                let name = path.file_name().expect("a file name").to_string_lossy();
                format!("{gateway}/{name}")
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "examples/{gateway} has no file");
        for file in files {
            expected.push((format!("{gateway}.md"), file));
        }
    }
    for (page, file) in &expected {
        let text = std::fs::read_to_string(pages.join(page))
            .unwrap_or_else(|e| panic!("docs/gateways/{page}: {e}"));
        let link = format!("../../examples/{file}");
        assert!(
            relative_links(&text).contains(&link),
            "docs/gateways/{page} does not link examples/{file} as ({link})"
        );
    }
    for page in std::fs::read_dir(&pages).expect("docs/gateways") {
        let page = page.expect("a directory entry").path();
        if page.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&page).expect("a page");
        for link in relative_links(&text) {
            let target = link.split('#').next().unwrap_or("");
            assert!(
                target.is_empty() || pages.join(target).exists(),
                "{} links {link}, which does not exist",
                page.display()
            );
        }
    }
}

/// The targets of the Markdown links (`[text](target)`) of `text` outside
/// code blocks, but for those with a scheme (`https:`, `mailto:`).
fn relative_links(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut links = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        for rest in line.split("](").skip(1) {
            let Some((target, _)) = rest.split_once(')') else {
                continue;
            };
            if !target.contains(':') {
                links.push(target.to_owned());
            }
        }
    }
    links
}
