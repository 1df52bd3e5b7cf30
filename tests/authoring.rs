//! What an author is told, case by case: each problem once and at its cause, follow-on problems
//! marked rather than repeated, numbers a person reads, the author's own spelling, positions
//! from 1, and the `check` command in text and JSON.

mod common;

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use mdbook_attention::source::{Diagnostic, Level};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

const PAIR: &str = r#"[pair]
tokens = ["a", "b"]
embeddings = [[1.0, 0.0], [0.0, 1.0]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 2.0], [3.0, 4.0]]
focus = "b"
id = "p"
assert = ["weights[a][a] > 0.5"]
"#;

fn examples(text: &str) -> (Examples, Vec<Diagnostic>) {
    let mut e = Examples::default();
    let problems = e
        .add_file(text, "src/examples.toml")
        .err()
        .unwrap_or_default();
    (e, problems)
}

fn problems(chapter: &str, examples: &Examples) -> Vec<Diagnostic> {
    chapter::process(chapter, "src/ch.md", examples)
        .err()
        .unwrap_or_default()
}

fn shown(problems: &[Diagnostic]) -> Vec<String> {
    problems
        .iter()
        .filter(|d| !d.follow_on)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_failed_example_is_reported_once_and_what_uses_it_only_follows() {
    let broken = PAIR.replace(
        "w_v = [[1.0, 2.0], [3.0, 4.0]]",
        "w_v = [[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]]",
    );
    let (e, at_examples) = examples(&broken);
    assert_eq!(at_examples.len(), 1, "{at_examples:?}");
    let chapter = "# C\n\n```attention\nexample = \"pair\"\n```\n\n`attn: weights[a][b]` and `attn: pair:weights[a][b]`\n";
    let got = problems(chapter, &e);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|d| d.follow_on), "{got:?}");
    assert!(
        got[0]
            .message
            .contains("the example `pair` could not be computed — see src/examples.toml:"),
        "{got:?}"
    );
    assert!(
        got[1]
            .message
            .contains("the block above it could not be computed")
    );
    assert!(
        got[2]
            .message
            .contains("`pair` could not be computed — see src/examples.toml:")
    );
    // Not the old, wrong advice.
    assert!(got.iter().all(|d| !d.message.contains("nothing is named")));
}

#[test]
fn an_example_lends_neither_its_id_nor_its_claims() {
    let (e, _) = examples(PAIR);
    // Two blocks on the example: no "the id `p` is already taken", and the example's claim
    // (true for the example, false once the block changes the embeddings) is not the block's.
    let chapter = "# C\n\n```attention\nexample = \"pair\"\n```\n\n```attention\nexample = \"pair\"\nembeddings = [[0.0, 1.0], [1.0, 0.0]]\n```\n";
    assert_eq!(problems(chapter, &e), Vec::<Diagnostic>::new());
}

#[test]
fn a_block_names_itself_and_an_example_names_another() {
    let (e, _) = examples(PAIR);
    let chapter = "# C\n\n```attention\nexample = \"pair\"\nid = \"me\"\nassert = [\"me:weights[a][a] == weights[a][a]\"]\n```\n";
    assert_eq!(problems(chapter, &e), Vec::<Diagnostic>::new());
    // `two` is defined after `one`, whose claim names it.
    let text = format!(
        "{}\n{}",
        PAIR.replace("[pair]", "[one]")
            .replace("id = \"p\"\n", "")
            .replace("weights[a][a] > 0.5", "weights[a][a] == two:weights[a][a]"),
        PAIR.replace("[pair]", "[two]").replace("id = \"p\"\n", "")
    );
    let (e, got) = examples(&text);
    assert!(got.is_empty(), "{got:?}");
    assert!(e.computed("one").is_some() && e.computed("two").is_some());
}

