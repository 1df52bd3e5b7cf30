//! The catalogue of bad input: each case is a chapter, the line the message must name, and
//! words the message must contain. None may panic; all problems of a chapter come together.

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;

const GOOD: &str = r#"tokens = ["a", "b"]
embeddings = [[1.0, 0.0], [0.0, 1.0]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 2.0], [3.0, 4.0]]
"#;

fn examples() -> Examples {
    let mut e = Examples::default();
    e.add_file(&format!("[pair]\n{GOOD}"), "src/examples.toml")
        .unwrap();
    e
}

/// A chapter whose only block is `body`, fence on line 3.
fn chapter_with(body: &str) -> String {
    format!("# Chapter\n\n```attention\n{body}```\n")
}

/// `GOOD` with one line replaced (by its key) or added.
fn good_with(key: &str, line: &str) -> String {
    let mut out: Vec<String> = GOOD
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} ")))
        .map(String::from)
        .collect();
    if !line.is_empty() {
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

fn problems(text: &str) -> Vec<String> {
    match chapter::process(text, "src/ch.md", &examples()) {
        Ok(_) => vec![],
        Err(d) => d.iter().map(|d| d.to_string()).collect(),
    }
}

fn expect(case: &str, text: &str, line: usize, words: &[&str]) {
    let got = problems(text);
    assert!(!got.is_empty(), "{case}: no problem reported for\n{text}");
    let first = &got[0];
    assert!(
        first.starts_with(&format!("src/ch.md:{line}: ")),
        "{case}: wrong place in `{first}` (wanted line {line})"
    );
    for w in words {
        assert!(first.contains(w), "{case}: `{first}` lacks `{w}`");
    }
}

// Line numbers: the fence is line 3, so the body's first line is 4.
#[test]
fn toml_syntax_errors_name_their_line() {
    expect(
        "unclosed string",
        &chapter_with("tokens = [\"a]\n"),
        4,
        &["not valid TOML"],
    );
    expect(
        "missing value",
        &chapter_with("tokens = [\"a\"]\nscale =\n"),
        5,
        &["not valid TOML"],
    );
    expect(
        "duplicate key",
        &chapter_with(&format!("{GOOD}scale = 1.0\nscale = 2.0\n")),
        10,
        &["not valid TOML", "duplicate"],
    );
    expect(
        "bare words",
        &chapter_with("this is not toml\n"),
        4,
        &["not valid TOML"],
    );
}

#[test]
fn unknown_keys_suggest_the_nearest() {
    expect(
        "tokns",
        &chapter_with("tokns = [\"a\"]\n"),
        4,
        &["unknown key `tokns`", "did you mean `tokens`"],
    );
    expect(
        "w-q",
        &chapter_with(&good_with("", "w-q = 1")),
        9,
        &["unknown key `w-q`", "`w_q`"],
    );
    expect(
        "nonsense",
        &chapter_with(&good_with("", "zzzzzz = 1")),
        9,
        &["unknown key", "the keys are"],
    );
}

#[test]
fn wrong_types_say_what_to_write() {
    expect(
        "tokens string",
        &chapter_with(&good_with("tokens", "tokens = \"a b\"")),
        8,
        &["`tokens` holds a string", "list of strings"],
    );
    expect(
        "token number",
        &chapter_with(&good_with("tokens", "tokens = [\"a\", 2]")),
        8,
        &["`tokens` holds an integer"],
    );
    expect(
        "matrix of strings",
        &chapter_with(&good_with("w_v", "w_v = [[\"x\", 1.0], [1.0, 1.0]]")),
        8,
        &["`w_v` holds a string", "number"],
    );
    expect(
        "flat matrix",
        &chapter_with(&good_with("w_q", "w_q = [1.0, 2.0]")),
        8,
        &["`w_q` must be a list of rows"],
    );
    expect(
        "scale string",
        &chapter_with(&good_with("", "scale = \"big\"")),
        9,
        &["`scale` holds a string"],
    );
    expect(
        "focus number",
        &chapter_with(&good_with("", "focus = 3")),
        9,
        &["`focus` holds an integer"],
    );
    expect(
        "show string",
        &chapter_with(&good_with("", "show = \"heatmap\"")),
        9,
        &["`show` holds a string", "list of views"],
    );
    expect(
        "mask number",
        &chapter_with(&good_with("", "mask = 1")),
        9,
        &["`mask` holds an integer", "causal"],
    );
    expect(
        "mask of numbers",
        &chapter_with(&good_with("", "mask = [[1, 0], [1, 1]]")),
        9,
        &["`mask` holds an integer", "true"],
    );
    expect(
        "set_query list",
        &chapter_with(&good_with("", "set_query = [1.0]")),
        9,
        &["`set_query` holds a list"],
    );
    expect(
        "assert string",
        &chapter_with(&good_with("", "assert = \"x\"")),
        9,
        &["`assert` holds a string"],
    );
    expect(
        "date",
        &chapter_with(&good_with("", "scale = 1979-05-27")),
        9,
        &["`scale` holds a date"],
    );
}

#[test]
fn missing_fields_and_empty_blocks_name_the_fence() {
    expect("empty", &chapter_with(""), 3, &["empty", "example"]);
    expect("only blank lines", &chapter_with("\n\n"), 3, &["empty"]);
    expect(
        "no w_v",
        &chapter_with(&good_with("w_v", "")),
        3,
        &["no `w_v`", "example = "],
    );
    expect(
        "only tokens",
        &chapter_with("tokens = [\"a\"]\n"),
        3,
        &["no `embeddings`"],
    );
    expect(
        "empty tokens",
        &chapter_with(&good_with("tokens", "tokens = []")),
        8,
        &["`tokens` is empty"],
    );
}

#[test]
fn every_shape_mismatch_is_named() {
    expect(
        "tokens vs embeddings",
        &chapter_with(&good_with("tokens", "tokens = [\"a\", \"b\", \"c\"]")),
        4,
        &["`embeddings` has 2 rows but there are 3 tokens"],
    );
    expect(
        "ragged embeddings",
        &chapter_with(&good_with(
            "embeddings",
            "embeddings = [\n  [1.0, 0.0],\n  [0.0, 1.0, 2.0],\n]",
        )),
        10,
        &["row 2 of `embeddings` has 3 entries but row 1 has 2"],
    );
    expect(
        "embeddings vs w_q",
        &chapter_with(&good_with("w_q", "w_q = [[1.0, 0.0, 1.0]]")),
        8,
        &["`w_q` has 3 columns but the embeddings have 2 dimensions"],
    );
    expect(
        "w_q vs w_k",
        &chapter_with(&good_with("w_k", "w_k = [[1.0, 0.0]]")),
        8,
        &["`w_k` has 1 rows but `w_q` has 2"],
    );
    expect(
        "w_v columns",
        &chapter_with(&good_with("w_v", "w_v = [[1.0], [2.0]]")),
        8,
        &["`w_v` has 1 columns"],
    );
    expect(
        "ragged w_v",
        &chapter_with(&good_with("w_v", "w_v = [[1.0, 2.0], [3.0]]")),
        8,
        &["row 2 of `w_v`"],
    );
    expect(
        "empty rows",
        &chapter_with(&good_with("w_v", "w_v = [[], []]")),
        8,
        &["`w_v` has empty rows"],
    );
    expect(
        "dims count",
        &chapter_with(&good_with("", "dims = [\"one\"]")),
        9,
        &["`dims` names 1 dimensions but the embeddings have 2"],
    );
    expect(
        "mask shape",
        &chapter_with(&good_with("", "mask = [[true]]")),
        9,
        &["the mask is 1×1 but there are 2 tokens"],
    );
    expect(
        "ragged mask",
        &chapter_with(&good_with("", "mask = [[true, true], [true]]")),
        9,
        &["row 2 of `mask`"],
    );
}

#[test]
fn non_finite_numbers_are_refused_where_they_are_written() {
    expect(
        "nan",
        &chapter_with(&good_with(
            "embeddings",
            "embeddings = [[nan, 0.0], [0.0, 1.0]]",
        )),
        8,
        &["`nan`", "not a finite number"],
    );
    expect(
        "inf",
        &chapter_with(&good_with("w_k", "w_k = [[1.0, 0.0], [0.0, inf]]")),
        8,
        &["`inf`"],
    );
    expect(
        "-inf",
        &chapter_with(&good_with("", "scale = -inf")),
        9,
        &["`-inf`"],
    );
    expect(
        "overflowing float literal",
        &chapter_with(&good_with("w_v", "w_v = [[1e999, 0.0], [0.0, 1.0]]")),
        8,
        &["not a finite number"],
    );
}

#[test]
fn overflow_inside_the_computation_is_reported() {
    let body = good_with(
        "embeddings",
        "embeddings = [[1e200, 1e200], [1e200, 1e200]]",
    );
    expect(
        "1e200",
        &chapter_with(&body),
        3,
        &["overflowed to infinity", "smaller values"],
    );
}

#[test]
fn unknown_names_suggest_the_nearest() {
    expect(
        "unknown example",
        &chapter_with("example = \"pear\"\n"),
        4,
        &["no example named `pear`", "did you mean `pair`"],
    );
    expect(
        "unknown view",
        &chapter_with(&good_with("", "show = [\"heatmapp\"]")),
        9,
        &["unknown view `heatmapp`", "did you mean `heatmap`"],
    );
    expect(
        "unknown mask",
        &chapter_with(&good_with("", "mask = \"casual\"")),
        9,
        &["unknown mask `casual`", "did you mean `causal`"],
    );
    expect(
        "unknown focus",
        &chapter_with(&good_with("", "focus = \"c\"")),
        9,
        &["`focus` is `c`", "not one of the tokens"],
    );
    expect(
        "set_query range",
        &chapter_with(&good_with("", "set_query = { 7 = 1.0 }")),
        9,
        &["dimensions 1 to 2"],
    );
    expect(
        "bad id",
        &chapter_with(&good_with("", "id = \"two words\"")),
        9,
        &["may hold only letters"],
    );
}

#[test]
fn bad_assertions_and_false_claims_name_their_line() {
    expect(
        "unparsable",
        &chapter_with(&good_with("", "assert = [\"weights[a][b]\"]")),
        9,
        &["cannot read the claim", "compares two things"],
    );
    expect(
        "unknown field",
        &chapter_with(&good_with("", "assert = [\"wieghts[a][b] > 0\"]")),
        9,
        &["unknown field `wieghts`", "did you mean `weights`"],
    );
    expect(
        "unknown function",
        &chapter_with(&good_with("", "assert = [\"argmux(weights[a]) == b\"]")),
        9,
        &["unknown function `argmux`"],
    );
    expect(
        "false claim",
        &chapter_with(&good_with("", "assert = [\"argmax(weights[a]) == b\"]")),
        9,
        &["the claim", "is false", "left side is a"],
    );
    expect(
        "unknown token",
        &chapter_with(&good_with("", "assert = [\"weights[z][a] > 0\"]")),
        9,
        &["`z` is not a row"],
    );
    expect(
        "claim on a later line",
        &chapter_with(&good_with(
            "",
            "assert = [\n  \"sum(weights[*]) == 1\",\n  \"weights[a][a] > 0.99\",\n]",
        )),
        11,
        &["is false"],
    );
}

#[test]
fn named_results_that_a_block_does_not_have_are_named() {
    expect(
        "no named results",
        &chapter_with(&good_with(
            "",
            "assert = [\"mask[causal].weights[a][a] > 0\"]",
        )),
        9,
        &[
            "this block has no result `mask[causal]`",
            "only its own result",
            "\"compare\"",
        ],
    );
    expect(
        "misspelt key",
        &chapter_with(&good_with(
            "",
            "show = [\"compare\"]\nassert = [\"mask[casual].weights[a][a] > 0\"]",
        )),
        10,
        &[
            "no result `mask[casual]`",
            "did you mean `mask[causal]`",
            "`mask[bidirectional]`, `mask[causal]`",
        ],
    );
    expect(
        "unknown kind of result",
        &chapter_with(&good_with("", "assert = [\"layers[2].weights[a][a] > 0\"]")),
        9,
        &["no kind of result `layers`", "`mask[…]`, `heads[…]`"],
    );
}

#[test]
fn bad_inline_values_name_their_line() {
    expect(
        "no block above",
        "# C\n\nSee `attn: weights[a][b]`.\n",
        3,
        &["no attention block above"],
    );
    expect(
        "unknown name",
        "# C\n\n\nSee `attn: nothing:weights[a][b]`.\n",
        4,
        &["nothing is named `nothing`"],
    );
    let text = format!(
        "{}\nThe weight is `attn: weights[a][q]`.\n",
        chapter_with(GOOD)
    );
    expect(
        "unknown column",
        &text,
        11,
        &["cannot compute the inline value", "`q` is not a column"],
    );
    expect(
        "a whole matrix",
        &format!("{}\n`attn: weights`\n", chapter_with(GOOD)),
        11,
        &["whole matrix"],
    );
}

#[test]
fn functions_check_what_they_are_given() {
    // One number is not a row: each function says what it needs, in prose and in claims.
    for f in ["argmax", "argmin", "sum", "max", "min", "lead"] {
        for arg in ["scale", "q[a][1]", "weights[a][b]", "tokens[1]"] {
            let text = format!(
                "{}
`attn: {f}({arg})`
",
                chapter_with(GOOD)
            );
            expect(
                &format!("{f}({arg}) inline"),
                &text,
                11,
                &["needs a row of numbers", &format!("`{f}({arg})`")],
            );
            let claim = good_with("assert", &format!("assert = [\"{f}({arg}) == a\"]"));
            expect(
                &format!("{f}({arg}) claim"),
                &chapter_with(&claim),
                9,
                &["needs a row of numbers"],
            );
        }
    }
    // A row of tokens is not a row of numbers.
    expect(
        "argmax of tokens",
        &format!(
            "{}
`attn: argmax(tokens)`
",
            chapter_with(GOOD)
        ),
        11,
        &["no numbers to work on"],
    );
}

#[test]
fn inline_values_that_are_not_values_are_errors() {
    for (written, words) in [
        (
            "sacle",
            &["`sacle` is not a value", "did you mean `scale`"][..],
        ),
        (
            "wieghts",
            &["`wieghts` is not a value", "did you mean `weights`"][..],
        ),
        ("\"quoted\"", &["`quoted` is not a value"][..]),
        ("nan", &["`nan` is not a finite number"][..]),
        ("inf", &["`inf` is not a finite number"][..]),
        ("-inf", &["`-inf` is not a finite number"][..]),
        ("1e999", &["`1e999` is not a finite number"][..]),
    ] {
        let text = format!(
            "{}
See `attn: {written}`.
",
            chapter_with(GOOD)
        );
        expect(&format!("inline {written}"), &text, 11, words);
    }
    // Numbers and references still work.
    let fine = format!(
        "{}
`attn: 0.5` `attn: scale` `attn: argmax(weights[a])`
",
        chapter_with(GOOD)
    );
    assert!(problems(&fine).is_empty(), "{:?}", problems(&fine));
    // A claim may still compare with a bare token name.
    let claim = good_with(
        "assert",
        "assert = [\"argmax(weights[a]) == a\", \"1e999 > 1\"]",
    );
    expect(
        "non-finite in a claim",
        &chapter_with(&claim),
        9,
        &["`1e999` is not a finite number"],
    );
}

#[test]
fn names_two_tokens_share_are_errors_and_numbers_are_positions() {
    let block = r#"tokens = ["the", "cat", "the", "dog"]
embeddings = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.9]]
dims = ["2", "1"]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 0.0], [0.0, 1.0]]
"#;
    expect(
        "a shared token name",
        &format!(
            "{}
`attn: weights[the][cat]`
",
            chapter_with(block)
        ),
        12,
        &["`the` names rows 1 and 3", "position"],
    );
    // By position it works, and argmin says which "the" it means.
    let text = format!(
        "{}
`attn: weights[3][cat]` `attn: argmin(weights[cat])` `attn: embeddings[cat][1]`
",
        chapter_with(block)
    );
    assert!(problems(&text).is_empty(), "{:?}", problems(&text));
    let html = chapter::process(&text, "src/ch.md", &examples())
        .unwrap()
        .replace("&#40;", "(")
        .replace("&#41;", ")");
    assert!(
        html.contains("the (position 1)"),
        "argmin names the position of a shared name"
    );
    // A number in brackets is a position, even where a dimension is named "1": the first column.
    assert!(
        html.contains(">0.00</span>"),
        "embeddings[cat][1] is the first column (0.00)"
    );
    expect(
        "a position out of range",
        &format!(
            "{}
`attn: weights[9][cat]`
",
            chapter_with(block)
        ),
        12,
        &["positions run from 1 to 4"],
    );
}

