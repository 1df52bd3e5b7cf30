//! Dependencies point one way: each module of the library uses only modules below it, and the
//! command line, `serve` and `install` sit above everything, behind the `cli` feature.

use std::collections::BTreeMap;
use std::path::Path;

/// The rooms, bottom first. A module may use only modules of a lower layer.
const LAYERS: &[&[&str]] = &[
    &["core", "assets", "format", "files", "source"],
    &["pretrained", "expr"],
    &["kept"],
    &["block"],
    &["eval"],
    &["examples"],
    &[
        "render", "markdown", "includes", "report", "ledger", "links",
    ],
    &["chapter"],
    &["mdbook"],
    &["serve", "install", "diff"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `crate::NAME` references of every file of a module (its file, or its folder).
fn uses(root: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut visit = |module: &str, path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        // Unit tests may reach anywhere; only the module's own code counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.entry(module.to_string())
                .or_default()
                .push((name, path.display().to_string()));
        }
    };
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            for file in walk(&path) {
                visit(&stem, &file);
            }
        } else if stem != "lib" && stem != "main" {
            visit(&stem, &path);
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_module_uses_only_modules_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("preprocessor");
    let all = uses(&root);
    // The scan sees real references (a check that saw nothing could never fail).
    assert!(all.len() >= 8, "modules scanned: {:?}", all.keys());
    assert!(all["chapter"].iter().any(|(n, _)| n == "render"));
    assert!(all["cli"].iter().any(|(n, _)| n == "serve"));
    let mut wrong = Vec::new();
    for (module, used) in all {
        let Some(mine) = layer_of(&module) else {
            wrong.push(format!("{module} is in no layer: add it to LAYERS"));
            continue;
        };
        for (name, file) in used {
            if name == module {
                continue;
            }
            match layer_of(&name) {
                Some(theirs) if theirs < mine => {}
                _ => wrong.push(format!(
                    "{file}: {module} uses {name}, which is not below it"
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_library_names_its_command_line_modules_behind_the_cli_feature() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("preprocessor/lib.rs"))
            .unwrap();
    for module in ["cli", "install", "serve"] {
        assert!(
            lib.contains(&format!("#[cfg(feature = \"cli\")]\npub mod {module};")),
            "{module} is behind the cli feature"
        );
    }
}

/// Inside a folder, the files form no circle either: `super::NAME` is an edge to the file
/// `NAME.rs` when there is one, else to the folder's `mod.rs` (an item defined there).
#[test]
fn no_file_of_a_folder_leans_on_a_file_that_leans_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("preprocessor");
    let mut folders = vec![root.clone()];
    let mut checked = 0;
    let mut circles = Vec::new();
    while let Some(dir) = folders.pop() {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // A sub-folder is one node here (its own files are checked in their turn).
                if path.join("mod.rs").exists() {
                    let stem = path.file_name().unwrap().to_string_lossy().to_string();
                    files.insert(stem, path.join("mod.rs"));
                }
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                files.insert(stem, path);
            }
        }
        if !files.contains_key("mod") || dir == root {
            continue;
        }
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (stem, path) in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let mut targets = Vec::new();
            for (i, _) in code.match_indices("super::") {
                // The second `super::` of `super::super::…` is not a name of this folder.
                if code[..i].ends_with("super::") {
                    continue;
                }
                // `use super::{a, b::c}` names several; each is an edge.
                let rest = &code[i + 7..];
                let names: Vec<String> = if let Some(list) = rest.strip_prefix('{') {
                    let list = &list[..list.find('}').unwrap_or(0)];
                    list.split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or("").to_string())
                        .collect()
                } else {
                    vec![
                        rest.chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect(),
                    ]
                };
                // `super::super::…` leaves the folder: not an edge inside it.
                for name in names
                    .into_iter()
                    .filter(|n| !n.is_empty() && n != "self" && n != "super")
                {
                    let to = if files.contains_key(&name) {
                        name
                    } else {
                        "mod".to_string()
                    };
                    if stem == "mod" || to != *stem {
                        targets.push(to);
                    }
                }
            }
            if stem == "mod" {
                // The folder's root uses its files by name (`views::figure`).
                for other in files.keys().filter(|o| *o != "mod") {
                    if code.contains(&format!("{other}::")) {
                        targets.push(other.clone());
                    }
                }
                targets.retain(|t| t != "mod");
            }
            checked += targets.len();
            edges.insert(stem.clone(), targets);
        }
        // A depth-first walk finds any circle.
        fn visit(
            node: &str,
            edges: &BTreeMap<String, Vec<String>>,
            path: &mut Vec<String>,
            done: &mut std::collections::BTreeSet<String>,
            circles: &mut Vec<String>,
            dir: &Path,
        ) {
            if let Some(at) = path.iter().position(|p| p == node) {
                let mut circle = path[at..].to_vec();
                circle.push(node.to_string());
                circles.push(format!("{}: {}", dir.display(), circle.join(" → ")));
                return;
            }
            if !done.insert(node.to_string()) {
                return;
            }
            path.push(node.to_string());
            for next in edges.get(node).into_iter().flatten() {
                visit(next, edges, path, done, circles, dir);
            }
            path.pop();
        }
        let mut done = std::collections::BTreeSet::new();
        for node in edges.keys() {
            visit(node, &edges, &mut Vec::new(), &mut done, &mut circles, &dir);
        }
    }
    assert!(checked > 20, "the scan saw {checked} uses");
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}
