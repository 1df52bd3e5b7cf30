//! Every view of a small block, as HTML and as its Markdown form, reviewed once and kept: a
//! refactor that changes what a reader gets shows up here as a diff (`tests/snapshots/`).
//! To accept an intended change: `INSTA_UPDATE=always cargo test --test snapshots`, then review
//! the changed `.snap` files before committing them.

use mdbook_attention::block::View;
use mdbook_attention::chapter::{self, Output};
use mdbook_attention::examples::Examples;

fn chapter_for(view: &str) -> String {
    // The views of a training run get one (the book's default run, held-out sentence).
    if view == "layers" {
        return "# V\n\n```attention\nmodel = \"minilm\"\ntext = \"The black cat ate fish\"\nlayer = 1\nhead = 3\nfocus = \"cat\"\nshow = [\"layers\"]\n```\n".into();
    }
    if view == "cross" {
        return "# V\n\n```attention\ntranslate = \"The black cat ate fish\"\nfocus = \"noir\"\nshow = [\"cross\"]\n```\n".into();
    }
    if ["loss", "gradient", "learning", "snapshots", "learned"].contains(&view) {
        return format!("# V\n\n```attention\ntrain = {{ seed = 7 }}\nshow = [\"{view}\"]\n```\n");
    }
    // The views of several heads and of positions get them; the others stay on one head.
    let extra = match view {
        "heads" | "combine" => {
            "heads = [\n  { w_q = [[1.0, 0.2], [0.1, 0.9]], w_k = [[0.8, 1.1], [0.3, 0.4]], w_v = [[0.6, 0.9], [0.4, 0.2]] },\n  { w_q = [[0.0, 2.0]], w_k = [[1.0, 1.0]], w_v = [[0.5, 0.5]] },\n]\nw_o = [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]]\n"
        }
        "positions" | "order" => "positions = \"sinusoidal\"\n",
        "decode" => "mask = \"causal\"\n",
        _ => "",
    };
    let weights = if extra.starts_with("heads") {
        ""
    } else {
        "w_q = [[1.0, 0.2], [0.1, 0.9]]\nw_k = [[0.8, 1.1], [0.3, 0.4]]\nw_v = [[0.6, 0.9], [0.4, 0.2]]\n"
    };
    format!(
        "# V\n\n```attention\ntokens = [\"a\", \"b\", \"c\"]\nembeddings = [[1.0, 0.5], [0.25, 1.0], [0.5, 0.5]]\n{weights}{extra}focus = \"b\"\nhighlight = \"a\"\nshow = [\"{view}\"]\n```\n"
    )
}

#[test]
fn every_view_as_html_and_markdown() {
    // The book's models, for the views of a real model (tests/run-all.sh fetches them first).
    let mut examples = Examples::default();
    examples.models = mdbook_attention::block::Models {
        sources: mdbook_attention::mdbook::models_of(std::path::Path::new(env!(
            "CARGO_MANIFEST_DIR"
        )))
        .unwrap(),
        root: env!("CARGO_MANIFEST_DIR").into(),
        ..Default::default()
    };
    // Every view there is: a new one gets its snapshot without being listed here.
    for view in View::NAMES {
        let text = chapter_for(view);
        let html = chapter::process_for(&text, "v.md", &examples, Output::Html).unwrap();
        let md = chapter::process_for(&text, "v.md", &examples, Output::StaticMarkdown).unwrap();
        insta::assert_snapshot!(format!("{view}_html"), html);
        insta::assert_snapshot!(format!("{view}_markdown"), md);
    }
}