#[test]
fn an_example_defined_twice_is_an_error_naming_both_places() {
    let mut e = Examples::default();
    e.add_file(&format!("[x]\n{GOOD}"), "src/examples/a.toml")
        .unwrap();
    let err = e
        .add_file(&format!("# again\n[x]\n{GOOD}"), "src/examples/b.toml")
        .unwrap_err();
    let text: Vec<String> = err.iter().map(|d| d.to_string()).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].starts_with(
            "src/examples/b.toml:2: the example `x` is already defined at src/examples/a.toml:1"
        ),
        "{text:?}"
    );
}

#[test]
fn a_bad_example_is_reported_once_however_many_files_follow() {
    let mut e = Examples::default();
    let bad = format!(
        "[bad]\n{}",
        GOOD.replace("[[1.0, 0.0], [0.0, 1.0]]\nw_q", "[[1.0, 0.0]]\nw_q")
    );
    let mut reported = e.add_file(&bad, "src/examples/a.toml").unwrap_err().len();
    for (i, name) in ["b", "c", "d"].iter().enumerate() {
        let file = format!("src/examples/{i}.toml");
        if let Err(p) = e.add_file(&format!("[{name}]\n{GOOD}"), &file) {
            reported += p.len();
        }
    }
    assert_eq!(reported, 1);
}

