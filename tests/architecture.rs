//! The house rules a compiler does not keep, checked over the sources: no module of the
//! API crate imports, directly or through others, a module that imports it back.
//!
//! Edges are `crate::…` and `super::…` paths (in `use` trees and in code, test modules
//! left out), each resolved to the file of the longest module path it names; the crate root
//! (`lib.rs`, reached by `crate::tracked!` and the other exported macros) is no edge. A
//! cycle is a strongly connected set of more than one file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module path a file declares (`domains/rural/mod.rs` → `domains::rural`).
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without comments and without its test module(s) (from `#[cfg(test)]` on).
fn code_of(source: &str) -> String {
    let source = source.split("#[cfg(test)]").next().unwrap_or_default();
    source
        .lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) cuts the line short: no module path follows one.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The paths a use tree (or a path in code) names after `crate::`/`super::`: `a::b`,
/// `a::{b, c::d}`, `a::*`. Returns the paths and the rest of the text.
fn tree<'s>(mut s: &'s str, prefix: &[String], out: &mut Vec<Vec<String>>) -> &'s str {
    let mut path = prefix.to_vec();
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('{') {
            s = rest;
            loop {
                s = tree(s, &path, out).trim_start();
                if let Some(rest) = s.strip_prefix(',') {
                    s = rest;
                    if let Some(rest) = s.trim_start().strip_prefix('}') {
                        return rest;
                    }
                } else {
                    return s.strip_prefix('}').unwrap_or(s);
                }
            }
        }
        // A macro's metavariable (`super::$domain::types`) may name any module there.
        let (name, rest) = match s.strip_prefix('$') {
            Some(var) => ("*", ident(var).1),
            None => ident(s),
        };
        if name.is_empty() || name == "self" {
            out.push(path);
            return rest;
        }
        path.push(name.to_owned());
        s = rest;
        match s.strip_prefix("::") {
            Some(rest) => s = rest,
            None => {
                out.push(path);
                return s;
            }
        }
    }
}

/// The module paths a file's code names through `crate::` and `super::`.
fn paths_in(file: &str, code: &str) -> Vec<Vec<String>> {
    let me = module_of(file);
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let preceded_by_ident = at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let found = if preceded_by_ident {
            None
        } else if let Some(r) = rest.strip_prefix("crate::") {
            Some((Vec::new(), r))
        } else if rest.starts_with("super::") {
            // `super` is the parent of the file's own module.
            let mut base = me.clone();
            let mut r = rest;
            while let Some(next) = r.strip_prefix("super::") {
                base.pop();
                r = next;
            }
            Some((base, r))
        } else {
            None
        };
        match found {
            Some((base, r)) => {
                let left = tree(r, &base, &mut out);
                at = code.len() - left.len();
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("read api/src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under api/src");
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read_to_string(&path).expect("a source file"));
        }
    }
}

/// File → the files it imports, for the library's modules (binaries are leaves).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    files.retain(|f, _| !f.starts_with("bin/") && f != "main.rs");
    let modules: BTreeMap<Vec<String>, String> = files.keys().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |path: &[String]| {
        (0..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n]).cloned())
    };
    // A path through a metavariable names every module it can expand to.
    let expand = |path: &Vec<String>| -> Vec<Vec<String>> {
        let Some(star) = path.iter().position(|s| s == "*") else {
            return vec![path.clone()];
        };
        let names: BTreeSet<&String> = modules
            .keys()
            .filter(|m| m.len() > star && m[..star] == path[..star])
            .map(|m| &m[star])
            .collect();
        names
            .into_iter()
            .map(|name| {
                let mut p = path.clone();
                p[star] = name.clone();
                p
            })
            .collect()
    };
    files
        .iter()
        .map(|(file, source)| {
            let targets = paths_in(file, &code_of(source))
                .iter()
                .flat_map(expand)
                .filter_map(|p| resolve(&p))
                .filter(|t| t != file && t != "lib.rs")
                .collect();
            (file.clone(), targets)
        })
        .collect()
}

