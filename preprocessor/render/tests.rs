use super::*;
use crate::block::NoScope;
use crate::examples::{self, Examples};
use crate::source::Source;
use std::sync::Arc;

fn html(c: &Computed) -> String {
    widget(c).expect("the widget renders")
}

fn computed(body: &str) -> Computed {
    let src = Source::new(Arc::from("test.md"), body, 2, 1);
    let spec = examples::parse_block(&src, &Examples::default()).expect("block parses");
    examples::compute(spec, &NoScope).expect("block computes")
}

/// A block with no `show`.
const BASIC: &str = r#"
tokens = ["a", "b"]
embeddings = [[1.0, 0.0], [0.0, 1.0]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 2.0], [3.0, 4.0]]
"#;

const SMALL: &str = r#"
tokens = ["a", "b"]
embeddings = [[1.0, 0.0], [0.0, 1.0]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 2.0], [3.0, 4.0]]
show = ["embeddings", "matrices", "projection", "qkv", "matmul", "scores", "weights", "softmax", "output", "residual", "heatmap", "compare", "controls"]
"#;

/// Every view there is, on two heads with positions.
const EVERY: &str = r#"
tokens = ["a", "b"]
embeddings = [[1.0, 0.0], [0.0, 1.0]]
positions = "sinusoidal"
heads = [
  { w_q = [[1.0, 0.0], [0.0, 1.0]], w_k = [[1.0, 0.0], [0.0, 1.0]], w_v = [[1.0, 2.0], [3.0, 4.0]] },
  { w_q = [[0.0, 2.0], [1.0, 0.0]], w_k = [[1.0, 1.0], [0.0, 1.0]], w_v = [[0.5, 0.5], [1.0, 0.0]] },
]
w_o = [[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.5, 1.0]]
show = ["embeddings", "positions", "matrices", "projection", "qkv", "matmul", "scores", "weights", "softmax", "output", "heads", "combine", "residual", "heatmap", "compare", "order", "controls"]
"#;

#[test]
fn every_view_renders_as_one_line() {
    let trained = "train = { seed = 7 }\nshow = [\"loss\", \"gradient\", \"learning\", \"snapshots\", \"learned\"]\n";
    // The lines view is drawn once and refused beside controls: it gets a figure of its own.
    let lines = SMALL.replace("\"compare\", \"controls\"", "\"lines\"");
    // The decode view writes a causal block.
    let decode = SMALL.replace("\"compare\", \"controls\"", "\"decode\", \"controls\"")
        + "mask = \"causal\"\n";
    let across = "translate = \"The black cat ate fish\"\nshow = [\"cross\"]\n";
    let html = html(&computed(EVERY))
        + &html(&computed(trained))
        + &html(&computed(&lines))
        + &html(&computed(&decode))
        + &html(&computed(across));
    assert!(super::one_line_but_its_program(&html) && !html.contains("\n\n"));
    for view in View::ALL {
        // A real model's view needs the fetched model: tests/model.rs and tests/snapshots.rs
        // render it.
        if *view == View::Layers {
            continue;
        }
        assert!(
            html.contains(&format!(
                "class=\"attention-view\" data-view=\"{}\"",
                view.name()
            )),
            "view {} missing",
            view.name()
        );
    }
    assert!(!html.contains("template"), "a template failed: {html}");
}

#[test]
fn the_data_contract_holds_every_field() {
    let c = computed(SMALL);
    let data = serde_json::to_value(data::WidgetData::of(&c)).unwrap();
    for key in [
        "tokens",
        "embeddings",
        "w_q",
        "w_k",
        "w_v",
        "mask",
        "scale",
        "q",
        "k",
        "v",
        "scores",
        "weights",
        "output",
    ] {
        assert!(data.get(key).is_some(), "missing {key}");
    }
    let html = html(&c);
    assert!(html.starts_with("<figure class=\"attention-widget\">"));
    assert!(html.contains("<script type=\"application/json\" class=\"attention-data\">"));
}

#[test]
fn masked_scores_are_null_in_the_data_and_a_cross_in_the_html() {
    let c = computed(&format!("{SMALL}\nmask = \"causal\"\n"));
    let data = serde_json::to_value(data::WidgetData::of(&c)).unwrap();
    assert_eq!(data["scores"][0][1], Value::Null);
    // Named in words: a screen reader reads ⨯ as "vector or cross product", or not at all.
    assert!(
        html(&c).contains("<td data-c=\"w 0 1\" class=\"masked\" aria-label=\"masked\">⨯</td>")
    );
}