#[test]
fn a_figure_with_nothing_to_show_is_an_error() {
    expect(
        "show = []",
        &chapter_with(&good_with("show", "show = []")),
        9,
        &["`show` is empty", "leave `show` out"],
    );
}

#[test]
fn hostile_sizes_get_bounded_work_and_a_capped_report() {
    // A 40,000-character focus gets no suggestion (which would take seconds), only the list.
    let long = "x".repeat(40_000);
    let got = problems(&chapter_with(&good_with(
        "focus",
        &format!("focus = \"{long}\""),
    )));
    assert_eq!(got.len(), 1);
    assert!(
        !got[0].contains("did you mean"),
        "no suggestion for a 40,000-character name"
    );
    // 500 bad references: 100 printed, the rest counted.
    let refs = "`attn: weights[a][q]`\n".repeat(500);
    let text = format!("{}\n{refs}", chapter_with(GOOD));
    let report = mdbook_attention::report::render_for_build(
        &chapter::process(&text, "src/ch.md", &examples()).unwrap_err(),
        &|_| None,
        mdbook_attention::report::Style::default(),
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("error: ")).count(),
        100
    );
    assert!(
        report.contains("… and 400 more problems"),
        "{}",
        &report[report.len() - 200..]
    );
    assert!(report.ends_with("500 problems in attention blocks; the book was not built"));
}