#[test]
fn messages_count_from_one_and_show_numbers_as_people_read_them() {
    let (e, _) = examples(PAIR);
    let overflow = "# C\n\n```attention\nexample = \"pair\"\nembeddings = [[1e300, 1.0], [1.0, 1.0]]\nw_q = [[1e300, 1.0], [1.0, 1.0]]\n```\n";
    let got = shown(&problems(overflow, &e));
    assert!(got[0].contains("(row 1, column 1)"), "{got:?}");
    let claim =
        "# C\n\n```attention\nexample = \"pair\"\nassert = [\"weights[b][b] == 0.67\"]\n```\n";
    let got = shown(&problems(claim, &e));
    assert!(
        got[0].contains("the left side is 0.669761549327 and the right side is 0.67 (they differ by 0.000238450673"),
        "equal to two decimals, so shown exactly: {got:?}"
    );
    let claim =
        "# C\n\n```attention\nexample = \"pair\"\nassert = [\"weights[b][b] > 0.89\"]\n```\n";
    let got = shown(&problems(claim, &e));
    assert!(
        got[0].contains("the left side is 0.67 and the right side is 0.89 (they differ by 0.22)"),
        "{got:?}"
    );
}

#[test]
fn tokens_that_look_like_numbers_are_told_to_be_quoted() {
    let chapter = "# C\n\n```attention\ntokens = [\"1\", \"2\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nw_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\nassert = [\"argmax(weights[1]) == 1\"]\n```\n";
    let got = shown(&problems(chapter, &Examples::default()));
    assert!(
        got[0].contains("compares the token `1` with the number 1")
            && got[0].contains("quote it: `\"1\"`"),
        "{got:?}"
    );
}

#[test]
fn the_authors_spelling_and_the_wrong_types_hint() {
    let (e, _) = examples(PAIR);
    let got = shown(&problems("# C\n\nSee `attn:  pair:wieghts[a][b]`.\n", &e));
    assert!(got[0].contains("`attn:  pair:wieghts[a][b]`"), "{got:?}");
    let got = shown(&problems("# C\n\n```attention\nexample = 5\n```\n", &e));
    assert!(
        got[0].contains("write the name of an example in quotes, like `example = \"running\"`"),
        "{got:?}"
    );
}

#[test]
fn an_unclosed_fence_is_one_problem_at_the_fence() {
    let (e, _) = examples(PAIR);
    let chapter = "# C\n\n```attention\nexample = \"pair\"\n\nSome prose that the block swallows.\n\n`attn: weights[a][b]`\n";
    let got = problems(chapter, &e);
    let got = shown(&got);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("src/ch.md:3: this ```attention block is never closed")
            && got[0].contains("add a line with ```"),
        "{got:?}"
    );
}

#[test]
fn check_reports_in_text_and_json_and_sets_the_exit_code() {
    let book = common::copy_fixture("mini");
    let ok = Command::new(BIN)
        .arg("check")
        .arg(book.path())
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    std::fs::write(
        book.path().join("src/plain.md"),
        "# Plain\n\n```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n\n`attn: weights[a][b]`\n",
    )
    .unwrap();
    let text = Command::new(BIN)
        .arg("check")
        .arg(book.path())
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.starts_with("error: unknown view `heatmapp`")
            && stderr.contains(" --> src/plain.md:5:9\n")
            && stderr.contains("5 | show = [\"heatmapp\"]\n"),
        "{stderr}"
    );
    // Nothing was built.
    assert!(!book.path().join("book").exists());
    let json = Command::new(BIN)
        .args(["check", "--message-format", "json"])
        .arg(book.path())
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["level"], "error");
    assert_eq!(lines[0]["file"], "src/plain.md");
    assert_eq!(lines[0]["line"], 5);
    assert_eq!(lines[0]["column"], 9);
    assert_eq!(lines[0]["follow_on"], false);
    assert!(lines[0]["message"].as_str().unwrap().contains("heatmapp"));
    assert!(lines[0]["notes"].is_array());
    assert_eq!(lines[1]["line"], 8);
    assert_eq!(lines[1]["follow_on"], true);
}

