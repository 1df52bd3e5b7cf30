use super::*;

fn blocks(text: &str) -> Vec<Block> {
    find(text)
        .into_iter()
        .filter_map(|f| match f {
            Found::Block(b) => Some(b),
            Found::Inline { .. } => None,
        })
        .collect()
}

fn replace_all(text: &str, html: &str) -> String {
    let replacements = blocks(text)
        .iter()
        .map(|b| {
            (
                b.range.clone(),
                block_replacement(b, html.to_string(), text, line_ending(text)),
            )
        })
        .collect();
    splice(text, replacements)
}

#[test]
fn finds_a_plain_block_with_its_body_and_line() {
    let text = "# T\n\n```attention\nexample = \"x\"\n```\n\nafter\n";
    let b = &blocks(text)[0];
    assert_eq!(b.body, "example = \"x\"\n");
    assert_eq!(b.fence_line, 3);
    assert_eq!(
        replace_all(text, "<div></div>"),
        "# T\n\n<div></div>\n\nafter\n"
    );
}

#[test]
fn ignores_other_languages_and_indented_code() {
    let text = "```rust\nlet a = 1;\n```\n\n    attention\n\n```attentionx\n```\n";
    assert!(find(text).is_empty());
}

#[test]
fn accepts_tilde_and_longer_fences_and_an_info_string_with_options() {
    let text = "~~~attention\na = 1\n~~~\n\n````attention extra\nb = 2\n```\nstill\n````\n";
    let found = blocks(text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].body, "a = 1\n");
    assert_eq!(found[1].body, "b = 2\n```\nstill\n");
}

#[test]
fn crlf_bodies_are_normalised_and_crlf_is_kept_around_the_widget() {
    let text = "x\r\n\r\n```attention\r\na = 1\r\n```\r\ny\r\n";
    let b = &blocks(text)[0];
    assert_eq!(b.body.replace("\r\n", "\n"), "a = 1\n");
    assert_eq!(b.fence_line, 3);
    let out = replace_all(text, "<p>w</p>");
    assert_eq!(out, "x\r\n\r\n<p>w</p>\r\n\r\ny\r\n");
}

#[test]
fn blockquote_blocks_keep_the_quote_marker_on_the_blank_line() {
    let text = "> intro\n>\n> ```attention\n> a = 1\n> ```\n> outro\n";
    let b = &blocks(text)[0];
    assert_eq!(b.body, "a = 1\n");
    assert_eq!(b.continuation, "> ");
    let out = replace_all(text, "<div>w</div>");
    assert_eq!(out, "> intro\n>\n> <div>w</div>\n>\n> outro\n");
}

#[test]
fn list_item_blocks_stay_inside_the_item() {
    let text = "- item\n\n  ```attention\n  a = 1\n  ```\n  more\n- next\n";
    let b = &blocks(text)[0];
    assert_eq!(b.body, "a = 1\n");
    let out = replace_all(text, "<div>w</div>");
    assert_eq!(out, "- item\n\n  <div>w</div>\n\n  more\n- next\n");
    // The HTML must render inside the list item, and "more" must stay Markdown.
    let html = {
        let mut s = String::new();
        mdbook_markdown::pulldown_cmark::html::push_html(
            &mut s,
            new_cmark_parser(&out, &MarkdownOptions::default()),
        );
        s
    };
    assert!(html.contains("<li>"));
    assert!(html.find("<div>w</div>").unwrap() < html.find("</li>").unwrap());
    assert!(html.contains("<p>more</p>"));
}

#[test]
fn a_block_at_the_end_without_a_newline_is_replaced() {
    let text = "```attention\na = 1\n```";
    let out = replace_all(text, "<div>w</div>");
    assert_eq!(out, "<div>w</div>\n");
}

#[test]
fn an_unclosed_fence_runs_to_the_end_of_the_document() {
    let text = "```attention\na = 1\n";
    let b = &blocks(text)[0];
    assert_eq!(b.body, "a = 1\n");
}

#[test]
fn a_chapter_without_blocks_finds_nothing_and_splices_to_itself() {
    let text = "| a | b |\n|---|---|\n| `x` | 1 |\n\n<div>\n\n```\ncode\n```\n";
    assert!(find(text).is_empty());
    assert_eq!(splice(text, vec![]), text);
}

#[test]
fn finds_inline_values_but_not_other_code_spans() {
    let text = "The weight is `attn: weights[cat][black]`, see `code` and ``attn:  q[cat][1]``.\n\n```\n`attn: no`\n```\n";
    let found = find(text);
    let exprs: Vec<_> = found
        .iter()
        .filter_map(|f| match f {
            Found::Inline { expr, range, .. } => Some((expr.clone(), &text[range.clone()])),
            Found::Block(_) => None,
        })
        .collect();
    assert_eq!(exprs.len(), 2);
    assert_eq!(
        exprs[0],
        (
            "weights[cat][black]".to_string(),
            "`attn: weights[cat][black]`"
        )
    );
    assert_eq!(exprs[1].0, "q[cat][1]");
}

#[test]
fn splice_applies_replacements_back_to_front() {
    assert_eq!(
        splice("abcdef", vec![(0..1, "X".into()), (4..6, "YZW".into())]),
        "XbcdYZW"
    );
}