#[test]
fn what_a_book_writes_reaches_the_report_as_text_never_as_terminal_instructions() {
    let report = |text: &str| {
        mdbook_attention::report::render(
            &chapter::process(text, "src/ch.md", &examples()).unwrap_err(),
            &|_| Some(text.to_string()),
            mdbook_attention::report::Style::default(),
        )
    };
    let safe = |report: &str| {
        !report
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}')
    };
    // A token whose value holds an escape sequence that clears the screen, a focus that holds
    // one that turns the terminal red and a direction override: the message escapes them all.
    let text = chapter_with(&format!(
        "{}tokens = [\"a\\u001b[2J\", \"b\"]\nfocus = \"\\u001b[31mb\u{202e}x\"\n",
        good_with("tokens", "")
    ));
    let printed = report(&text);
    assert!(safe(&printed), "{printed}");
    assert!(
        printed.contains("`focus` is `\\u{1b}[31mb\\u{202e}x`"),
        "{printed}"
    );
    assert!(
        printed.contains("a\\u{1b}[2J"),
        "the tokens are listed escaped: {printed}"
    );
    // An escape written raw in the chapter: the quoted line draws it as one character, and the
    // underline stays under the place.
    let text = chapter_with(&good_with("", "focus = \"\u{1b}[31mb\""));
    let printed = report(&text);
    assert!(safe(&printed), "{printed}");
    let lines: Vec<&str> = printed.lines().collect();
    let quoted = lines.iter().position(|l| l.contains("focus =")).unwrap();
    assert!(lines[quoted].contains("\"␛[31mb\""), "{printed}");
    let column = |l: &str, pattern: char| l.chars().position(|c| c == pattern).unwrap();
    assert_eq!(
        column(lines[quoted], '␛'),
        column(lines[quoted + 1], '^'),
        "{printed}"
    );
}

