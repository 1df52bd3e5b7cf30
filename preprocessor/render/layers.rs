//! Every head of a real model at once: one small heatmap per head, a row per layer (as BertViz's
//! model view), on the book's colour scale, the block's own head outlined; and, as text, where
//! each head sends the attention of the focus token.

use super::figure::{Row, Table, cell};
use super::html::escape_html;
use crate::block::ModelRun;
use crate::format::fmt;
use std::fmt::Write;

const GAP: usize = 14;
const LEFT: usize = 64;
const TOP: usize = 22;

/// The grid of small heatmaps; `own` is the block's (layer, head).
///
/// Each head is one rectangle in the theme's heatmap colour, seen through a mask: a small PNG
/// whose alpha is each cell's opacity on the book's scale. Seventy-two heads of a seven-piece
/// sentence are 3,528 cells; as rectangles they were most of the page's elements and most of
/// what the build spends on it, as masks they are 72 images. The numbers are in the tables.
pub fn map(run: &ModelRun, own: (usize, usize), focus: usize) -> String {
    let n = run.tokens.len();
    // Twelve heads across fit the page's column (about 720 pixels) for sentences of a few words.
    let cell = (40 / n.max(1)).clamp(2, 8);
    let side = cell * n;
    let heads = run.attention.first().map_or(0, Vec::len);
    let width = LEFT + heads * (side + GAP);
    let height = TOP + run.attention.len() * (side + GAP);
    // Mask ids are page-wide: the text's own key keeps two sentences' maps apart (and the same
    // sentence's map twice on a page draws the same cells).
    let key = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(format!("{}\0{}", run.model, run.text).as_bytes());
        d.iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let mut out = format!(
        "<svg class=\"attention-layers\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&format!(
            "Every head of the model's {} layers on \"{}\": one small heatmap each, rows attending, columns attended to; the table below says where each head sends the attention of one word",
            run.attention.len(),
            run.text
        ))
    );
    for h in 0..heads {
        let _ = write!(
            out,
            "<text class=\"attention-col-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">head {}</text>",
            LEFT + h * (side + GAP) + side / 2,
            TOP - 8,
            h + 1
        );
    }
    for (l, layer) in run.attention.iter().enumerate() {
        let y0 = TOP + l * (side + GAP);
        let _ = write!(
            out,
            "<text class=\"attention-row-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">layer {}</text>",
            LEFT - 8,
            y0 + side / 2 + 4,
            l + 1
        );
        for (h, weights) in layer.iter().enumerate() {
            let x0 = LEFT + h * (side + GAP);
            let id = format!("attention-layers-{key}-{l}-{h}");
            let _ = write!(
                out,
                "<mask id=\"{id}\" style=\"mask-type: alpha\"><image x=\"{x0}\" y=\"{y0}\" width=\"{side}\" height=\"{side}\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,{}\"></image></mask><rect class=\"attention-layers-head\" x=\"{x0}\" y=\"{y0}\" width=\"{side}\" height=\"{side}\" mask=\"url(#{id})\"></rect>",
                opacities_png(weights, cell)
            );
            if (l, h) == own {
                // The block's own head; and the head the pickers open in full, which the script
                // moves and shows once it is another.
                for (class, shown) in [("own", ""), ("picked", " visibility=\"hidden\"")] {
                    let _ = write!(
                        out,
                        "<rect class=\"attention-layers-{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{shown} data-step-x=\"{}\" data-step-y=\"{}\"></rect>",
                        x0 - 3,
                        y0 - 3,
                        side + 6,
                        side + 6,
                        side + GAP,
                        side + GAP
                    );
                }
            }
        }
    }
    // The focus token's row in every head at once: a bar beside each map (an outline would hide
    // a row a few pixels high), one path the script moves with the focus.
    let rows: String = (0..run.attention.len())
        .flat_map(|l| (0..heads).map(move |h| (l, h)))
        .map(|(l, h)| {
            format!(
                "M{} {}h3v{cell}h-3z",
                LEFT + h * (side + GAP) - 5,
                TOP + l * (side + GAP)
            )
        })
        .collect();
    let _ = write!(
        out,
        "<path class=\"attention-layers-focus\" aria-hidden=\"true\" d=\"{rows}\" transform=\"translate(0 {})\" data-cell=\"{cell}\"></path>",
        focus * cell
    );
    out.push_str("</svg>");
    out
}

/// One head's weights as a PNG, `cell` pixels a weight, black with each cell's opacity as alpha
/// (drawn at its own size, it stays sharp where a browser would smooth a scaled image).
fn opacities_png(weights: &[Vec<f64>], cell: usize) -> String {
    use base64::Engine;
    let side = weights.len() * cell;
    let mut pixels = Vec::with_capacity(side * side * 2);
    for row in weights {
        let line: Vec<u8> = row
            .iter()
            .flat_map(|w| {
                let alpha = (super::heatmap::opacity_of(*w) * 255.0).round() as u8;
                std::iter::repeat_n([0, alpha], cell).flatten()
            })
            .collect();
        for _ in 0..cell {
            pixels.extend_from_slice(&line);
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, side as u32, side as u32);
        encoder.set_color(png::ColorType::GrayscaleAlpha);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        // Writing to memory cannot fail; an empty image would only draw an empty head.
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&pixels);
        }
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// For the focus token: the word each head of each layer attends to most, and how much — a head
/// per row and a layer per column, so that the table fits the page. The live figure rewrites it
/// for each token the reader focuses (`theme/attention/views/layers.js`, `layersFocus`, writes
/// the same words).
pub fn strongest(run: &ModelRun, focus: usize) -> Table {
    let heads = run.attention.first().map_or(0, Vec::len);
    let token = run.tokens.get(focus).cloned().unwrap_or_default();
    let best = |w: &Vec<Vec<f64>>| {
        let (j, x) = w[focus]
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |a, (j, &x)| if x > a.1 { (j, x) } else { a });
        cell(format!("{} {}", run.tokens[j], fmt(x)), None)
    };
    Table {
        caption: format!("Where each head sends the attention of “{token}”: the word piece it attends to most, and its weight").as_str().into(),
        corner: "".into(),
        columns: (1..=run.attention.len()).map(|l| format!("layer {l}")).collect(),
        rows: (0..heads)
            .map(|h| Row {
                header: format!("head {}", h + 1),
                focus: false,
                token: None,
                cells: run.attention.iter().map(|layer| best(&layer[h])).collect(),
            })
            .collect(),
        class: "attention-matrix attention-strongest",
        marked: None,
    }
}

/// One head in full, as a table: the one the block names, which the live figure's pickers
/// replace by any other (`theme/attention/views/layers.js`, `headPicker`, writes the same words).
pub fn picked(run: &ModelRun, layer: usize, head: usize) -> Table {
    Table {
        caption: format!(
            "Layer {}, head {}: row = the word piece attending, column = the one attended to",
            layer + 1,
            head + 1
        )
        .as_str()
        .into(),
        corner: "".into(),
        columns: run.tokens.clone(),
        rows: run.attention[layer][head]
            .iter()
            .zip(&run.tokens)
            .map(|(row, t)| Row {
                header: t.clone(),
                focus: false,
                token: None,
                cells: row.iter().map(|w| cell(fmt(*w), None)).collect(),
            })
            .collect(),
        class: "attention-matrix attention-picked",
        marked: None,
    }
}
