//! The engine's layers, checked: every module of `chronoscope-core` belongs to one layer, imports
//! only from its own layer and those below, and no modules import each other in a loop, neither
//! the crate's modules nor the files of one module's folder. A new module must be given its
//! layer here (`LAYERS`), which is how `docs/ARCHITECTURE.md` describes the engine.
//!
//! Imports are read from the source with syn: every path that starts with `crate::` (in `use`,
//! in code, in a macro's tokens, and in attributes such as `serde(deserialize_with = "...")`),
//! and, within a folder, every `super::` path. Doc comments and `#[cfg(test)]` code are not
//! imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

/// The engine's layers, lowest first. A module may import its own layer's modules (without a
/// loop) and those of the layers below.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations",
        &[
            "cores",
            "csv_out",
            "depth",
            "diff",
            "event",
            "number",
            "origin",
            "patch",
            "problem",
            "source_text",
            "stored_zip",
            "time",
            "waiting",
        ],
    ),
    ("reading", &["decode", "link", "projection"]),
    ("replay", &["follow", "ingest", "reduce", "timeline"]),
    (
        "questions",
        &[
            "blame",
            "event_query",
            "query",
            "selection",
            "table",
            "trail",
            "view",
        ],
    ),
    ("contracts", &["embed", "evidence", "export", "integrity"]),
    ("protocol", &["engine"]),
];

/// Where one module imports another: the importing file.
type Imports = BTreeMap<(String, String), BTreeSet<String>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `.rs` files under a folder, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The paths a file's code names, each as its segments (`crate::decode::canonical` is
/// `["crate", "decode", "canonical"]`), leaving out doc comments and `#[cfg(test)]` items.
fn paths_in_source(text: &str) -> Vec<Vec<String>> {
    let mut file = syn::parse_file(text).expect("the engine's source parses");
    drop_test_items(&mut file.items);
    let mut paths = Vec::new();
    scan(file.into_token_stream(), &mut paths);
    paths
}

fn drop_test_items(items: &mut Vec<syn::Item>) {
    items.retain(|item| !is_test_only(item));
    for item in items {
        if let syn::Item::Mod(syn::ItemMod {
            content: Some((_, inner)),
            ..
        }) = item
        {
            drop_test_items(inner);
        }
    }
}

fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        _ => return false,
    };
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg") && attr.meta.to_token_stream().to_string() == "cfg (test)"
    })
}

/// Collects every path rooted at `crate` or `super` in the tokens, inside groups too; a string
/// literal that holds such a path (as serde's attributes do) counts as one.
fn scan(tokens: TokenStream, paths: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut at = 0;
    while at < tokens.len() {
        match &tokens[at] {
            TokenTree::Punct(punct) if punct.as_char() == '#' && is_doc(tokens.get(at + 1)) => {
                at += 2;
                continue;
            }
            TokenTree::Ident(ident) if *ident == "crate" || *ident == "super" => {
                let (found, next) = path_at(&tokens, at);
                paths.extend(found);
                at = next;
                continue;
            }
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                let inner = text.trim_matches('"');
                if inner.starts_with("crate::") || inner.starts_with("super::") {
                    paths.push(inner.split("::").map(str::to_string).collect());
                }
            }
            TokenTree::Group(group) => scan(group.stream(), paths),
            _ => {}
        }
        at += 1;
    }
}

/// True for the bracket after a `#` that holds a doc comment.
fn is_doc(next: Option<&TokenTree>) -> bool {
    let Some(TokenTree::Group(group)) = next else {
        return false;
    };
    group.delimiter() == Delimiter::Bracket
        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "doc")
}

/// The paths starting at `tokens[at]` (a `use` group gives several), and where scanning goes on.
fn path_at(tokens: &[TokenTree], at: usize) -> (Vec<Vec<String>>, usize) {
    let TokenTree::Ident(first) = &tokens[at] else {
        return (Vec::new(), at + 1);
    };
    let mut prefix = vec![first.to_string()];
    let mut next = at + 1;
    while is_path_separator(tokens, next) {
        match tokens.get(next + 2) {
            Some(TokenTree::Ident(ident)) => {
                prefix.push(ident.to_string());
                next += 3;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                let items = use_group_items(group.stream());
                let paths = items
                    .into_iter()
                    .map(|item| prefix.iter().cloned().chain(item).collect())
                    .collect();
                return (paths, next + 3);
            }
            _ => break,
        }
    }
    (vec![prefix], next)
}

/// The paths of a `use` group, `{a, b::c, d::{e, f}}`, each as its segments.
fn use_group_items(tokens: TokenStream) -> Vec<Vec<String>> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut items = Vec::new();
    for item in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        if item.is_empty() {
            continue;
        }
        let (paths, _) = path_at(item, 0);
        items.extend(paths);
    }
    items
}

fn is_path_separator(tokens: &[TokenTree], at: usize) -> bool {
    let colon =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':');
    colon(tokens.get(at)) && colon(tokens.get(at + 1))
}

/// The crate's top-level modules (a file or folder directly in `src/`, but `lib.rs` and `bin/`).
fn top_modules(src: &Path) -> BTreeSet<String> {
    rust_files(src)
        .iter()
        .filter_map(|file| top_module(src, file))
        .collect()
}

fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (name != "lib" && name != "bin").then(|| name.to_string())
}