#[test]
fn a_suggestion_that_looks_like_what_was_written_says_how_they_differ() {
    // `café` as a token with one code point for `é`; the focus with `e` and a combining accent.
    let body = format!(
        "{}tokens = [\"café\", \"b\"]\nfocus = \"cafe\u{301}\"\n",
        good_with("tokens", "")
    );
    expect(
        "focus in another normal form",
        &chapter_with(&body),
        9,
        &[
            "did you mean `café`",
            "it looks the same, but what you wrote has U+0065 U+0301 where `café` has U+00E9",
        ],
    );
}

#[test]
fn limits_are_enforced_with_a_clear_message() {
    let tokens: Vec<String> = (0..129).map(|i| format!("\"t{i}\"")).collect();
    let body = good_with("tokens", &format!("tokens = [{}]", tokens.join(", ")));
    expect(
        "too many tokens",
        &chapter_with(&body),
        8,
        &["129 tokens are more than the limit of 128"],
    );
    let wide: Vec<String> = (0..65).map(|_| "1.0".to_string()).collect();
    let body = good_with("w_q", &format!("w_q = [[{}]]", wide.join(", ")));
    expect(
        "too many dims",
        &chapter_with(&body),
        8,
        &["beyond the limits"],
    );
}

#[test]
fn every_bad_block_of_a_chapter_is_reported_in_one_run() {
    let text = format!(
        "{}\n```attention\ntokns = 1\n```\n\n- ```attention\n  example = \"pear\"\n  ```\n\n> ```attention\n> scale = \"x\"\n> ```\n",
        chapter_with("tokens = [\"a]\n")
    );
    let got = problems(&text);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[0].starts_with("src/ch.md:4:"));
    assert!(got[1].starts_with("src/ch.md:8:"));
    assert!(got[2].starts_with("src/ch.md:12:"));
    assert!(got[3].starts_with("src/ch.md:16:"));
}

