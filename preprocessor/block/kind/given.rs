//! Weights written in the block (or its example): one head (`w_q`, `w_k`, `w_v`), or several
//! side by side (`heads`) whose outputs `w_o` may combine. This kind reads `heads` and checks
//! `w_o` against them (the one head's `w_q`, `w_k`, `w_v` and the embeddings are read by the
//! block's builder, as a trained block writes them too); it adds the heads' named results
//! `heads[2]`, … and the combined output.

use crate::block::View;
use crate::block::checked::{MAX_DIMS, MAX_HEADS};
use crate::block::keys::{Field, Fields, HeadField, Key, Rows, rows_to_array};
use crate::source::{Diagnostic, Located, Place};
use ndarray::Array2;

/// How many heads a block of given weights has, and what combines them.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    /// One, or the length of `heads`.
    pub count: usize,
    /// `(d_out, H·d_v)`: combines the heads' outputs.
    pub w_o: Option<Array2<f64>>,
}

/// One head's weights, and its own scale if it has one.
pub struct HeadWeights {
    pub w_q: Array2<f64>,
    pub w_k: Array2<f64>,
    pub w_v: Array2<f64>,
    pub scale: Option<f64>,
}

/// `heads`: every head's weights, each as wide as the embeddings (`d`, 0 when they are not
/// read); `None` without the key or when a head is wrong (its problems are in `problems`).
pub fn read_heads(
    fields: &Fields,
    d: usize,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<HeadWeights>> {
    let Some(Located {
        value: Field::Heads(heads),
        place,
    }) = fields.get(&Key::Heads)
    else {
        return None;
    };
    if heads.is_empty() {
        problems.push(Diagnostic::new(place.clone(), "`heads` is empty — give at least one head, or leave `heads` out and give `w_q`, `w_k` and `w_v`"));
        return None;
    }
    if heads.len() > MAX_HEADS {
        let message = format!(
            "{} heads are more than the limit of {MAX_HEADS} — show fewer heads",
            heads.len()
        );
        problems.push(Diagnostic::new(place.clone(), message));
        return None;
    }
    let mut all = Vec::new();
    for (h, head) in heads.iter().enumerate() {
        let HeadField {
            w_q,
            w_k,
            w_v,
            scale,
        } = &head.value;
        let mut read = |m: &Located<Rows<f64>>, name: &str| -> Option<Array2<f64>> {
            let a = rows_to_array(&m.value, name, problems)?;
            let wrong = if a.nrows() == 0 || a.ncols() == 0 {
                Some(format!(
                    "`{name}` of head {} is empty — give it at least one row of numbers",
                    h + 1
                ))
            } else if d > 0 && a.ncols() != d {
                Some(format!(
                    "`{name}` of head {} has {} columns but the embeddings have {d} dimensions — give each row {d} numbers",
                    h + 1,
                    a.ncols()
                ))
            } else if a.nrows() > MAX_DIMS {
                Some(format!(
                    "`{name}` of head {} has {} rows, beyond the limit of {MAX_DIMS}",
                    h + 1,
                    a.nrows()
                ))
            } else {
                None
            };
            match wrong {
                Some(message) => {
                    problems.push(Diagnostic::new(m.place.clone(), message));
                    None
                }
                None => Some(a),
            }
        };
        let (q, k, v) = (read(w_q, "w_q"), read(w_k, "w_k"), read(w_v, "w_v"));
        if let (Some(q), Some(k)) = (&q, &k)
            && q.nrows() != k.nrows()
        {
            let message = format!(
                "`w_k` of head {} has {} rows but its `w_q` has {}: a head's queries and keys must have the same size — give both the same number of rows",
                h + 1,
                k.nrows(),
                q.nrows()
            );
            problems.push(Diagnostic::new(w_k.place.clone(), message));
        }
        if let (Some(w_q), Some(w_k), Some(w_v)) = (q, k, v) {
            all.push(HeadWeights {
                w_q,
                w_k,
                w_v,
                scale: *scale,
            });
        }
    }
    (all.len() == heads.len()).then_some(all)
}

/// With controls, the step-by-step views follow whichever head the reader picks, so the views
/// whose shape is a head's size need heads of one size.
pub fn heads_the_reader_may_follow(
    heads: &[HeadWeights],
    views: &[View],
    show: Place,
    problems: &mut Vec<Diagnostic>,
) {
    let sizes: Vec<(usize, usize)> = heads
        .iter()
        .map(|h| (h.w_q.nrows(), h.w_v.nrows()))
        .collect();
    let shaped: Vec<&str> = [
        View::Matrices,
        View::Projection,
        View::Qkv,
        View::Matmul,
        View::Output,
        View::Residual,
    ]
    .into_iter()
    .filter(|v| views.contains(v))
    .map(View::name)
    .collect();
    if sizes.len() < 2 || sizes.iter().all(|s| *s == sizes[0]) || shaped.is_empty() {
        return;
    }
    let listed: Vec<String> = sizes
        .iter()
        .enumerate()
        .map(|(h, (k, v))| format!("head {}: d_k {k}, d_v {v}", h + 1))
        .collect();
    let message = format!(
        "with \"controls\", a reader may follow any head, and {} take the shape of the head followed — these heads differ ({}); give every head the same number of rows in `w_q`/`w_k` and in `w_v`, or drop {} or \"controls\"",
        shaped.join(", "),
        listed.join("; "),
        shaped
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    problems.push(Diagnostic::new(show, message));
}

/// `w_o` takes the heads' outputs side by side: as many columns as their values have numbers.
pub fn check_w_o(
    w_o: &Array2<f64>,
    heads: &[HeadWeights],
    w_v: Option<&Array2<f64>>,
    at: Place,
    problems: &mut Vec<Diagnostic>,
) {
    let d_v: usize = if heads.is_empty() {
        w_v.map_or(0, |m| m.nrows())
    } else {
        heads.iter().map(|h| h.w_v.nrows()).sum()
    };
    if d_v > 0 && w_o.ncols() != d_v {
        let message = format!(
            "`w_o` has {} columns but the heads' outputs side by side have {d_v} numbers — give each row of `w_o` {d_v} numbers (row i makes output dimension i)",
            w_o.ncols()
        );
        problems.push(Diagnostic::new(at, message));
    }
}
