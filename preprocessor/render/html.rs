//! The HTML writer's machinery: the handlebars templates (one per view), the one escape for
//! text and attributes, and JSON made safe inside `<script>`.

use handlebars::Handlebars;
use serde_json::Value;
use std::cell::RefCell;
use std::sync::LazyLock;

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape_html);
    hb.register_helper("html", Box::new(write_html));
    for (name, text) in [
        ("widget", include_str!("templates/widget.hbs")),
        ("table", include_str!("templates/table.hbs")),
        ("projection", include_str!("templates/projection.hbs")),
        ("heatmap", include_str!("templates/heatmap.hbs")),
        ("controls", include_str!("templates/controls.hbs")),
        ("training", include_str!("templates/training.hbs")),
        ("order", include_str!("templates/order.hbs")),
    ] {
        // Templates break lines only between tags: joined here once, a widget is one line
        // without a pass over every rendered megabyte.
        hb.register_template_string(name, one_line(text))
            .expect("embedded templates parse (a unit test renders each)");
    }
    hb
});

/// `{{html x}}`: markup our own writers made, written as it is. Unlike `{{{x}}}`, which copies
/// the string once more before writing it, this writes it straight from the data — a figure
/// of 64 tokens and 8 heads carries megabytes through three levels of templates.
fn write_html(
    h: &handlebars::Helper,
    _: &Handlebars,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let param = h
        .param(0)
        .ok_or_else(|| handlebars::RenderErrorReason::ParamNotFoundForIndex("html", 0))?;
    match param.value() {
        Value::String(markup) => out.write(markup)?,
        other => out.write(&handlebars::JsonRender::render(other))?,
    }
    Ok(())
}

/// Escapes text for HTML content and attribute values, newlines included, so a widget stays
/// on one line and nothing in a block can open a tag.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut plain_from = 0;
    // Every character escaped is ASCII, so byte positions are character boundaries.
    for (at, byte) in s.bytes().enumerate() {
        let escaped = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' => "&#10;",
            b'\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&s[plain_from..at]);
        out.push_str(escaped);
        plain_from = at + 1;
    }
    out.push_str(&s[plain_from..]);
    out
}

/// JSON that is safe inside `<script>`: no `<`, `>` or `&` can end the element early.
pub(super) fn script_json(value: &impl serde::Serialize) -> Result<String, String> {
    let text = serde_json::to_string(value)
        .map_err(|e| format!("the widget's data cannot be written: {e}"))?;
    let mut out = String::with_capacity(text.len() + 16);
    let mut plain_from = 0;
    for (at, c) in text.char_indices() {
        let escaped = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        out.push_str(&text[plain_from..at]);
        out.push_str(escaped);
        plain_from = at + c.len_utf8();
    }
    out.push_str(&text[plain_from..]);
    Ok(out)
}

thread_local! {
    /// The first template failure of the widget being rendered; `widget` turns it into an error.
    pub(super) static FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Renders a template. The data is a `Value` handed over whole: `Registry::render` would
/// serialize it once more, copying every pre-rendered string in it. A failure is remembered
/// and reported by `widget` as a build error.
pub(super) fn render(name: &str, data: Value) -> String {
    TEMPLATES
        .render_with_context(name, &handlebars::Context::from(data))
        .unwrap_or_else(|e| {
            FAILURE.with(|f| {
                f.borrow_mut()
                    .get_or_insert_with(|| format!("the {name} template failed: {e}"));
            });
            String::new()
        })
}

/// Joins template lines: the templates break lines only between tags.
fn one_line(html: &str) -> String {
    html.lines().map(str::trim).collect::<Vec<_>>().join("")
}