/// Every problem of one chapter, warnings included, with the `pair` example.
fn problems_of(chapter: &str) -> Vec<Diagnostic> {
    let (e, _) = examples(PAIR);
    chapter::process_all(
        chapter,
        "src/ch.md",
        &e,
        chapter::Output::Html,
        &Default::default(),
        None,
    )
    .1
}

#[test]
fn warnings_say_what_checks_nothing_and_stop_nothing_unless_denied() {
    let chapter =
        "# C\n\n```attention\nexample = \"pair\"\nid = \"lonely\"\nassert = [\"1 == 1\"]\n```\n";
    let got = problems_of(chapter);
    let words: Vec<String> = got.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 2, "{words:?}");
    assert!(got.iter().all(|d| d.level == Level::Warning));
    assert!(words[0].contains("src/ch.md:6: the claim `1 == 1` compares two constants"));
    assert!(words[1].contains("src/ch.md:5: the id `lonely` is not used in this chapter"));
    // A chapter with only warnings is published.
    assert!(chapter::process(chapter, "src/ch.md", &examples(PAIR).0).is_ok());

    let book = common::copy_fixture("mini");
    std::fs::write(
        book.path().join("src/plain.md"),
        format!("# Plain\n\n{}", &chapter[5..]),
    )
    .unwrap();
    let check = Command::new(BIN)
        .arg("check")
        .arg(book.path())
        .output()
        .unwrap();
    assert!(check.status.success());
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.starts_with("warning: the id `lonely`"),
        "sorted by line: {stderr}"
    );
    assert!(
        stderr
            .trim_end()
            .ends_with("2 warnings in attention blocks"),
        "{stderr}"
    );
    let denied = Command::new(BIN)
        .args(["check", "--deny-warnings"])
        .arg(book.path())
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
    let built = Command::new(BIN)
        .arg("build")
        .arg(book.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(String::from_utf8_lossy(&built.stderr).contains("warning: the id `lonely`"));
    let denied = Command::new(BIN)
        .args(["build", "--deny-warnings"])
        .arg(book.path())
        .output()
        .unwrap();
    assert!(!denied.status.success());
}

#[test]
fn an_examples_file_is_warned_about_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("examples.toml");
    std::fs::write(&file, PAIR.replace("weights[a][a] > 0.5", "2 > 1")).unwrap();
    let (e, problems) = Examples::load(&file, "src/examples.toml");
    assert!(e.computed("pair").is_some(), "a warning stops nothing");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].level, Level::Warning);
    assert!(
        problems[0]
            .to_string()
            .starts_with("src/examples.toml:9: the claim `2 > 1` compares two constants")
    );
}

