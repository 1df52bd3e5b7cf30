//! Blocks across two sentences (`translate`), as an author and a reader of the page's data meet
//! them: the French words as rows and the English as columns, the data a checker can recompute
//! (q from the French inputs, k and v from the English), claims that name a French word and an
//! English one, and what is wrong said once, at its key.

mod common;

use common::widget_data;
use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;

fn process(block: &str) -> Result<String, String> {
    let text = format!("# T\n\nSome prose.\n\n```attention\n{block}```\n");
    chapter::process(&text, "src/t.md", &Examples::default()).map_err(|problems| {
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn rows(v: &serde_json::Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// `x·Wᵀ`.
fn project(x: &[Vec<f64>], w: &[Vec<f64>]) -> Vec<Vec<f64>> {
    x.iter()
        .map(|row| {
            w.iter()
                .map(|wr| row.iter().zip(wr).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect()
}

fn close(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-12)
        })
}

#[test]
fn the_running_sentence_translated_crosses_and_its_data_recomputes() {
    let html = process(
        "translate = \"The black cat ate fish\"\nshow = [\"cross\", \"heatmap\", \"lines\"]\nassert = [\"argmax(weights[noir]) == black\", \"argmax(weights[chat]) == cat\", \"argmax(weights[poisson]) == fish\"]\n",
    )
    .unwrap();
    let data = widget_data(&html);
    let tokens: Vec<&str> = data["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tokens,
        ["Le", "chat", "noir", "a", "mangé", "du", "poisson"]
    );
    assert_eq!(
        data["source_tokens"],
        serde_json::json!(["The", "black", "cat", "ate", "fish"])
    );
    // What a checker recomputes: q from the French inputs, k and v from the English.
    let (x, y) = (rows(&data["embeddings"]), rows(&data["source_embeddings"]));
    assert_eq!((x.len(), y.len()), (7, 5));
    assert!(close(&project(&x, &rows(&data["w_q"])), &rows(&data["q"])));
    assert!(close(&project(&y, &rows(&data["w_k"])), &rows(&data["k"])));
    assert!(close(&project(&y, &rows(&data["w_v"])), &rows(&data["v"])));
    let weights = rows(&data["weights"]);
    assert_eq!(weights.len(), 7);
    for row in &weights {
        assert_eq!(row.len(), 5);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    // The noun and its adjective cross: "chat" (row 1) on "cat" (column 2), "noir" on "black".
    let strongest = |i: usize| {
        (0..5)
            .max_by(|&a, &b| weights[i][a].total_cmp(&weights[i][b]))
            .unwrap()
    };
    assert_eq!((strongest(1), strongest(2)), (2, 1));
    assert!(
        !html.contains(">⨯<"),
        "nothing is masked across two sentences"
    );
    // The heatmap: 7 rows of 5 cells, the English words as its columns.
    assert_eq!(html.matches("data-c=\"w ").count(), 35);
    assert!(html.contains("data-c=\"w 6 4\"") && !html.contains("data-c=\"w 6 5\""));
    assert!(html.contains(">fish</th>"));
    // The cross view: what each step reads, and the start mark shown as text.
    assert!(html.contains("&lt;s&gt;"));
    assert!(html.contains("looks most at"));
}

#[test]
fn inline_values_and_claims_name_a_french_word_then_an_english_one() {
    let text = "# T\n\n```attention\nid = \"fr\"\ntranslate = \"The black cat ate fish\"\nshow = [\"cross\"]\n```\n\n\"noir\" gives \"black\" `attn: fr:weights[noir][black]`.\n";
    let html = chapter::process(text, "src/t.md", &Examples::default()).unwrap();
    let data = widget_data(&html);
    let shown = mdbook_attention::format::fmt(data["weights"][2][1].as_f64().unwrap());
    let after = html.split("gives \"black\" ").nth(1).expect("the prose");
    assert!(
        after[..after.len().min(300)].contains(&format!(">{shown}<")),
        "{shown}: {after}"
    );
    // The English word where a French one is meant (and the other way) is said, not guessed.
    let err = process(
        "translate = \"The black cat ate fish\"\nshow = [\"cross\"]\nassert = [\"weights[black][noir] > 0.5\"]\n",
    )
    .unwrap_err();
    assert!(err.contains("black"), "{err}");
}

#[test]
fn what_is_wrong_is_said_at_the_key_with_what_to_write() {
    let cases: [(&str, &[&str]); 8] = [
        (
            "translate = \"The cat ate fish\"\n",
            &[
                "has 4",
                "determiner, adjective, noun, verb, object",
                "src/t.md:6",
            ],
        ),
        (
            "translate = \"The blak cat ate fish\"\n",
            &[
                "word 2",
                "\"blak\"",
                "an adjective",
                "did you mean `black`",
                "white",
            ],
        ),
        (
            "translate = \"The black cat ate fish\"\nshow = [\"scores\"]\n",
            &["the scores view has no place", "use cross, heatmap, lines"],
        ),
        (
            "translate = \"The black cat ate fish\"\nshow = [\"controls\"]\n",
            &["the controls view has no place"],
        ),
        (
            "translate = \"The black cat ate fish\"\nmask = \"causal\"\n",
            &["drop `mask`", "src/t.md:7"],
        ),
        (
            "translate = \"The black cat ate fish\"\ntokens = [\"a\"]\n",
            &["drop `tokens`"],
        ),
        (
            "example = \"x\"\ntranslate = \"The black cat ate fish\"\n",
            &["drop `example`"],
        ),
        (
            "tokens = [\"a\", \"b\"]\nembeddings = [[1.0], [0.5]]\nw_q = [[1.0]]\nw_k = [[1.0]]\nw_v = [[1.0]]\nshow = [\"cross\"]\n",
            &[
                "the cross view draws the words of one sentence against another's",
                "translate = ",
            ],
        ),
    ];
    for (block, wanted) in cases {
        let err = process(block).unwrap_err();
        for w in wanted {
            assert!(err.contains(w), "{block}\nwants {w:?} in:\n{err}");
        }
        assert_eq!(err.lines().count(), 1, "one error per cause:\n{err}");
    }
}

#[test]
fn a_sentence_the_model_trained_on_is_refused_with_a_held_out_one_suggested() {
    use mdbook_attention::core::translation::{Parallel, TranslationConfig};
    let corpus = Parallel::generate(&TranslationConfig::default()).unwrap();
    let trained = corpus.english_text(&corpus.train[0]).join(" ");
    let err = process(&format!("translate = \"{trained}\"\n")).unwrap_err();
    assert!(
        err.contains("one of the pairs the model trains on"),
        "{err}"
    );
    let suggested = err
        .split("like \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let pair = corpus.parse(suggested).unwrap();
    assert!(corpus.held_out.contains(&pair), "{suggested}");
    process(&format!("translate = \"{suggested}\"\n")).unwrap();
}

#[test]
fn two_builds_of_a_translation_block_are_byte_identical() {
    let block = "translate = \"A grey fox found cheese\"\nshow = [\"cross\", \"heatmap\"]\n";
    match (process(block), process(block)) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), _) | (_, Err(e)) => {
            // A training pair: the build says so; its suggestion is held out and builds twice alike.
            let suggested = e
                .split("like \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let block = format!("translate = \"{suggested}\"\nshow = [\"cross\", \"heatmap\"]\n");
            assert_eq!(process(&block).unwrap(), process(&block).unwrap());
        }
    }
}

#[test]
fn greedy_writing_from_the_figures_outputs_gives_back_the_translation() {
    use mdbook_attention::core::translation::{TranslationConfig, train};
    use mdbook_attention::core::{AttentionInput, Mask, Qkv};
    let run = train(&TranslationConfig::default()).unwrap();
    let (mut right, mut all) = (0, 0);
    for pair in run.corpus.held_out.iter().take(100) {
        // The block's own attention (the core's), then the readout on each step's output.
        let result = AttentionInput {
            qkv: Qkv::Given(run.given(pair)),
            mask: Mask::None,
            scale: None,
            query_overrides: Vec::new(),
            positions: None,
            rope: None,
        }
        .compute()
        .unwrap();
        for (i, written) in run.corpus.french_words(pair).iter().enumerate() {
            let p = run.next_word(&result.output.row(i).to_vec());
            let named = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            right += usize::from(named == *written);
            all += 1;
        }
    }
    assert!(right as f64 / all as f64 >= 0.99, "{right} of {all}");
    // The table under the cross view says it for the figure's own sentence.
    let html = process("translate = \"The black cat ate fish\"\nshow = [\"cross\"]\n").unwrap();
    assert!(html.contains(">names</th>") && html.contains(">probability</th>"));
}