/// Which top-level module imports which, and from which files.
fn crate_imports(src: &Path) -> Imports {
    let modules = top_modules(src);
    let mut imports = Imports::new();
    for file in rust_files(src) {
        let Some(from) = top_module(src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for path in paths_in_source(&text) {
            if let [root, to, ..] = path.as_slice() {
                if root == "crate" && *to != from && modules.contains(to) {
                    let shown = file.strip_prefix(src).unwrap_or(&file).display();
                    imports
                        .entry((from.clone(), to.clone()))
                        .or_default()
                        .insert(shown.to_string());
                }
            }
        }
    }
    imports
}

/// Which file of a module's folder imports which sibling file (`super::x`, `crate::folder::x`);
/// the folder's `mod.rs` is the parent, which its files may use and which declares them.
fn folder_imports(src: &Path, folder: &str) -> Imports {
    let dir = src.join(folder);
    let stem = |file: &Path| {
        file.file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
    };
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("a readable module folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    let siblings: BTreeSet<String> = files
        .iter()
        .filter_map(|f| stem(f))
        .filter(|s| s != "mod")
        .collect();
    let mut imports = Imports::new();
    for file in &files {
        let Some(from) = stem(file).filter(|s| siblings.contains(s)) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for path in paths_in_source(&text) {
            let to = match path.as_slice() {
                [root, to, ..] if root == "super" => to,
                [root, dir, to, ..] if root == "crate" && dir == folder => to,
                _ => continue,
            };
            if *to != from && siblings.contains(to) {
                imports
                    .entry((from.clone(), to.clone()))
                    .or_default()
                    .insert(format!("{folder}/{from}.rs"));
            }
        }
    }
    imports
}

/// Each loop of modules that import each other, with the imports that close it.
fn loops(imports: &Imports) -> Vec<String> {
    let mut graph = DiGraphMap::<&str, ()>::new();
    for (from, to) in imports.keys() {
        graph.add_edge(from.as_str(), to.as_str(), ());
    }
    tarjan_scc(&graph)
        .into_iter()
        .filter(|members| members.len() > 1)
        .map(|members| {
            let members: BTreeSet<&str> = members.into_iter().collect();
            let edges: Vec<String> = imports
                .iter()
                .filter(|((from, to), _)| {
                    members.contains(from.as_str()) && members.contains(to.as_str())
                })
                .map(|((from, to), files)| format!("{from} -> {to} (in {files:?})"))
                .collect();
            format!("{members:?}: {}", edges.join("; "))
        })
        .collect()
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

#[test]
fn every_module_has_one_layer() {
    let on_disk = top_modules(&src_dir());
    let listed: Vec<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let listed_set: BTreeSet<String> = listed.iter().map(|m| m.to_string()).collect();
    assert_eq!(listed.len(), listed_set.len(), "a module is in two layers");
    assert_eq!(
        on_disk, listed_set,
        "the modules in src/ and those in LAYERS differ: give a new module its layer"
    );
}

#[test]
fn modules_import_only_their_layer_and_below() {
    let upward: Vec<String> = crate_imports(&src_dir())
        .into_iter()
        .filter(|((from, to), _)| layer_of(from) < layer_of(to))
        .map(|((from, to), files)| {
            let name = |m: &str| layer_of(m).map_or("none", |l| LAYERS[l].0);
            format!(
                "{from} ({}) imports {to} ({}) in {files:?}",
                name(&from),
                name(&to)
            )
        })
        .collect();
    assert!(upward.is_empty(), "imports going up a layer: {upward:#?}");
}

#[test]
fn no_modules_import_each_other_in_a_loop() {
    let imports = crate_imports(&src_dir());
    assert!(
        imports.len() > 50,
        "too few imports found: {}",
        imports.len()
    );
    let found = loops(&imports);
    assert!(found.is_empty(), "module loops: {found:#?}");
}

#[test]
fn no_files_of_a_folder_import_each_other_in_a_loop() {
    let src = src_dir();
    let folders: Vec<String> = std::fs::read_dir(&src)
        .expect("a readable src folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir() && path.join("mod.rs").exists())
        .filter_map(|path| path.file_name()?.to_str().map(str::to_string))
        .collect();
    assert!(folders.len() >= 5, "module folders found: {folders:?}");
    for folder in folders {
        let found = loops(&folder_imports(&src, &folder));
        assert!(found.is_empty(), "loops within {folder}/: {found:#?}");
    }
}

/// The reader of imports finds each way a path is written, and skips what is not an import.
#[test]
fn the_import_reader_finds_every_form_and_skips_docs_and_tests() {
    let text = r#"
        //! Uses `crate::doc_only` in a comment.
        use crate::alpha;
        use crate::{beta, gamma::inner, delta::{one, two}};
        use super::{sibling, Type};
        #[serde(deserialize_with = "crate::epsilon::read")]
        struct S;
        fn f() { let _ = format!("{}", crate::zeta::count(1)); }
        /// See crate::doc_too.
        fn g() {}
        #[cfg(test)]
        mod tests { use crate::test_only; }
    "#;
    let roots: BTreeSet<String> = paths_in_source(text)
        .into_iter()
        .map(|path| path[..2.min(path.len())].join("::"))
        .collect();
    let expected = [
        "crate::alpha",
        "crate::beta",
        "crate::gamma",
        "crate::delta",
        "crate::epsilon",
        "crate::zeta",
        "super::sibling",
        "super::Type",
    ];
    assert_eq!(roots, expected.iter().map(|s| s.to_string()).collect());
}

/// A loop is found and named with the imports that close it.
#[test]
fn a_loop_is_found_and_named() {
    let mut imports = Imports::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        imports
            .entry((from.into(), to.into()))
            .or_default()
            .insert(format!("{from}.rs"));
    }
    let found = loops(&imports);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("c -> a (in {\"c.rs\"})"), "{found:?}");
    assert!(!found[0].contains("\"d\""), "{found:?}");
}
