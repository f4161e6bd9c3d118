//! The shape inside folders: no circle between the files of one folder (the index's and the
//! updater's follow their layer tables), no line of the UI wider than rustfmt's limit, and
//! integration tests where CONTRIBUTING.md says they live.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{code, layer_table, read, root, rust_files};

/// A folder's sibling modules (file stems, `mod` excluded: it is the folder's facade, and its
/// own items are the folder's shared vocabulary) and the module path of the folder.
fn siblings(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "mod")
        .collect()
}

/// Item name → the sibling it is re-exported from, read from `pub use x::{A, B}` in mod.rs.
fn reexports(mod_rs: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in mod_rs.lines().map(str::trim).filter(|l| l.starts_with("pub use ")) {
        let path = line.trim_start_matches("pub use ").trim_end_matches(';');
        let Some((module, items)) = path.split_once("::") else { continue };
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',').map(|i| i.trim().rsplit(' ').next().unwrap_or("")) {
            out.insert(item.to_owned(), module.to_owned());
        }
    }
    out
}

/// The siblings a file's code (its tests left out) names through `super::` or `prefix`
/// (`crate::<folder>::`), re-exports resolved to the file that defines them.
fn sibling_refs(
    text: &str,
    prefix: &str,
    names: &BTreeSet<String>,
    via: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let joined: String = text.lines().map(code).collect::<Vec<_>>().join("\n");
    let mut out = BTreeSet::new();
    for start in ["super::", prefix] {
        for (i, _) in joined.match_indices(start) {
            if joined[..i].ends_with("::")
                || joined[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let rest = &joined[i + start.len()..];
            let firsts: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())].split(',').map(str::trim).collect(),
                None => vec![rest],
            };
            for f in firsts {
                let head: String = f.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if names.contains(&head) {
                    out.insert(head);
                } else if let Some(m) = via.get(&head) {
                    out.insert(m.clone());
                }
            }
        }
    }
    out
}

/// The dependency graph between the files of one folder.
fn folder_graph(dir: &Path, module_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let names = siblings(dir);
    let via = reexports(&std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default());
    let prefix = format!("crate::{module_path}::");
    names
        .iter()
        .map(|n| {
            let text = read(&dir.join(format!("{n}.rs")));
            let mut refs = sibling_refs(&text, &prefix, &names, &via);
            refs.remove(n);
            (n.clone(), refs)
        })
        .collect()
}

/// A circle in `graph`, as the path that closes it, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_owned());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// Every folder of modules under `src` (one with a mod.rs), with its module path.
fn folders(src: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for f in rust_files(src).into_iter().filter(|f| f.file_name().is_some_and(|n| n == "mod.rs")) {
        let dir = f.parent().unwrap().to_owned();
        let path = dir.strip_prefix(src).unwrap().to_string_lossy().replace('/', "::");
        out.push((dir, path));
    }
    out
}

#[test]
fn no_circle_between_the_files_of_a_folder() {
    let mut problems = Vec::new();
    for src in ["server/src", "app/src"] {
        for (dir, path) in folders(&root().join(src)) {
            if let Some(c) = circle(&folder_graph(&dir, &path)) {
                problems.push(format!("{src}/{}: {}", path.replace("::", "/"), c.join(" → ")));
            }
        }
    }
    assert!(problems.is_empty(), "circles inside folders:\n{}", problems.join("\n"));
}

/// The files of `server/src/index/` and `server/src/updater/` use only files of lower layers,
/// as docs/architecture.md's tables draw them.
#[test]
fn the_files_of_index_and_updater_follow_their_layer_tables() {
    let mut problems = Vec::new();
    for folder in ["index", "updater"] {
        let heading = format!("server/src/{folder}");
        let table = layer_table(&heading);
        let graph = folder_graph(&root().join(&heading), folder);
        for n in graph.keys().filter(|n| !table.contains_key(*n)) {
            problems.push(format!("{heading}: `{n}.rs` is not in docs/architecture.md"));
        }
        for (n, refs) in &graph {
            let Some(&layer) = table.get(n) else { continue };
            for r in refs {
                match table.get(r) {
                    Some(&l) if l < layer => {}
                    Some(&l) => problems.push(format!("{heading}: `{n}` (layer {layer}) uses `{r}` (layer {l})")),
                    None => problems.push(format!("{heading}: `{n}` uses `{r}`, which is not in the table")),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_circle_finder_sees_a_circle_through_a_reexport() {
    let names: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
    let via = reexports("pub use c::{Thing, Other as O};\n");
    assert_eq!(via.get("Thing").map(String::as_str), Some("c"));
    let refs = sibling_refs("use super::{b::X, Thing};\n#[cfg(test)]\nuse super::a;", "crate::f::", &names, &via);
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["b", "c"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), BTreeSet::from([(*v).to_owned()])))
        .collect();
    assert_eq!(circle(&graph).map(|c| c.len()), Some(4));
}

/// A line with its string literals emptied: what is left is what a person could wrap.
fn without_strings(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == 'r' && chars.peek() == Some(&'#') {
            let hashes: String = std::iter::from_fn(|| chars.next_if_eq(&'#')).collect();
            if chars.next_if_eq(&'"').is_some() {
                let close = format!("\"{hashes}");
                let rest: String = chars.by_ref().collect();
                let after = rest.find(&close).map_or("", |i| &rest[i + close.len()..]);
                out.push_str("r\"\"");
                out.push_str(&without_strings(after));
                return out;
            }
            out.push(c);
            out.push_str(&hashes);
        } else if c == '"' {
            while let Some(d) = chars.next() {
                match d {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            out.push_str("\"\"");
        } else {
            out.push(c);
        }
    }
    out
}

/// rustfmt leaves `view!` blocks as they are written: in `app/src/ui/` no line may be wider
/// than rustfmt's limit (120) but for string literals, which cannot be wrapped.
#[test]
fn no_line_of_the_ui_is_over_the_width_limit() {
    let mut long = Vec::new();
    for file in rust_files(&root().join("app/src/ui")) {
        for (i, line) in read(&file).lines().enumerate() {
            if line.chars().count() > 120 && without_strings(line).chars().count() > 120 {
                long.push(format!("{}:{}", file.display(), i + 1));
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 characters:\n{}", long.join("\n"));
}

/// CONTRIBUTING.md's rule for where an integration test lives: `tests/tests/` only for what
/// needs the built app, Chromium, pouchdb-server or podman (or reads the whole repository).
#[test]
fn integration_tests_live_where_contributing_says() {
    let needs = ["TestServer", "Browser::start", "CouchServer", "podman", "target/dist"];
    let misplaced: Vec<String> = rust_files(&root().join("tests/tests"))
        .into_iter()
        .filter(|f| f.parent().is_some_and(|p| p.ends_with("tests/tests")) && !f.ends_with("repository.rs"))
        .filter(|f| !needs.iter().any(|n| read(f).contains(n)))
        .map(|f| f.display().to_string())
        .collect();
    assert!(misplaced.is_empty(), "these need none of {needs:?}: move them to server/tests/\n{}", misplaced.join("\n"));
}