#[test]
fn several_lines_of_content_keep_their_container_on_every_line() {
    let text = "- item\n\n  ```attention\n  a = 1\n  ```\n> ```attention\n> a = 1\n> ```\n";
    let out = replace_all(text, "| a |\n|---|\n\n| b |");
    assert_eq!(
        out,
        "- item\n\n  | a |\n  |---|\n\n  | b |\n\n> | a |\n> |---|\n>\n> | b |\n>\n"
    );
}

#[test]
fn knows_when_an_inline_value_sits_in_alt_text() {
    let text = "See `attn: a` and ![alt `attn: b`](i.png) and [link `attn: c`](x.html).\n";
    let in_alt: Vec<(String, bool)> = find(text)
        .into_iter()
        .filter_map(|f| match f {
            Found::Inline { expr, in_alt, .. } => Some((expr, in_alt)),
            Found::Block(_) => None,
        })
        .collect();
    assert_eq!(
        in_alt,
        [("a".into(), false), ("b".into(), true), ("c".into(), false)]
    );
}

#[test]
fn literal_text_cannot_become_markdown() {
    assert_eq!(literal_text("0.64"), "0.64");
    assert_eq!(literal_text("-0.30"), "-0.30");
    assert_eq!(
        literal_text("[x](javascript:y)"),
        "&#91;x&#93;&#40;javascript&#58;y&#41;"
    );
    assert_eq!(literal_text("a|b\\"), "a&#124;b&#92;");
    assert_eq!(literal_text("..."), "&#46;&#46;&#46;");
    assert_eq!(literal_text("two\nlines"), "two lines");
}

/// Renders Markdown the way mdBook parses it.
fn to_html(text: &str) -> String {
    use mdbook_markdown::pulldown_cmark::html;
    let mut out = String::new();
    html::push_html(
        &mut out,
        mdbook_markdown::new_cmark_parser(text, &mdbook_markdown::MarkdownOptions::default()),
    );
    out
}

fn spliced(text: &str) -> String {
    let replacements = blocks(text)
        .iter()
        .map(|b| {
            let html = "<figure class=\"attention-widget\">W</figure>";
            (
                b.range.clone(),
                block_replacement(b, html.to_string(), text, "\n"),
            )
        })
        .collect();
    splice(text, replacements)
}

#[test]
fn a_block_in_a_tight_list_keeps_the_list_tight() {
    for text in [
        "- one\n- ```attention\n  x = 1\n  ```\n- three\n",
        "1. one\n2. ```attention\n   x = 1\n   ```\n3. three\n",
        "- one\n  ```attention\n  x = 1\n  ```\n- three\n",
        "- one\n- ```attention\n  x = 1\n  ```\n",
    ] {
        let plain = to_html(&text.replace("attention", "text"));
        let ours = to_html(&spliced(text));
        assert_eq!(
            ours.matches("<p>").count(),
            plain.matches("<p>").count(),
            "tightness changed for {text:?}:\n{plain}\n{ours}"
        );
        assert!(ours.contains("<figure"), "{ours}");
    }
}

#[test]
fn text_after_a_block_in_the_same_container_is_not_swallowed() {
    for text in [
        "```attention\nx = 1\n```\nafter\n",
        "> ```attention\n> x = 1\n> ```\n> after\n",
        "- ```attention\n  x = 1\n  ```\n  after\n",
    ] {
        let ours = to_html(&spliced(text));
        assert!(
            ours.contains("<p>after</p>")
                || ours.contains("after</li>")
                || ours.contains("<li>after"),
            "{text:?} → {ours}"
        );
        assert!(
            !ours.contains("W</figure>\nafter") && !ours.contains("</figure>after"),
            "{text:?} → {ours}"
        );
    }
}

#[test]
fn a_block_in_a_footnote_continues_four_spaces_in_whatever_the_label() {
    let text = "Text[^a-rather-long-footnote-label].\n\n[^a-rather-long-footnote-label]: ```attention\n    x = 1\n    ```\n";
    let b = &blocks(text)[0];
    assert_eq!(b.continuation, "    ");
    // Several lines of static content stay inside the footnote, not an indented code block.
    let out = splice(
        text,
        vec![(
            b.range.clone(),
            block_replacement(b, "| a |\n|---|\n| 1 |".into(), text, "\n"),
        )],
    );
    assert!(out.contains("\n    |---|\n    | 1 |"), "{out:?}");
    assert!(!to_html(&out).contains("<pre><code>"), "{}", to_html(&out));
}

#[test]
fn the_books_markdown_options_decide_what_is_a_block() {
    let text = "Term\n: ```attention\n  x = 1\n  ```\n";
    let with = MarkdownOptions::default();
    let mut without = MarkdownOptions::default();
    without.definition_lists = false;
    let blocks_in = |o: &MarkdownOptions| {
        find_with(text, o)
            .into_iter()
            .filter(|f| matches!(f, Found::Block(_)))
            .count()
    };
    assert_eq!(blocks_in(&with), 1, "a definition holds the block");
    assert_eq!(
        blocks_in(&without),
        0,
        "without definition lists it is not a block"
    );
}