#[test]
fn several_problems_of_one_block_come_together() {
    let body = "tokns = [\"a\"]\nscale = \"x\"\nshow = [\"nope\"]\n";
    let got = problems(&chapter_with(body));
    assert!(got.len() >= 2, "{got:#?}");
}

#[test]
fn heads_of_different_sizes_cannot_share_views_that_follow_the_picked_head() {
    let body = "tokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nheads = [\n  { w_q = [[1.0, 0.0], [0.0, 1.0]], w_k = [[1.0, 0.0], [0.0, 1.0]], w_v = [[1.0, 2.0], [3.0, 4.0]] },\n  { w_q = [[0.0, 2.0]], w_k = [[1.0, 1.0]], w_v = [[0.5, 0.5]] },\n]\nshow = [\"qkv\", \"heads\", \"controls\"]\n";
    expect(
        "different sizes",
        &chapter_with(body),
        10,
        &[
            "a reader may follow any head",
            "head 1: d_k 2, d_v 2; head 2: d_k 1, d_v 1",
            "drop \"qkv\"",
        ],
    );
    // Views whose shape does not depend on the head are fine.
    let fine = body.replace("\"qkv\", ", "\"scores\", ");
    assert!(chapter::process(&chapter_with(&fine), "src/ch.md", &examples()).is_ok());
}

