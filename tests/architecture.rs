//! The crate's shape, checked: no two modules import each other, the areas depend on each other in
//! one direction only (`docs/architecture.md`), and no function in `src/` is longer than 80 lines
//! unless a comment right above it says why.
//!
//! The checks read the sources as text: comments and string literals are blanked out, then every
//! `crate::...` and `super::...` path (and `use crate::{a, b}` group) is an edge from the file's
//! module to the module it names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A source file: its module path (`["train", "epoch"]`), its text, and the same with comments
/// and strings blanked.
struct Source {
    module: Vec<String>,
    text: String,
    code: String,
}

/// Every `.rs` file under `src/`.
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).expect("under src");
            let mut parts: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            let code = blank_comments_and_strings(&text);
            Source {
                module: parts,
                text,
                code,
            }
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `text` with comments and the contents of string and char literals replaced by spaces (line
/// breaks kept, so line numbers stay).
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push_str("  ");
            i += 2;
        } else if c == '"' || (c == 'r' && matches!(next, Some('"' | '#'))) {
            i = skip_string(&chars, i, &mut out);
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Blanks a (raw) string literal starting at `i`; returns the index after it.
fn skip_string(chars: &[char], mut i: usize, out: &mut String) -> usize {
    let mut hashes = 0;
    let raw = chars[i] == 'r';
    if raw {
        out.push(' ');
        i += 1;
        while chars[i] == '#' {
            hashes += 1;
            out.push(' ');
            i += 1;
        }
    }
    out.push(' ');
    i += 1;
    while i < chars.len() {
        if !raw && chars[i] == '\\' {
            out.push_str("  ");
            i += 2;
            continue;
        }
        if chars[i] == '"' && (0..hashes).all(|h| chars.get(i + 1 + h) == Some(&'#')) {
            out.push_str(&" ".repeat(1 + hashes));
            return i + 1 + hashes;
        }
        out.push(if chars[i] == '\n' { '\n' } else { ' ' });
        i += 1;
    }
    i
}

/// Whether the `'` at `i` opens a char literal (`'a'`, `'\n'`) rather than a lifetime.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// The modules a file names through `crate::` and `super::` paths, as full module paths.
fn references(me: &[String], text: &str) -> Vec<Vec<String>> {
    // The module `depth` levels of `super::` up from this file's module (the same for `a/b.rs`
    // and `a/b/mod.rs`; a `super::` inside an inline `mod tests` is read as the file's, which
    // names the file's parent or itself and so adds no edge between siblings it does not have).
    let parent = |depth: usize| -> Vec<String> { me[..me.len().saturating_sub(depth)].to_vec() };
    let mut refs = Vec::new();
    let bytes = text.as_bytes();
    let word_at = |i: usize, word: &str| {
        text[i..].starts_with(word)
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
    };
    let mut i = 0;
    while i < text.len() {
        let (base, rest) = if word_at(i, "crate::") {
            (Vec::new(), i + "crate::".len())
        } else if word_at(i, "super::") {
            let mut depth = 1;
            let mut j = i + "super::".len();
            while text[j..].starts_with("super::") {
                depth += 1;
                j += "super::".len();
            }
            (parent(depth), j)
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        for path in paths_after(&text[rest..]) {
            let mut full = base.clone();
            full.extend(path);
            refs.push(full);
        }
        i = rest;
    }
    refs
}

/// The module paths starting a `use` or inline path: `a::b::C` gives `[a, b, C]`, `{a, b::c}`
/// gives `[a]` and `[b, c]`.
fn paths_after(text: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(group) = text.strip_prefix('{') {
        let end = group.find('}').unwrap_or(group.len());
        return group[..end]
            .split(',')
            .map(|item| {
                item.trim()
                    .split("::")
                    .map(ident)
                    .filter(|p| !p.is_empty() && p != "self")
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.is_empty())
            .collect();
    }
    let mut path = Vec::new();
    let mut rest = text;
    loop {
        let part = ident(rest);
        if part.is_empty() {
            break;
        }
        rest = &rest[part.len()..];
        path.push(part);
        match rest.strip_prefix("::") {
            Some(more) if !more.starts_with('{') => rest = more,
            Some(more) => {
                let nested = paths_after(more);
                return nested
                    .into_iter()
                    .map(|tail| path.iter().cloned().chain(tail).collect())
                    .collect();
            }
            None => break,
        }
    }
    vec![path]
}

/// Every edge between sibling modules: `(a, b)` when a file in `a`'s subtree names `b`'s.
fn sibling_edges() -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for source in sources() {
        let me = &source.module;
        for target in references(me, &source.code) {
            let common = me.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < me.len() && common < target.len() {
                let from = me[..=common].join("::");
                let to = target[..=common].join("::");
                edges.insert((from, to));
            }
        }
    }
    edges
}

#[test]
fn no_two_modules_import_each_other() {
    let edges = sibling_edges();
    for (from, to) in [
        ("train", "model"),
        ("layers", "kernels"),
        ("kernels", "cell"),
    ] {
        assert!(
            edges.contains(&(from.into(), to.into())),
            "the scan finds the edges it should ({from} uses {to})"
        );
    }
    let mutual: Vec<_> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .collect();
    assert!(
        mutual.is_empty(),
        "modules that import each other: {mutual:?}"
    );
}

#[test]
fn the_areas_depend_on_each_other_in_one_direction() {
    let edges = sibling_edges();
    // From docs/architecture.md: what each area never uses.
    let never = [
        ("layers", ["data", "model", "train"].as_slice()),
        ("data", &["layers", "model", "train", "kernels"]),
        ("model", &["train", "data", "kernels"]),
        ("kernels", &["layers", "model", "train", "data", "io"]),
        ("cell", &["layers", "kernels", "model", "train", "data"]),
        ("io", &["layers", "model", "train", "data", "kernels"]),
    ];
    for (area, forbidden) in never {
        for other in forbidden {
            assert!(
                !edges.contains(&(area.to_string(), other.to_string())),
                "{area} uses {other}, which docs/architecture.md says it never does"
            );
        }
    }
}

#[test]
fn no_function_in_src_is_over_80_lines_without_a_reason() {
    let mut long = Vec::new();
    for source in sources() {
        let code: Vec<&str> = source.code.lines().collect();
        let text: Vec<&str> = source.text.lines().collect();
        for (start, line) in code.iter().enumerate() {
            let Some(name) = function_name(line) else {
                continue;
            };
            let Some(length) = body_length(&code[start..]) else {
                continue;
            };
            if length > 80 && !reason_above(&text[..start]) {
                long.push(format!(
                    "{}::{name} ({length} lines)",
                    source.module.join("::")
                ));
            }
        }
    }
    assert!(long.is_empty(), "functions over 80 lines: {long:?}");
}

/// The name of the function a line declares, if it does.
fn function_name(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let after = trimmed
        .split_whitespace()
        .skip_while(|w| {
            w.starts_with("pub")
                || matches!(
                    *w,
                    "const" | "unsafe" | "async" | "extern" | "\"C\"" | "default"
                )
        })
        .collect::<Vec<_>>();
    match after.as_slice() {
        ["fn", name, ..] => Some(name.split(['(', '<']).next().unwrap_or(name).to_string()),
        _ => None,
    }
}

/// Lines from a function's declaration to its closing brace; `None` for a declaration without a
/// body (a trait method).
fn body_length(lines: &[&str]) -> Option<usize> {
    let mut depth = 0i32;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate() {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened && depth == 0 => return None,
                _ => {}
            }
        }
        if opened && depth == 0 {
            return Some(n + 1);
        }
    }
    None
}