#[test]
fn tables_are_real_tables_with_headers_and_heatmaps_are_named_grids() {
    let html = html(&computed(SMALL));
    assert!(html.contains("<th scope=\"col\">"));
    assert!(html.contains("<th scope=\"row\">"));
    // A heatmap is a table a screen reader walks as a grid: columns the keys, rows the
    // queries, each weight one cell under its column's header and beside its row's.
    assert_eq!(
        html.matches(
            "<table class=\"attention-heatmap\" role=\"grid\" aria-readonly=\"true\" aria-label=\""
        )
        .count(),
        3
    );
    let heatmaps: Vec<&str> = html
        .split("<table class=\"attention-heatmap\"")
        .skip(1)
        .map(|t| &t[..t.find("</table>").unwrap()])
        .collect();
    assert_eq!(heatmaps.len(), 3);
    for t in &heatmaps {
        assert!(t.contains("<th scope=\"col\">a</th><th scope=\"col\">b</th></tr></thead>"));
        assert_eq!(t.matches("<td data-c=").count(), 4);
    }
    // The heatmap follows a word on a click; the compare view's pair follows none.
    assert_eq!(
        html.matches("<th scope=\"row\" data-token=\"0\">a</th><td data-c=\"w 0 0\"")
            .count(),
        1
    );
    assert_eq!(
        html.matches("<th scope=\"row\">a</th><td data-c=\"w 0 0\"")
            .count(),
        2
    );
    // One element per weight: no drawing beside the cells, no second table of the same numbers.
    assert!(!html.contains("<svg class=\"attention-heatmap"));
    assert!(!html.contains("The same weights as a table"));
}

#[test]
fn hostile_token_text_is_escaped_everywhere() {
    let body = SMALL.replace(
        "[\"a\", \"b\"]",
        r#"["</script><script>alert(1)</script>", "a&b\"'<x>"]"#,
    );
    let html = html(&computed(&body));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<x>"));
    assert_eq!(
        html.to_ascii_lowercase().matches("</script").count(),
        2,
        "only the data element and the numpy program (never run) close a script"
    );
    assert!(
        html.contains("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"),
        "the program's string"
    );
    assert!(html.contains("\\u003c/script\\u003e"));
}

#[test]
fn json_in_script_cannot_close_the_element() {
    let v = json!({"t": "</script><!-- & \u{2028}"});
    let s = script_json(&v).unwrap();
    assert!(!s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}'));
    let back: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(back, v);
}

#[test]
fn cell_classes_follow_one_rule() {
    assert_eq!(cell_class(None), "masked");
    assert_eq!(cell_class(Some(0.9)), "strong");
    assert_eq!(cell_class(Some(0.7)), "");
    assert_eq!(cell_class(Some(0.2)), "");
}

#[test]
fn heatmap_colour_is_the_square_root_of_the_weight_on_one_scale() {
    assert_eq!(heatmap::opacity(Some(0.25)), "0.50");
    assert_eq!(heatmap::opacity(Some(1.0)), "1.00");
    assert_eq!(heatmap::opacity(None), "0.00");
    let html = html(&computed(&format!("{SMALL}\nmask = \"causal\"\n")));
    // The first token under the causal mask gives itself everything: full colour.
    assert!(html.contains("<td data-c=\"w 0 0\" style=\"--w:1.00\" class=\"strong\">1.00</td>"));
    assert!(html.contains("class=\"attention-legend\""));
}

#[test]
fn causal_cells_whose_weight_moved_are_outlined_masked_ones_never() {
    let html = html(&computed(SMALL));
    // "a" may not see "b" under the causal mask: a ⨯ is no weight that moved, so no outline
    // (a causal map would otherwise outline every masked cell and drown the few that moved).
    let causal = &html[html
        .find("data-r=\"2\" data-against=\"1\"")
        .expect("the causal panel")..];
    assert!(
        causal.contains("<td data-c=\"w 0 1\" class=\"masked\" aria-label=\"masked\">⨯</td>"),
        "the masked cell is not outlined"
    );
    // "a" alone: 1.00 under the mask against 0.67 without it.
    assert!(causal.contains(
        "<td data-c=\"w 0 0\" style=\"--w:1.00\" class=\"strong changed\" aria-label=\"1.00, changed\">1.00</td>"
    ));
    // A figure that outlines no focus row follows no word on a click.
    assert!(causal.contains("<th scope=\"row\">a</th>"));
    // A comparison outlines no focus row: its outlines mean "changed" only.
    assert!(!causal[..causal.find("</table>").unwrap()].contains("class=\"focus\""));
}