#[test]
fn the_order_views_copy_must_be_the_same_words_and_the_block_unmasked() {
    let order =
        |shuffled: &str| good_with("", &format!("show = [\"order\"]\nshuffled = {shuffled}"));
    expect(
        "a word the sentence lacks",
        &chapter_with(&order("[\"b\", \"c\"]")),
        10,
        &[
            "`shuffled` names `c`, which is not one of the tokens",
            "give the tokens a, b in another order",
        ],
    );
    expect(
        "a word given twice",
        &chapter_with(&order("[\"b\", \"b\"]")),
        10,
        &["`shuffled` gives `b` more often than the sentence has it (1 time)"],
    );
    expect(
        "a word left out",
        &chapter_with(&order("[\"b\"]")),
        10,
        &["`shuffled` leaves out a", "give every token once"],
    );
    expect(
        "no order view",
        &chapter_with(&good_with("", "shuffled = [\"b\", \"a\"]")),
        9,
        &[
            "`shuffled` sets the order of the order view's copy",
            "add \"order\" to `show`",
        ],
    );
    expect(
        "a mask",
        &chapter_with(&good_with("", "mask = \"causal\"\nshow = [\"order\"]")),
        9,
        &[
            "the order view moves the words to other places",
            "a block without a mask",
        ],
    );
    // A word the sentence has twice may be given twice: its occurrences, in turn.
    let twice = "tokens = [\"the\", \"cat\", \"the\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]\nw_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 2.0], [3.0, 4.0]]\nshow = [\"order\"]\nshuffled = [\"the\", \"the\", \"cat\"]\n";
    assert_eq!(problems(&chapter_with(twice)), Vec::<String>::new());
}

#[test]
fn an_order_view_copy_must_move_something_and_nothing_speaks_for_another_result() {
    let order =
        |shuffled: &str| good_with("", &format!("show = [\"order\"]\nshuffled = {shuffled}"));
    expect(
        "the order as written",
        &chapter_with(&order("[\"a\", \"b\"]")),
        10,
        &[
            "`shuffled` gives the words in the order they are written",
            "give them in another order",
        ],
    );
    expect(
        "a list longer than the sentence, said once",
        &chapter_with(&order(&format!("[{}]", vec!["\"a\""; 500].join(", ")))),
        10,
        &["`shuffled` has 500 words but the sentence has 2"],
    );
    assert_eq!(
        problems(&chapter_with(&order(&format!(
            "[{}]",
            vec!["\"a\""; 500].join(", ")
        ))))
        .len(),
        1
    );
    let one = "tokens = [\"a\"]\nembeddings = [[1.0, 0.0]]\nw_q = [[1.0, 0.0]]\nw_k = [[1.0, 0.0]]\nw_v = [[1.0, 2.0]]\nshow = [\"order\"]\n";
    expect(
        "one token",
        &chapter_with(one),
        9,
        &["a sentence of one token has none to move to"],
    );
    let same = "tokens = [\"the\", \"the\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nw_q = [[1.0, 0.0]]\nw_k = [[1.0, 0.0]]\nw_v = [[1.0, 2.0]]\npositions = \"sinusoidal\"\nshow = [\"order\"]\n";
    expect(
        "reads the same reversed",
        &chapter_with(same),
        10,
        &["the sentence reads the same reversed"],
    );
    // Fields of the block's heads together are not fields of one result.
    let heads = "tokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nheads = [\n  { w_q = [[1.0, 0.0]], w_k = [[1.0, 0.0]], w_v = [[1.0, 2.0]] },\n  { w_q = [[0.0, 1.0]], w_k = [[0.0, 1.0]], w_v = [[0.5, 0.5]] },\n]\nw_o = [[1.0, 0.0], [0.0, 1.0]]\npositions = \"sinusoidal\"\nshow = [\"order\"]\nassert = [\"order[shuffled].combined[a][1] > 0\"]\n";
    expect(
        "combined of one result",
        &chapter_with(heads),
        13,
        &[
            "`combined` belongs to the block, made from all its heads, not to the result `order[shuffled]`",
        ],
    );
}