/// The strongly connected sets of more than one file (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut set = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    set.insert(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    self.found.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn the_parser_reads_use_trees_and_paths() {
    let code = "use crate::{a::{b, c::D}, e};\nlet x = super::f::g(crate::h::I);\nuse crate::j::*;\n\
                $t(super::$m::types::$t)";
    let paths: BTreeSet<String> = paths_in("k/l.rs", code).iter().map(|p| p.join("::")).collect();
    let expected = ["a::b", "a::c::D", "e", "k::f::g", "h::I", "j", "k::*::types::*"];
    assert_eq!(paths, expected.iter().map(|s| s.to_string()).collect());
}

#[test]
fn no_module_imports_itself_back() {
    let graph = imports();
    // The walk sees the imports (a sample the test would miss if paths stopped resolving).
    assert!(graph["write.rs"].contains("record.rs"));
    assert!(graph["hub.rs"].contains("region/types.rs"));
    // A path through a macro's metavariable reaches every module it can name.
    assert!(graph["domains/registered.rs"].contains("domains/funeral/types/mod.rs"));
    assert!(graph["domains/registered.rs"].contains("domains/survey/types.rs"));
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles: {found:?}; cut each by moving what both sides need to a module beneath them"
    );
}

#[test]
fn a_loop_through_three_files_is_a_cycle() {
    let edges = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("c", "e")];
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges {
        graph.entry(from.to_owned()).or_default().insert(to.to_owned());
        graph.entry(to.to_owned()).or_default();
    }
    let found = cycles(&graph);
    let expected: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(found, vec![expected]);
}

/// The registered domains' folders under `api/src/domains/` (a folder is a domain).
fn domain_folders() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domains");
    std::fs::read_dir(&root)
        .expect("read api/src/domains")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_domain_is_one_folder_registered_once_with_its_tests() {
    let registered: BTreeSet<String> = api::domains::DOMAINS.iter().map(|d| d.key.to_owned()).collect();
    assert_eq!(
        registered.len(),
        api::domains::DOMAINS.len(),
        "a domain is registered once"
    );
    assert_eq!(
        domain_folders(),
        registered,
        "the folders under api/src/domains are the registered domains"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for key in &registered {
        for part in [
            "mod.rs",
            "policy.rs",
            "node.rs",
            "dashboard.rs",
            "query.rs",
            "mutation.rs",
        ] {
            let file = repo.join(format!("api/src/domains/{key}/{part}"));
            assert!(file.exists(), "{key} has no {part}");
        }
        assert!(
            repo.join(format!("entity/src/{key}")).is_dir(),
            "{key} has no entity folder"
        );
        assert!(
            repo.join(format!("tests/{key}.rs")).exists(),
            "{key} has no tests/{key}.rs"
        );
    }
}

#[test]
fn no_shared_part_names_a_domain_outside_the_registry() {
    let graph = imports();
    let domains = domain_folders();
    let mut named = Vec::new();
    for (file, imports) in &graph {
        let own = file
            .strip_prefix("domains/")
            .and_then(|rest| rest.split('/').next());
        // The registry itself names every domain; `testing.rs` re-exports what the tests and
        // the benchmark reach inside a domain for, and nothing in the library imports it.
        if file == "domains/mod.rs" || file == "domains/registered.rs" || file == "testing.rs" {
            continue;
        }
        for target in imports {
            let Some(domain) = target
                .strip_prefix("domains/")
                .and_then(|rest| rest.split('/').next())
            else {
                continue;
            };
            if domains.contains(domain) && own != Some(domain) {
                named.push(format!("{file} -> {target}"));
            }
        }
        if imports.contains("testing.rs") {
            named.push(format!(
                "{file} -> testing.rs (for the tests and the benchmark only)"
            ));
        }
    }
    assert!(
        named.is_empty(),
        "files that reach into a domain other than their own, outside the registry: {named:#?}"
    );
}

#[test]
fn the_architecture_page_names_files_that_exist() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let page = std::fs::read_to_string(repo.join("docs/architecture.md")).expect("docs/architecture.md");
    let mut checked = 0;
    for (i, token) in page.split('`').enumerate() {
        // Inside backticks, a path of the repository (not the example domain's).
        if i % 2 == 0 || !token.ends_with(".rs") || !token.contains('/') || token.contains("housing") {
            continue;
        }
        if token.contains('{') || token.contains(' ') {
            continue;
        }
        checked += 1;
        assert!(
            repo.join(token).exists(),
            "docs/architecture.md names {token}, which does not exist"
        );
    }
    assert!(checked >= 5, "the page names the registry's files: {checked}");
}
