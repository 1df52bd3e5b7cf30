//! The names Rust writes and the script reads are one list: every binding field of
//! `render::BindingField` is a name of the script's binding map (`theme/attention/bindings.js`)
//! and it has no other; the
//! fields of the pencil rule and those read straight from a result are the same on both sides;
//! a widget with every view writes only listed fields.

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use mdbook_attention::render::BindingField;
use std::collections::BTreeSet;

const BINDINGS_JS: &str = include_str!("../theme/attention/bindings.js");
const FORMAT_JS: &str = include_str!("../theme/attention/format.js");

fn js_list(js: &str, name: &str) -> BTreeSet<String> {
    let start = js
        .find(&format!("var {name} = ["))
        .unwrap_or_else(|| panic!("{name} in the script"));
    let rest = &js[start..];
    let list = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
    list.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The names of the script's binding map (`var BINDINGS = { name: …, … }`), read at its top
/// level, and those it adds for every field read straight from a result.
fn js_binding_names() -> BTreeSet<String> {
    let start = BINDINGS_JS
        .find("var BINDINGS = {")
        .expect("the script's binding map");
    // Comments out first: their words and brackets are not code.
    let body: String = BINDINGS_JS[start + "var BINDINGS = ".len()..]
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let (mut depth, mut names, mut word) = (0, BTreeSet::new(), String::new());
    let mut in_string = false;
    for ch in body.chars() {
        match ch {
            '"' => in_string = !in_string,
            _ if in_string => {}
            '{' | '(' | '[' => {
                depth += 1;
                word.clear();
            }
            '}' | ')' | ']' => {
                depth -= 1;
                word.clear();
                if depth == 0 {
                    break;
                }
            }
            ':' if depth == 1 && !word.is_empty() => {
                names.insert(std::mem::take(&mut word));
            }
            c if c.is_ascii_alphanumeric() || c == '_' => word.push(c),
            _ => word.clear(),
        }
    }
    names
}

#[test]
fn the_script_handles_exactly_the_bindings_rust_writes() {
    let rust: BTreeSet<String> = BindingField::NAMES.iter().map(|s| s.to_string()).collect();
    let results = js_list(BINDINGS_JS, "RESULT_FIELDS");
    // The map is filled for every field of RESULT_FIELDS as well (`BINDINGS[field] = …`).
    assert!(
        BINDINGS_JS.contains("RESULT_FIELDS.forEach(function (field) {\n    BINDINGS[field] =")
    );
    let js: BTreeSet<String> = js_binding_names().union(&results).cloned().collect();
    assert_eq!(
        js, rust,
        "theme/attention/bindings.js (left) and render::BindingField (right)"
    );
    assert!(js_binding_names().is_disjoint(&results));
    let read_straight: BTreeSet<String> = BindingField::ALL
        .iter()
        .filter(|f| f.is_result_matrix())
        .map(|f| f.name().to_string())
        .collect();
    assert_eq!(js_list(BINDINGS_JS, "RESULT_FIELDS"), read_straight);
}

#[test]
fn the_pencil_fields_are_one_list() {
    let rust: BTreeSet<String> = BindingField::ALL
        .iter()
        .filter(|f| f.follows_pencil())
        .map(|f| f.name().to_string())
        .collect();
    assert!(rust.len() >= 10, "{rust:?}");
    assert_eq!(js_list(FORMAT_JS, "PENCIL_FIELDS"), rust);
}

#[test]
fn a_widget_with_every_view_writes_only_listed_fields() {
    let text = "# V\n\n```attention\ntokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\npositions = \"sinusoidal\"\nheads = [\n  { w_q = [[1.0, 0.0], [0.0, 1.0]], w_k = [[1.0, 0.0], [0.0, 1.0]], w_v = [[1.0, 2.0], [3.0, 4.0]] },\n  { w_q = [[0.0, 2.0], [1.0, 0.0]], w_k = [[1.0, 1.0], [0.0, 1.0]], w_v = [[0.5, 0.5], [1.0, 0.0]] },\n]\nw_o = [[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.5, 1.0]]\nshow = [\"embeddings\", \"positions\", \"matrices\", \"projection\", \"qkv\", \"matmul\", \"scores\", \"weights\", \"softmax\", \"output\", \"heads\", \"combine\", \"residual\", \"heatmap\", \"compare\", \"controls\"]\n```\n\n```attention\ntokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nw_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 2.0], [3.0, 4.0]]\nset_query = { 1 = 2.0 }\nshow = [\"scores\"]\n```\n";
    let html = chapter::process(text, "v.md", &Examples::default()).unwrap();
    let mut seen = BTreeSet::new();
    for attr in ["data-b=\"", "data-c=\"", "data-o=\""] {
        for (i, _) in html.match_indices(attr) {
            let value = &html[i + attr.len()..];
            let field = value[..value.find(['"', ' ']).unwrap()].to_string();
            assert!(
                BindingField::parse(&field).is_some(),
                "unlisted binding {field}"
            );
            seen.insert(field);
        }
    }
    // Every listed field is written by some view.
    let listed: BTreeSet<String> = BindingField::NAMES.iter().map(|s| s.to_string()).collect();
    let unused: Vec<_> = listed.difference(&seen).collect();
    assert!(
        unused.is_empty(),
        "listed but written by no view: {unused:?}"
    );
}
