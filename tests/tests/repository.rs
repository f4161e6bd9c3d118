//! The repository keeps its own shape: module dependencies run one way as
//! `docs/architecture.md` draws them, every rule id a comment cites is defined in
//! `docs/rules.md`, nothing points outside the repository, and no Rust file (400 lines) or
//! function (60) outgrows what a reviewer reads at once.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

// The files of one folder among themselves, the UI's line width, and where tests live.
#[path = "repository/folders.rs"]
mod folders;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The layer table under `### <heading>` in docs/architecture.md: module → layer.
fn layer_table(heading: &str) -> BTreeMap<String, u32> {
    let doc = read(&root().join("docs/architecture.md"));
    let section = doc.split(&format!("### {heading}")).nth(1).unwrap_or_else(|| panic!("no section {heading}"));
    let section = section.split("\n### ").next().unwrap_or_default();
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Ok(layer) = cells[1].parse::<u32>() else { continue };
        for m in cells[2].split(',') {
            let m = m.trim().trim_matches('`');
            assert!(table.insert(m.to_owned(), layer).is_none(), "{m} is listed twice in {heading}");
        }
    }
    table
}

/// The crate's top-level modules and the files each consists of.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let p = entry.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            out.entry(name).or_default().extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            out.entry(name).or_default().push(p);
        }
    }
    out
}

/// The code of a line, without its comment (a `//` inside a string is rare enough here).
fn code(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    match line.find("// ") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

/// Top-level modules named by `crate::` paths in `text`, grouped imports included.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let joined: String = text.lines().map(code).collect::<Vec<_>>().join("\n");
    for (i, _) in joined.match_indices("crate::") {
        let before = joined[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // e.g. `$crate::` or a longer identifier
        }
        let rest = &joined[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(inner.split(',').filter_map(|s| ident(s.trim())));
        } else if let Some(m) = ident(rest) {
            out.insert(m);
        }
    }
    out
}

fn ident(s: &str) -> Option<String> {
    let m: String = s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!m.is_empty() && m.chars().next().is_some_and(|c| c.is_lowercase())).then_some(m)
}

/// Checks one crate against its table; returns the problems found.
fn check_layers(src: &Path, heading: &str, root_items: &[&str]) -> Vec<String> {
    let table = layer_table(heading);
    let mods = modules(src);
    let mut problems = Vec::new();
    for m in mods.keys().filter(|m| !table.contains_key(*m)) {
        problems.push(format!("{heading}: module `{m}` is not in docs/architecture.md"));
    }
    for m in table.keys().filter(|m| !mods.contains_key(*m)) {
        problems.push(format!("{heading}: docs/architecture.md lists `{m}`, which does not exist"));
    }
    for (m, files) in &mods {
        let Some(&layer) = table.get(m) else { continue };
        let refs: BTreeSet<String> = files.iter().flat_map(|f| crate_refs(&read(f))).collect();
        for r in refs.iter().filter(|r| *r != m && !root_items.contains(&r.as_str())) {
            match table.get(r) {
                Some(&l) if l < layer => {}
                Some(&l) => problems.push(format!("{heading}: `{m}` (layer {layer}) uses `{r}` (layer {l})")),
                None => problems.push(format!("{heading}: `{m}` uses `{r}`, which is not in the table")),
            }
        }
    }
    problems
}

#[test]
fn module_dependencies_run_one_way_as_documented() {
    let mut problems = check_layers(&root().join("server/src"), "server", &["SQLITE_FILE"]);
    problems.extend(check_layers(&root().join("app/src"), "app", &[]));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reference_parser_sees_grouped_and_inline_paths() {
    let refs = crate_refs("use crate::{store::Db, live};\n// crate::commented\nlet x = crate::now() + $crate::no;\n");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["live", "now", "store"]);
}

/// Rule ids defined in docs/rules.md (`- **S8** ...`), each once.
fn defined_rules() -> BTreeSet<String> {
    let doc = read(&root().join("docs/rules.md"));
    let mut ids = BTreeSet::new();
    for line in doc.lines() {
        if let Some(rest) = line.strip_prefix("- **") {
            let id = &rest[..rest.find("**").unwrap_or(0)];
            assert!(is_rule_id(id), "malformed rule id {id:?} in docs/rules.md");
            assert!(ids.insert(id.to_owned()), "{id} is defined twice in docs/rules.md");
        }
    }
    ids
}

fn is_rule_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| "SUHCADKX".contains(c))
        && (2..=3).contains(&s.len())
        && chars.all(|c| c.is_ascii_digit())
        && !s[1..].starts_with('0')
}

/// Rule ids cited in the comments of `text`.
fn cited_rules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let Some(i) = line.find("//") else { continue };
        let comment = &line[i..];
        for word in comment.split(|c: char| !c.is_ascii_alphanumeric()) {
            if is_rule_id(word) {
                out.insert(word.to_owned());
            }
        }
    }
    out
}