/// The order view's copy, against the shuffled sentence written out and computed afresh: the
/// words in the new order, each at its new place (positions added, or queries and keys turned).
#[test]
fn the_order_views_copy_is_the_shuffled_sentence_computed_afresh() {
    use mdbook_attention::block::{NoScope, ResultGroup, ResultName};
    use mdbook_attention::examples::{compute, parse_block};
    use mdbook_attention::source::Source;
    let tokens = ["The", "black", "cat", "ate", "fish"];
    let rows = [
        "[0.1, 0.2, 0.9]",
        "[0.5, 0.1, 0.3]",
        "[0.2, 0.8, 0.1]",
        "[0.7, 0.3, 0.4]",
        "[0.1, 0.5, 0.2]",
    ];
    let shuffled = [4, 0, 3, 2, 1];
    let quoted = |order: &mut dyn Iterator<Item = usize>, of: &[&str]| {
        order
            .map(|i| format!("\"{}\"", of[i]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let weights = "w_q = [[1.0, 0.2, 0.5], [0.0, 2.5, -1.0]]\nw_k = [[0.8, 1.1, 0.2], [2.5, -1.0, 0.0]]\nw_v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]\n";
    for positions in ["none", "sinusoidal", "rope"] {
        let block = |order: &[usize], extra: &str| {
            format!(
                "tokens = [{}]\nembeddings = [{}]\n{weights}positions = \"{positions}\"\n{extra}",
                quoted(&mut order.iter().copied(), &tokens),
                order
                    .iter()
                    .map(|&i| rows[i])
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let computed = |text: &str| {
            let src = Source::new("src/ch.md".into(), text, 1, 1);
            compute(parse_block(&src, &Examples::default()).unwrap(), &NoScope).unwrap()
        };
        let with_copy = computed(&block(
            &[0, 1, 2, 3, 4],
            &format!(
                "show = [\"order\"]\nshuffled = [{}]\n",
                quoted(&mut shuffled.iter().copied(), &tokens)
            ),
        ));
        let name = ResultName {
            group: ResultGroup::Order,
            key: "shuffled".into(),
        };
        let copy = &with_copy.results[with_copy.index_of(&name).unwrap()].result;
        let afresh = computed(&block(&shuffled, ""));
        let afresh = &afresh.results[0].result;
        let mut moved = 0;
        for (p, &i) in shuffled.iter().enumerate() {
            for (q, &j) in shuffled.iter().enumerate() {
                // Word i stands at place p of the written-out sentence.
                let (a, b) = (copy.weights[[i, j]], afresh.weights[[p, q]]);
                assert!(
                    (a - b).abs() <= 1e-15,
                    "{positions}: {} → {}: {a} vs {b}",
                    tokens[i],
                    tokens[j]
                );
                moved +=
                    usize::from((a - with_copy.results[0].result.weights[[i, j]]).abs() > 1e-9);
            }
        }
        // Without positions the copy is the sentence's own weights; with them, not.
        assert_eq!(
            moved == 0,
            positions == "none",
            "{positions}: {moved} weights moved"
        );
    }
}

/// A focus (or highlight) two tokens share names the first, and says so: the author may have
/// meant the other.
#[test]
fn a_name_two_tokens_share_in_focus_is_a_warning_naming_the_first() {
    let chapter = "# C\n\n```attention\nexample = \"pair\"\ntokens = [\"the\", \"the\"]\nfocus = \"the\"\n```\n";
    let got = problems_of(chapter);
    let words: Vec<String> = got.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 1, "{words:?}");
    assert_eq!(got[0].level, Level::Warning);
    assert!(
        words[0].contains("src/ch.md:6: `focus` is `the`, which 2 tokens share — the first is meant; give that token another name in `tokens`"),
        "{words:?}"
    );
}

/// Every key an example may hold works through `example = "NAME"` exactly as written in the
/// block: the same widget, number for number, for each kind of block (given weights with every
/// key, positions with `shuffled`, rotary, several heads, a training run, a real model).
#[test]
fn every_key_works_the_same_from_an_example_as_in_the_block() {
    const GIVEN: &str = "tokens = [\"The\", \"cat\", \"ate\", \"fish\"]\nembeddings = [[0.4, 0.1], [0.2, 0.8], [0.9, 0.3], [0.1, 0.6]]\n";
    const ONE_HEAD: &str = "w_q = [[1.0, 0.5], [0.2, 1.5]]\nw_k = [[0.8, 0.1], [1.0, -0.5]]\nw_v = [[0.6, 0.9], [1.0, 0.0]]\n";
    let cases: Vec<(String, &str)> = vec![
        (
            format!(
                "{GIVEN}{ONE_HEAD}dims = [\"one\", \"two\"]\ntitle = \"All of it\"\nfocus = \"cat\"\nmask = [[true, false, true, true], [true, true, false, true], [true, true, true, true], [false, true, true, true]]\nscale = 0.8\nset_query = {{ 2 = 1.25 }}\nsteps = [{{ label = \"Lower\", set_query = {{ 1 = 0.0 }} }}]\nhighlight = \"fish\"\n"
            ),
            "[\"matmul\", \"scores\", \"controls\"]",
        ),
        (
            format!(
                "{GIVEN}{ONE_HEAD}positions = \"sinusoidal\"\nposition_scale = 0.1\nshuffled = [\"fish\", \"The\", \"ate\", \"cat\"]\n"
            ),
            "[\"order\"]",
        ),
        (
            format!("{GIVEN}{ONE_HEAD}positions = \"rope\"\nrope_base = 100\n"),
            "[\"positions\", \"qkv\"]",
        ),
        (
            format!(
                "{GIVEN}heads = [{{ w_q = [[1.0, 0.5]], w_k = [[0.8, 0.1]], w_v = [[0.6, 0.9]] }}, {{ w_q = [[0.0, 1.0]], w_k = [[1.0, 0.0]], w_v = [[1.0, 0.0]], scale = 2.0 }}]\nw_o = [[1.0, 0.0], [0.0, 1.0]]\n"
            ),
            "[\"heads\", \"combine\"]",
        ),
        (
            "train = { seed = 7, steps = 20 }\n".to_string(),
            "[\"loss\", \"learning\"]",
        ),
        (
            "model = \"minilm\"\ntext = \"The cat\"\nlayer = 2\nhead = 5\nfocus = \"cat\"\n"
                .to_string(),
            "[\"heatmap\"]",
        ),
    ];
    let models = mdbook_attention::block::Models {
        sources: mdbook_attention::mdbook::models_of(std::path::Path::new(common::ROOT)).unwrap(),
        root: common::ROOT.into(),
        ..Default::default()
    };
    for (keys, show) in cases {
        let mut e = Examples::default();
        e.models = models.clone();
        let p = e.add_file(&format!("[x]\n{keys}"), "src/examples.toml");
        assert!(p.is_ok(), "an example may hold {keys}: {:?}", p.err());
        let direct = chapter::process(
            &format!("# C\n\n```attention\n{keys}show = {show}\n```\n"),
            "src/ch.md",
            &e,
        )
        .unwrap_or_else(|p| panic!("{keys}: {p:?}"));
        let via = chapter::process(
            &format!("# C\n\n```attention\nexample = \"x\"\nshow = {show}\n```\n"),
            "src/ch.md",
            &e,
        )
        .unwrap_or_else(|p| panic!("through the example, {keys}: {p:?}"));
        assert!(
            direct == via,
            "{keys}: the block differs through the example"
        );
    }
}

/// `check` and `build` tell the same problems in the same words, on a corpus of broken books:
/// the report of `build` is the report of `check` and that the book was not built.
#[test]
fn check_and_build_say_the_same() {
    let broken: [(&str, &str); 5] = [
        // A false claim: its block's healthy inline values are computed, not counted as problems.
        (
            "```attention\nexample = \"pair\"\nassert = [\"weights[a][a] > 0.9\"]\n```\n\n`attn: weights[a][b]`, `attn: weights[b][a]` and `attn: weights[b][b]`.\n",
            "the claim",
        ),
        (
            "```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n\n`attn: weights[a][b]`\n",
            "unknown view",
        ),
        (
            "```attention\nid = \"main\"\nexample = \"pair\"\n```\n\n`attn: mian:weights[a][b]`\n",
            "did you mean `main`",
        ),
        (
            "```attention\nexample = \"pair\"\nassert = [\"argmax(weights[dgo]) == a\"]\n```\n",
            "`dgo`",
        ),
        (
            "```attention\nexample = \"pari\"\n```\n\n`attn: weights[a][b]`\n\n`attn: pair:weights[a][zz]`\n",
            "did you mean `pair`",
        ),
    ];
    for (chapter, words) in broken {
        let dir = common::copy_fixture("mini");
        std::fs::write(
            dir.path().join("src/plain.md"),
            format!("# Plain\n\n{chapter}"),
        )
        .unwrap();
        let run = |args: &[&str]| {
            let out = Command::new(BIN)
                .args(args)
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(!out.status.success(), "{args:?} fails on {chapter}");
            String::from_utf8_lossy(&out.stderr).trim_end().to_string()
        };
        let checked = run(&["check"]);
        let built = run(&["build"]);
        assert!(checked.contains(words), "{checked}");
        assert!(
            !checked.contains("was not built"),
            "check builds nothing: {checked}"
        );
        let built_report = &built[built.find(checked.lines().next().unwrap()).unwrap_or(0)..];
        assert_eq!(
            built_report,
            format!("{checked}; the book was not built"),
            "the same report"
        );
    }
}

/// Every file a book names is read only as a regular file under a limit: an examples file that
/// is a link to /dev/zero (git carries links) or a FIFO is refused at once, naming it.
#[cfg(unix)]
#[test]
fn an_examples_file_that_is_a_device_or_a_pipe_is_refused() {
    for make in ["symlink", "fifo"] {
        let dir = common::copy_fixture("mini");
        let examples = dir.path().join("src/examples.toml");
        std::fs::remove_file(&examples).unwrap();
        if make == "symlink" {
            std::os::unix::fs::symlink("/dev/zero", &examples).unwrap();
        } else if !Command::new("mkfifo")
            .arg(&examples)
            .status()
            .is_ok_and(|s| s.success())
        {
            continue;
        }
        let out = Command::new(BIN)
            .arg("check")
            .arg(dir.path())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{make}");
        assert!(
            said.contains("src/examples.toml") && said.contains("not a regular file"),
            "{make}: {said}"
        );
    }
}

/// What a newcomer writing a chapter from the docs tripped on, each told once and where.
#[test]
fn a_newcomers_trips_are_told_once_and_where() {
    let (e, _) = examples(PAIR);
    // A block whose id is fine but another key is not: what names it follows from that problem.
    let chapter = "# C\n\n```attention\nid = \"main\"\nexample = \"pair\"\nhaed = 4\n```\n\n`attn: main:weights[a][b]`\n";
    let got = problems(chapter, &e);
    let shown = shown(&got);
    assert_eq!(shown.len(), 1, "{got:?}");
    assert!(shown[0].contains("unknown key `haed`"), "{shown:?}");
    assert!(
        got.iter().all(|d| !d.message.contains("nothing is named")),
        "{got:?}"
    );
    // `NAME:max(…)`: the function goes around the name, and the message says so.
    let chapter = "# C\n\n```attention\nid = \"main\"\nexample = \"pair\"\n```\n\n`attn: main:max(weights[a])`\n";
    let got = problems(chapter, &e);
    assert!(
        got.iter().any(|d| d.message.contains("`max` is a function, not a field of `main` — put the function around the name: `max(main:weights[…])`")),
        "{got:?}"
    );
    // A word whose dimensions tie has no strongest one to lose: no warning any scale would keep.
    let tied = "# C\n\n```attention\ntokens = [\"the\", \"cat\"]\nembeddings = [[0.1, 0.1], [0.2, 0.9]]\nw_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\npositions = \"sinusoidal\"\nposition_scale = 0.01\n```\n";
    let all = |text: &str| {
        chapter::process_all(
            text,
            "src/ch.md",
            &e,
            chapter::Output::Check,
            &Default::default(),
            None,
        )
        .1
    };
    assert_eq!(all(tied), Vec::<Diagnostic>::new());
    // An unused id is pointed at where it is written, not at the fence.
    let unused = "# C\n\n```attention\nexample = \"pair\"\nid = \"lonely\"\n```\n";
    let got = all(unused);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].place.line, got[0].level),
        (5, Level::Warning),
        "{got:?}"
    );
}