#[test]
fn an_example_may_hold_the_order_its_blocks_without_the_view_leave() {
    let mut e = Examples::default();
    e.add_file(
        &format!("[ordered]\n{GOOD}show = [\"order\"]\nshuffled = [\"b\", \"a\"]\n"),
        "src/examples.toml",
    )
    .unwrap();
    for show in ["heatmap", "order"] {
        let text = chapter_with(&format!("example = \"ordered\"\nshow = [\"{show}\"]\n"));
        assert!(
            chapter::process(&text, "src/ch.md", &e).is_ok(),
            "{show}: {:?}",
            chapter::process(&text, "src/ch.md", &e).err()
        );
    }
}

/// The smaller mistakes of the third probe, each told once, where it is, in the author's terms.
#[test]
fn small_mistakes_are_told_as_what_they_are() {
    let cases: [(&str, &[&str]); 3] = [
        (
            "```attention\ntrain = { seed = 7, stepz = 5, rate = 0.1 }\n```\n",
            &[
                "no setting `stepz` (did you mean `steps`?)",
                "no setting `rate`",
            ],
        ),
        (
            "```attention\nexample = \"pair\"\n```\n\n`attn: scale[1]`\n",
            &["`scale` is one number, with no column to pick — write `scale` without `[1]`"],
        ),
        (
            "```attention\ntokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nheads = [\n{ w_q = [[1.0, 0.0]], w_k = [[1.0, 0.0]], w_v = [[1.0, 0.0]] },\n{ w_q = [[0.0, 1.0]], w_k = [[1.0, 0.0]], w_v = [[1.0, 0.0]] },\n]\nshow = [\"heads\", \"heatmap\", \"compare\", \"qkv\"]\n```\n",
            &[],
        ),
    ];
    for (chapter, words) in cases {
        let text = format!("# C\n\n{chapter}");
        let got = chapter::process(&text, "src/ch.md", &examples());
        let said: Vec<String> = got
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(said.len(), words.len(), "{said:#?}");
        for w in words {
            assert!(said.iter().any(|s| s.contains(w)), "`{w}` not in {said:#?}");
        }
    }
    // The largest block the limits allow is refused when its views would draw too much.
    let n = 128;
    let tokens: Vec<String> = (0..n).map(|i| format!("\"t{i}\"")).collect();
    let rows = |r: usize, c: usize| {
        let row = format!("[{}]", vec!["0.1"; c].join(", "));
        format!("[{}]", vec![row; r].join(", "))
    };
    let head = format!(
        "{{ w_q = {}, w_k = {}, w_v = {} }}",
        rows(4, 4),
        rows(4, 4),
        rows(4, 4)
    );
    let block = format!(
        "# C\n\n```attention\ntokens = [{}]\nembeddings = {}\nheads = [{}]\nshow = [\"heads\"]\n```\n",
        tokens.join(", "),
        rows(n, 4),
        vec![head; 16].join(", ")
    );
    let said = chapter::process(&block, "src/ch.md", &examples()).unwrap_err();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0]
            .message
            .contains("would draw 262144 numbers (heads 262144)")
            && said[0].message.contains("more than the 65536"),
        "{}",
        said[0].message
    );
}