/// Whether the comment and attribute lines at the end of `before` (the lines above a function)
/// say why it is long: "long because" or "over 80 lines".
fn reason_above(before: &[&str]) -> bool {
    before
        .iter()
        .rev()
        .take_while(|l| {
            let l = l.trim_start();
            l.starts_with("//") || l.starts_with("#[")
        })
        .any(|l| l.contains("long because") || l.contains("over 80 lines"))
}

#[test]
fn the_scan_reads_paths_comments_and_strings() {
    let me = ["x".to_string(), "y".to_string()];
    let code = blank_comments_and_strings(
        "use crate::a::{b, c::D};\n// crate::commented\nlet s = \"crate::quoted\";\nsuper::z::f();",
    );
    let refs = references(&me, &code);
    let strings: Vec<String> = refs.iter().map(|r| r.join("::")).collect();
    assert_eq!(strings, ["a::b", "a::c::D", "x::z::f"]);
    let deep = ["p".to_string(), "q".to_string(), "r".to_string()];
    let refs = references(&deep, "super::super::t::U");
    assert_eq!(refs, [vec!["p".to_string(), "t".into(), "U".into()]]);
    let lines = ["fn long() {", "    let a = '{';", "}"];
    let code = blank_comments_and_strings(&lines.join("\n"));
    let code: Vec<&str> = code.lines().collect();
    assert_eq!(function_name(code[0]).as_deref(), Some("long"));
    assert_eq!(body_length(&code), Some(3));
    assert_eq!(body_length(&["    fn declared(&self) -> usize;"]), None);
    assert!(reason_above(&[
        "// long because: one match per cell",
        "#[inline]"
    ]));
    assert!(!reason_above(&["/// Does a thing."]));
}