#[test]
fn every_rule_id_cited_in_a_comment_is_defined_in_docs() {
    let defined = defined_rules();
    let mut missing = BTreeMap::<String, String>::new();
    for dir in ["app", "server", "frontend", "tests"] {
        for f in rust_files(&root().join(dir)) {
            for id in cited_rules(&read(&f)).difference(&defined) {
                missing.entry(id.clone()).or_insert_with(|| f.display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "cited but not defined in docs/rules.md: {missing:?}");
}

/// Files git tracks, relative to the root.
fn tracked_files() -> Vec<PathBuf> {
    let out = std::process::Command::new("git").arg("ls-files").current_dir(root()).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(PathBuf::from).collect()
}

/// What a reference to the notes kept beside the checkout looks like. Assembled from parts so
/// that this file names none of them itself and is checked like every other.
fn outside_names() -> [String; 5] {
    [
        ["..", "/shared"].concat(),
        ["DESIGN", ".md"].concat(),
        ["STATS2", "-BEHAVIOUR"].concat(),
        ["TOOLCHAIN", ".md"].concat(),
        ["/work", "/"].concat(),
    ]
}

#[test]
fn nothing_refers_to_a_path_outside_the_repository() {
    let outside = outside_names();
    let mut problems = Vec::new();
    for f in tracked_files() {
        let Ok(text) = std::fs::read_to_string(root().join(&f)) else { continue };
        for word in outside.iter().filter(|w| text.contains(w.as_str())) {
            problems.push(format!("{} mentions {word}", f.display()));
        }
        if f.extension().is_some_and(|e| e == "md") {
            problems.extend(broken_links(&f, &text));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Relative Markdown links of `file` that do not resolve inside the repository.
fn broken_links(file: &Path, text: &str) -> Vec<String> {
    let dir = root().join(file).parent().unwrap().to_owned();
    let mut out = Vec::new();
    // Inline code (`[d](x)` as an example) is not a link.
    let text: String =
        text.lines().map(|l| l.split('`').step_by(2).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n");
    for (i, _) in text.match_indices("](") {
        let target = &text[i + 2..];
        let target = &target[..target.find(')').unwrap_or(0)];
        let path = target.split('#').next().unwrap_or_default();
        if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
            continue;
        }
        let resolved = dir.join(path);
        if !resolved.exists() || !resolved.canonicalize().unwrap().starts_with(root().canonicalize().unwrap()) {
            out.push(format!("{}: link to {target} does not resolve in the repository", file.display()));
        }
    }
    out
}

#[test]
fn test_logs_are_not_committed() {
    let logs: Vec<PathBuf> =
        tracked_files().into_iter().filter(|f| f.extension().is_some_and(|e| e == "log")).collect();
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
fn no_rust_file_is_over_400_lines() {
    let mut long = Vec::new();
    for dir in ["app", "server", "frontend", "tests"] {
        for f in rust_files(&root().join(dir)) {
            let n = read(&f).lines().count();
            if n > 400 {
                long.push(format!("{} has {n} lines", f.display()));
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// Whether `line` starts a function (a definition or a trait method's signature).
fn starts_fn(line: &str) -> bool {
    let mut t = line.trim_start();
    for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async ", "unsafe "] {
        t = t.strip_prefix(prefix).unwrap_or(t);
    }
    t.starts_with("fn ")
}

/// Brace depth change of one line of code, skipping strings, raw strings, char literals and
/// comments; `raw` carries a raw string (`r#"...`) over line ends.
fn brace_delta(line: &str, raw: &mut bool) -> (i32, bool) {
    let chars: Vec<char> = line.chars().collect();
    let (mut depth, mut opened, mut i, mut in_str) = (0, false, 0, false);
    while i < chars.len() {
        let c = chars[i];
        if *raw {
            if c == '"' && chars.get(i + 1) == Some(&'#') {
                *raw = false;
                i += 1;
            }
        } else if in_str {
            match c {
                '\\' => i += 1,
                '"' => in_str = false,
                _ => {}
            }
        } else if c == 'r' && chars.get(i + 1) == Some(&'#') && chars.get(i + 2) == Some(&'"') {
            *raw = true;
            i += 2;
        } else if c == '"' {
            in_str = true;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 2;
        } else if c == '\'' && chars.get(i + 1) == Some(&'\\') {
            i += 3;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            break;
        } else if c == '{' {
            depth += 1;
            opened = true;
        } else if c == '}' {
            depth -= 1;
        }
        i += 1;
    }
    (depth, opened)
}

/// Functions of `text` longer than `limit` lines: (first line, length).
fn long_functions(text: &str, limit: usize) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !starts_fn(lines[i]) || lines[i].trim_start().starts_with("//") {
            i += 1;
            continue;
        }
        let (mut depth, mut opened, mut raw, mut j) = (0, false, false, i);
        while j < lines.len() {
            let (d, o) = brace_delta(lines[j], &mut raw);
            depth += d;
            opened |= o;
            if (opened && depth <= 0) || (!opened && lines[j].trim_end().ends_with(';')) {
                break;
            }
            j += 1;
        }
        if opened && j + 1 - i > limit {
            out.push((i + 1, j + 1 - i));
        }
        i = if opened { j + 1 } else { i + 1 };
    }
    out
}

#[test]
fn the_function_measure_counts_braces_in_code_only() {
    let text = "fn a() {\n    let s = \"}}}\";\n    let c = '}';\n    // }\n    let r = r#\"{\"\"#;\n}\nfn b();\n";
    assert_eq!(long_functions(text, 5), [(1, 6)]);
    assert!(long_functions(text, 6).is_empty());
}

#[test]
fn no_function_is_over_60_lines() {
    let mut long = Vec::new();
    for dir in ["app", "server", "frontend", "tests"] {
        for f in rust_files(&root().join(dir)) {
            for (line, n) in long_functions(&read(&f), 60) {
                long.push(format!("{}:{line} is {n} lines", f.display()));
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
