//! Each view of a widget as one figure model, built once and written as HTML by `cells.rs` and
//! as Markdown by `static_form.rs`: [`figure`] is the list of views, and the table views live
//! by stage — [`inputs`] (embeddings, positions, matrices, projections), [`scores`] (q·k, the
//! scores, softmax, the weights) and [`output`] (the weighted values, the residual, heads
//! combined); [`decode`] writes the sentence one token at a time.
//!
//! Totals follow the pencil rule (`pencil.rs`): the shown operands reproduce them, or they
//! carry `≈`. Bindings (`data-b`) name what the browser recomputes; `theme/attention/bindings.js`
//! knows each name used here.

mod decode;
mod inputs;
mod output;
mod scores;
mod shared;

use super::figure::{Figure, Shown};
use super::heatmap;
use super::lines::PickedOut;
use super::training;
use crate::block::View;
use inputs::{embeddings, matrices, positions_figure, projection, qkv};
use output::{combine, output, residual};
use scores::{alignment, focus_weights, matmul, scores, softmax, weights};
use shared::marked_column;

/// The model of one view of one result: the single definition both writers render.
pub fn figure(view: View, c: &Shown) -> Result<Figure, String> {
    // The views of what is projected (`View::accepts` keeps them from a given head).
    let projected = || {
        c.input.projection().ok_or_else(|| {
            format!(
                "the {} view shows embeddings and weights, and a block on a model's head has none",
                view.name()
            )
        })
    };
    Ok(match view {
        View::Embeddings => Figure::Tables(vec![embeddings(c, projected()?)]),
        View::Matrices => Figure::Tables(matrices(c, projected()?)),
        View::Projection => Figure::Equations(projection(c, projected()?)),
        View::Qkv => Figure::Tables(qkv(c)),
        View::Matmul => Figure::Tables(matmul(c, marked_column(c))),
        View::Scores => Figure::Tables(vec![scores(c)]),
        View::Weights => Figure::Tables(vec![weights(c)]),
        View::Softmax => Figure::Tables(vec![softmax(c)]),
        View::Output => Figure::Tables(vec![output(c)]),
        View::Residual => Figure::Tables(vec![residual(c, projected()?)]),
        View::Heatmap => Figure::Heatmaps(heatmap::panels(c.c, false)?),
        View::Compare => Figure::Heatmaps(heatmap::panels(c.c, true)?),
        View::Heads => Figure::Heatmaps(heatmap::head_panels(c.c)),
        View::Order => heatmap::order(c.c)?,
        View::Decode => {
            let (steps, shown) = decode::steps(c)?;
            Figure::Decode {
                chart: decode::cost_chart(steps.len()),
                cost: decode::cost(steps.len()),
                memory: decode::memory(),
                steps,
                shown,
            }
        }
        View::Combine => Figure::Tables(combine(c)?),
        View::Positions => positions_figure(c, projected()?)?,
        View::Controls => Figure::Controls,
        View::Loss => {
            let chart = training::Chart {
                run: training::run_of(c.c)?,
            };
            Figure::Chart {
                svg: chart.svg(),
                table: chart.table(),
            }
        }
        View::Gradient => Figure::Tables(vec![training::gradient(training::run_of(c.c)?)]),
        View::Learning => {
            training::run_of(c.c)?;
            Figure::Learning(heatmap::panels(c.c, false)?)
        }
        View::Snapshots => Figure::Heatmaps(training::panels(c.c)?),
        View::Learned => Figure::Tables(training::learned(c.c)?),
        View::Lines => Figure::Drawn {
            svg: super::lines::lines(c, PickedOut::Focus),
            label: format!("Attention as lines, from “{}”", c.spec.tokens[c.spec.focus]),
            tables: vec![focus_weights(c)],
            picker: None,
        },
        View::Cross => {
            let t = c.spec.kind.translated().ok_or(
                "the cross view draws one sentence against another — give the block `translate = \"…\"`",
            )?;
            Figure::Drawn {
                svg: super::lines::lines(c, PickedOut::Strongest),
                label: format!(
                    "“{}” written from “{}”: where each step looks",
                    c.spec.tokens.join(" "),
                    t.source.join(" ")
                ),
                tables: vec![alignment(c, t)],
                picker: None,
            }
        }
        View::Layers => {
            let on =
                c.spec.kind.on_head().ok_or(
                    "the layers view shows a real model — give the block `model = \"NAME\"`",
                )?;
            let (run, layer, head) = (&on.run, &on.layer, &on.head);
            let layers = run.attention.len();
            let heads = run.attention.first().map_or(0, Vec::len);
            Figure::Drawn {
                svg: super::layers::map(run, (*layer, *head), c.spec.focus),
                label: format!("Every head of every layer on “{}”", run.text),
                tables: vec![
                    super::layers::picked(run, *layer, *head),
                    super::layers::strongest(run, c.spec.focus),
                ],
                picker: Some((layers, heads, *layer, *head)),
            }
        }
    })
}
