use super::*;
use ndarray::array;

/// The book's running example, typed here by hand so the core is checked against the tutorial
/// and not against itself.
fn running() -> AttentionInput {
    AttentionInput {
        qkv: Qkv::Projected(Projection {
            embeddings: array![
                [0.1, 0.1, 0.1],
                [0.9, 0.2, 0.3],
                [0.2, 0.8, 0.1],
                [0.1, 0.2, 0.9],
                [0.1, 0.7, 0.4]
            ],
            w_q: array![[1.0, 0.2, 0.5], [0.1, 0.9, 0.1], [0.2, 0.1, 0.8]],
            w_k: array![[0.8, 1.1, 0.2], [0.9, 0.1, 0.1], [0.1, 0.3, 0.9]],
            w_v: array![[0.6, 0.9, 1.1], [0.4, 0.2, 0.7], [0.9, 0.3, 0.5]],
        }),
        mask: Mask::None,
        scale: None,
        query_overrides: vec![],
        positions: None,
        rope: None,
    }
}

/// The running example's embeddings and weights.
fn projection() -> Projection {
    running().projection().cloned().unwrap()
}

/// The running example with its embeddings or weights changed.
fn running_with(change: impl FnOnce(&mut Projection)) -> AttentionInput {
    let mut input = running();
    if let Some(p) = input.projection_mut() {
        change(p);
    }
    input
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

const CAT: usize = 2;

#[test]
fn projects_cat_as_the_tutorial_works_it_out() {
    let r = running().compute().unwrap();
    // 1.0×0.2 + 0.2×0.8 + 0.5×0.1 = 0.41, and likewise for the key and the value.
    assert!(close(r.q[[CAT, 0]], 0.41));
    assert!(close(r.k[[CAT, 0]], 0.8 * 0.2 + 1.1 * 0.8 + 0.2 * 0.1));
    assert!(close(r.k[[CAT, 0]], 1.06));
    assert!(close(r.v[[CAT, 0]], 0.95));
}

#[test]
fn keeps_the_per_term_products_of_a_projection() {
    let x = projection().embeddings;
    let w = projection().w_q;
    let terms = projection_terms(x.row(CAT), w.row(0));
    assert_eq!(terms.len(), 3);
    assert!(close(terms[0], 0.2) && close(terms[1], 0.16) && close(terms[2], 0.05));
}

#[test]
fn softmax_row_of_cat_matches_a_hand_computation() {
    // Worked out independently (Python, same formula): softmax(q_cat·k_j / √3).
    let expected = [
        0.15205203310018933,
        0.26229567015639826,
        0.2044073462526427,
        0.18377444139515436,
        0.19747050909561534,
    ];
    let r = running().compute().unwrap();
    for (j, e) in expected.iter().enumerate() {
        assert!(
            close(r.weights[[CAT, j]], *e),
            "weight {j}: {} vs {e}",
            r.weights[[CAT, j]]
        );
    }
    let sum: f64 = r.weights.row(CAT).sum();
    assert!(close(sum, 1.0));
}

#[test]
fn softmax_of_zero_and_ln3_is_a_quarter_and_three_quarters() {
    let w = softmax(&[Some(0.0), Some(3f64.ln())]);
    assert!(close(w[0], 0.25) && close(w[1], 0.75));
}

#[test]
fn softmax_subtracts_the_maximum_so_large_scores_do_not_overflow() {
    let w = softmax(&[Some(1000.0), Some(1000.0)]);
    assert_eq!(w, vec![0.5, 0.5]);
}

#[test]
fn default_scale_is_one_over_root_dk_and_can_be_set() {
    let r = running().compute().unwrap();
    assert!(close(r.scale, 1.0 / 3f64.sqrt()));
    let dot = r.dots[[CAT, 1]].unwrap();
    assert!(close(r.scores[[CAT, 1]].unwrap(), dot / 3f64.sqrt()));
    let r1 = AttentionInput {
        scale: Some(1.0),
        ..running()
    }
    .compute()
    .unwrap();
    assert_eq!(r1.scores[[CAT, 1]], Some(dot));
    // Scale zero: every allowed score is 0, so the weights are uniform.
    let r0 = AttentionInput {
        scale: Some(0.0),
        ..running()
    }
    .compute()
    .unwrap();
    assert!(r0.weights.iter().all(|w| close(*w, 0.2)));
}

#[test]
fn causal_mask_hides_the_future_and_renormalises() {
    let r = AttentionInput {
        mask: Mask::Causal,
        ..running()
    }
    .compute()
    .unwrap();
    assert_eq!(r.weights[[0, 0]], 1.0);
    for i in 0..5 {
        for j in 0..5 {
            assert_eq!(r.scores[[i, j]].is_none(), j > i);
            if j > i {
                assert_eq!(r.weights[[i, j]], 0.0);
            }
        }
        assert!(close(r.weights.row(i).sum(), 1.0));
    }
    // The last token sees everything, so its row equals the bidirectional one.
    let b = running().compute().unwrap();
    assert_eq!(r.weights.row(4), b.weights.row(4));
}

#[test]
fn explicit_mask_true_means_may_attend() {
    let mut allowed = Array2::from_elem((5, 5), false);
    allowed[[CAT, 1]] = true;
    allowed[[CAT, 4]] = true;
    let r = AttentionInput {
        mask: Mask::Explicit(allowed),
        ..running()
    }
    .compute()
    .unwrap();
    let row = r.weights.row(CAT);
    assert!(row[1] > 0.0 && row[4] > 0.0 && close(row[1] + row[4], 1.0));
    assert_eq!(row[0], 0.0);
}

#[test]
fn fully_masked_row_gives_zero_weights_and_zero_output() {
    let mut allowed = Array2::from_elem((5, 5), true);
    allowed.row_mut(CAT).fill(false);
    let r = AttentionInput {
        mask: Mask::Explicit(allowed),
        ..running()
    }
    .compute()
    .unwrap();
    assert!(r.weights.row(CAT).iter().all(|w| *w == 0.0));
    assert!(r.output.row(CAT).iter().all(|o| *o == 0.0));
    assert!(r.scores.row(CAT).iter().all(Option::is_none));
}

#[test]
fn output_is_the_weighted_sum_of_values() {
    let r = running().compute().unwrap();
    for c in 0..3 {
        let by_hand: f64 = (0..5).map(|j| r.weights[[CAT, j]] * r.v[[j, c]]).sum();
        assert!(close(r.output[[CAT, c]], by_hand));
    }
}

#[test]
fn query_override_replaces_one_entry_after_projecting() {
    let before = running().compute().unwrap();
    let input = AttentionInput {
        query_overrides: vec![QueryOverride {
            token: CAT,
            dim: 0,
            value: 1.0,
        }],
        ..running()
    };
    let after = input.compute().unwrap();
    assert_eq!(after.q[[CAT, 0]], 1.0);
    assert_eq!(after.k, before.k);
    // The tutorial's experiment: more attention from cat to black.
    assert!(after.weights[[CAT, 1]] > before.weights[[CAT, 1]]);
}

#[test]
fn shape_errors_are_typed() {
    let bad_cols = running_with(|p| p.w_k = array![[1.0, 2.0]]);
    assert!(matches!(
        bad_cols.compute(),
        Err(AttentionError::ColumnMismatch {
            matrix: "w_k",
            found: 2,
            expected: 3
        })
    ));
    let bad_dk = running_with(|p| p.w_k = array![[1.0, 2.0, 3.0]]);
    assert!(matches!(
        bad_dk.compute(),
        Err(AttentionError::QueryKeyMismatch { q: 3, k: 1 })
    ));
    let bad_mask = AttentionInput {
        mask: Mask::Explicit(Array2::from_elem((2, 2), true)),
        ..running()
    };
    assert!(matches!(
        bad_mask.compute(),
        Err(AttentionError::MaskShape {
            rows: 2,
            cols: 2,
            n: 5
        })
    ));
    let empty = running_with(|p| p.embeddings = Array2::zeros((0, 3)));
    assert_eq!(empty.compute(), Err(AttentionError::NoTokens));
}

#[test]
fn one_query_against_its_cached_keys_is_that_row_of_causal_attention() {
    // Why a decoder may cache: step t's query, against the keys and values of tokens 1..=t,
    // gives exactly row t of the whole sentence's causal attention, bit for bit.
    let full = running();
    let (x, p) = (full.inputs().unwrap(), projection());
    let (q, k, v) = (
        project(x.view(), p.w_q.view()),
        project(x.view(), p.w_k.view()),
        project(x.view(), p.w_v.view()),
    );
    let whole = attend(q.clone(), k.clone(), v.clone(), &Mask::Causal, None).unwrap();
    for t in 0..q.nrows() {
        let rows = ndarray::s![t..=t, ..];
        let cached = ndarray::s![..=t, ..];
        let step = attend(
            q.slice(rows).to_owned(),
            k.slice(cached).to_owned(),
            v.slice(cached).to_owned(),
            &Mask::Causal,
            None,
        )
        .unwrap();
        assert_eq!(step.weights.dim(), (1, t + 1));
        for j in 0..=t {
            assert_eq!(
                step.weights[[0, j]].to_bits(),
                whole.weights[[t, j]].to_bits()
            );
        }
        assert_eq!(step.output.row(0), whole.output.row(t));
    }
}

#[test]
fn queries_may_be_fewer_or_more_than_keys() {
    // Cross-attention: 2 target queries against 3 source keys, every key visible.
    let q = ndarray::array![[1.0, 0.0], [0.0, 1.0]];
    let k = ndarray::array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    let v = ndarray::array![[1.0], [2.0], [3.0]];
    let r = attend(q.clone(), k.clone(), v.clone(), &Mask::None, Some(1.0)).unwrap();
    assert_eq!(r.weights.dim(), (2, 3));
    assert_eq!(r.output.dim(), (2, 1));
    let e = std::f64::consts::E;
    assert!(close(r.weights[[0, 0]], e / (e + 1.0 + e)));
    // Causal with more queries than keys: the last query meets the last key, so the first
    // query sees nothing and gets zero weights, as a fully masked row does.
    let r = attend(
        k.clone(),
        q.clone(),
        ndarray::array![[1.0], [2.0]],
        &Mask::Causal,
        None,
    )
    .unwrap();
    assert_eq!(r.weights.row(0).to_vec(), vec![0.0, 0.0]);
    assert!(close(r.weights.row(1).sum(), 1.0) && r.scores[[1, 1]].is_none());
    assert!(r.scores[[2, 1]].is_some());
    // An explicit mask must be n_q × n_k.
    let wrong = Mask::Explicit(ndarray::Array2::from_elem((3, 3), true));
    let e = attend(q.clone(), k.clone(), v.clone(), &wrong, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the mask is 3×3 but there are 2 queries and 3 keys; it must be 2×3"
    );
    // Keys without values, or queries and keys of different widths, are refused by name.
    let e = attend(q.clone(), k, ndarray::array![[1.0]], &Mask::None, None).unwrap_err();
    assert!(
        e.to_string()
            .contains("3 keys of 2 dimensions and 1 values"),
        "{e}"
    );
}

#[test]
fn non_finite_inputs_are_refused() {
    let r = running_with(|p| p.embeddings[[1, 2]] = f64::NAN).compute();
    assert!(matches!(
        r,
        Err(AttentionError::NotFinite {
            matrix: "embeddings",
            row: 1,
            col: 2,
            ..
        })
    ));
    let r = AttentionInput {
        scale: Some(f64::INFINITY),
        ..running()
    }
    .compute();
    assert!(matches!(r, Err(AttentionError::BadScale(_))));
}

#[test]
fn overflow_inside_the_computation_is_an_error_not_a_nan() {
    let huge = running_with(|p| p.embeddings.mapv_inplace(|x| x * 1e200));
    assert!(matches!(
        huge.compute(),
        Err(AttentionError::Overflow {
            stage: Stage::Scores,
            ..
        })
    ));
    let huger = running_with(|p| {
        p.w_q.mapv_inplace(|x| x * 1e300);
        p.embeddings.mapv_inplace(|x| x * 1e300);
    });
    assert!(matches!(
        huger.compute(),
        Err(AttentionError::Overflow {
            stage: Stage::Query,
            ..
        })
    ));
}

mod positions_and_heads {
    use super::super::positions::{Rope, combine, concat, sinusoidal};
    use super::*;

    #[test]
    fn sinusoidal_encodings_by_hand() {
        let pe = sinusoidal(3, 4);
        // Position 0: sin 0, cos 0 in every pair.
        assert_eq!(pe.row(0).to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
        // Position 2, pair 0: angle 2; pair 1: angle 2 / 10000^(2/4) = 0.02.
        assert!((pe[[2, 0]] - 2f64.sin()).abs() < 1e-15);
        assert!((pe[[2, 1]] - 2f64.cos()).abs() < 1e-15);
        assert!((pe[[2, 2]] - 0.02f64.sin()).abs() < 1e-15);
        assert!((pe[[2, 3]] - 0.02f64.cos()).abs() < 1e-15);
        // An odd width ends on a sine.
        let odd = sinusoidal(2, 3);
        assert!((odd[[1, 2]] - (1.0 / 10000f64.powf(2.0 / 3.0)).sin()).abs() < 1e-15);
    }

    #[test]
    fn rotary_turns_each_pair_by_position_times_theta() {
        let rope = Rope::new(3, 4, 10000.0);
        let q = array![
            [1.0, 0.0, 1.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
            [0.0, 2.0, 3.0, 4.0]
        ];
        let r = rope.rotate(&q);
        // Position 0 is not turned.
        assert_eq!(r.row(0).to_vec(), q.row(0).to_vec());
        // Position 1: pair 0 by 1 radian, pair 1 by 1/100.
        assert!((r[[1, 0]] - 1f64.cos()).abs() < 1e-15 && (r[[1, 1]] - 1f64.sin()).abs() < 1e-15);
        assert!((r[[1, 2]] - 0.01f64.cos()).abs() < 1e-15);
        // Turning keeps lengths.
        let len = |m: &ndarray::Array2<f64>, i: usize| m.row(i).iter().map(|x| x * x).sum::<f64>();
        assert!((len(&r, 2) - len(&q, 2)).abs() < 1e-12);
        // An odd last dimension is left alone.
        let odd = Rope::new(2, 3, 10000.0).rotate(&array![[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]);
        assert_eq!(odd[[1, 2]], 3.0);
    }

    #[test]
    fn rotary_scores_depend_only_on_the_distance() {
        // Four tokens with one embedding: with rotary positions, q_i·k_j depends on i − j.
        let input = AttentionInput {
            qkv: Qkv::Projected(Projection {
                embeddings: Array2::from_shape_fn((4, 2), |(_, j)| [0.7, 0.3][j]),
                w_q: array![[1.0, 0.5], [0.2, 1.0]],
                w_k: array![[0.3, 1.0], [1.0, 0.1]],
                w_v: array![[1.0, 0.0]],
            }),
            mask: Mask::None,
            scale: None,
            query_overrides: vec![],
            positions: None,
            rope: Some(Rope::new(4, 2, 10000.0)),
        };
        let r = input.compute().unwrap();
        let s = |i: usize, j: usize| r.dots[[i, j]].unwrap();
        assert!((s(1, 0) - s(2, 1)).abs() < 1e-12 && (s(2, 1) - s(3, 2)).abs() < 1e-12);
        assert!((s(0, 1) - s(1, 2)).abs() < 1e-12);
        assert!(
            (s(1, 0) - s(2, 0)).abs() > 1e-3,
            "a different distance, a different score"
        );
    }

    #[test]
    fn positions_are_added_before_projecting() {
        let mut input = running();
        let plain = input.compute().unwrap();
        input.positions = Some(sinusoidal(5, 3));
        let with = input.compute().unwrap();
        let x = &projection().embeddings + &sinusoidal(5, 3);
        assert_eq!(with.q, project(x.view(), projection().w_q.view()));
        assert_ne!(with.weights, plain.weights);
        input.positions = Some(sinusoidal(4, 3));
        assert!(matches!(
            input.compute(),
            Err(AttentionError::PositionsShape { .. })
        ));
    }

    #[test]
    fn heads_side_by_side_then_w_o() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let b = array![[5.0], [6.0]];
        let c = concat(&[a.view(), b.view()]);
        assert_eq!(c, array![[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]]);
        let w_o = array![[1.0, 0.0, 1.0], [0.5, 0.5, 0.0]];
        assert_eq!(combine(&c, &w_o), array![[6.0, 1.5], [9.0, 3.5]]);
    }
}