#[test]
fn captions_follow_the_focus_and_the_scale() {
    let html = html(&computed(SMALL));
    assert!(html.contains("The query of <span data-b=\"tok f\">a</span> against every key"));
    assert!(html.contains("times the scale <span data-b=\"scale\">0.71</span>"));
}

#[test]
fn a_template_that_fails_is_an_error_not_a_page() {
    FAILURE.with(|f| f.borrow_mut().take());
    let out = render("no-such-template", json!({}));
    assert!(out.is_empty());
    assert!(FAILURE.with(|f| f.borrow_mut().take()).is_some());
}

#[test]
fn big_heatmaps_keep_their_numbers_in_the_cells_unseen() {
    let n = HEATMAP_TEXT_UP_TO + 1;
    let tokens: Vec<String> = (0..n).map(|i| format!("\"t{i}\"")).collect();
    let emb: Vec<String> = (0..n).map(|i| format!("[{}.0, 1.0]", i % 3)).collect();
    let body = format!(
        "tokens = [{}]\nembeddings = [{}]\nw_q = [[1.0, 0.0]]\nw_k = [[0.5, 0.5]]\nw_v = [[1.0, 1.0]]\n",
        tokens.join(", "),
        emb.join(", ")
    );
    let html = html(&computed(&body));
    assert!(
        html.contains("<table class=\"attention-heatmap attention-heatmap-quiet\" role=\"grid\"")
    );
    assert_eq!(html.matches("<td data-c=\"w ").count(), n * n);
    // Every number is there for screen readers and copying.
    assert_eq!(
        html.matches("<td data-c=\"w ").count(),
        html.matches(r#"">0."#).count() + html.matches(r#"">1.00<"#).count()
    );
}

#[test]
fn the_markdown_form_marks_the_same_totals_as_the_html() {
    // Three tokens of thirds: the shown weights 0.33 + 0.33 + 0.33 miss their total, 1.
    let body = r#"
tokens = ["a", "b", "c"]
embeddings = [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[0.35, 1.0], [0.35, 1.0]]
show = ["projection", "scores", "weights", "softmax", "output", "residual"]
"#;
    let c = computed(body);
    let approx = |text: &str| -> Vec<String> {
        text.match_indices("≈ ")
            .map(|(i, _)| text[i..].chars().take(6).collect())
            .filter(|s: &String| s.chars().nth(2).is_some_and(|c| c.is_ascii_digit()))
            .collect()
    };
    let from_html = approx(&html(&c));
    let from_markdown = approx(&static_markdown(&c).unwrap());
    assert!(from_html.contains(&"≈ 1.00".to_string()), "{from_html:?}");
    assert_eq!(from_html, from_markdown);
}

#[test]
fn the_scale_slider_reaches_the_blocks_own_scale() {
    for (scale, min, max) in [("7.5", "0", "8"), ("-1.25", "-2", "4"), ("0.5", "0", "4")] {
        let html = html(&computed(&format!("{SMALL}\nscale = {scale}\n")));
        let slider = html
            .split("class=\"attention-scale\"")
            .nth(1)
            .expect("a scale slider");
        assert!(
            slider.starts_with(&format!(" min=\"{min}\" max=\"{max}\"")),
            "scale {scale}: {}",
            &slider[..40]
        );
    }
}

#[test]
fn the_compare_view_reads_two_named_results_that_expressions_reach() {
    let body = format!(
        "{BASIC}show = [\"compare\"]\nassert = [\"mask[causal].weights[a][b] == 0\", \"mask[bidirectional].weights[a][b] == weights[a][b]\", \"sum(mask[causal].weights[*]) == 1\"]\n"
    );
    let c = computed(&body);
    let names: Vec<String> = c.result_names();
    assert_eq!(names, ["mask[bidirectional]", "mask[causal]"]);
    let html = html(&c);
    assert!(html.contains("data-r=\"1\""), "{html}");
    assert!(html.contains("data-r=\"2\" data-against=\"1\""), "{html}");
    // The data names each result and what it changes, no more.
    let data = serde_json::to_value(data::WidgetData::of(&c)).unwrap();
    assert_eq!(
        data["results"],
        serde_json::json!([
            {"name": "mask[bidirectional]", "input": {}},
            {"name": "mask[causal]", "input": {"mask": "causal"}}
        ])
    );
}

#[test]
fn a_block_without_named_results_writes_no_results_key() {
    let c = computed(&format!(
        "{BASIC}show = [\"heatmap\", \"weights\", \"controls\"]\n"
    ));
    let data = serde_json::to_value(data::WidgetData::of(&c)).unwrap();
    assert!(data.get("results").is_none());
    assert!(!html(&c).contains("data-r="));
}
