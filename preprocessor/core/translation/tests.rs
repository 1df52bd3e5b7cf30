use super::*;

fn small() -> TranslationConfig {
    TranslationConfig {
        steps: 4,
        ..TranslationConfig::default()
    }
}

/// The mean loss of some pairs alone.
fn loss(c: &Parallel, p: &Params, pairs: &[Pair]) -> f64 {
    measure(c, p, pairs, None).loss
}

#[test]
fn the_hand_derived_gradient_matches_central_differences() {
    let config = small();
    let corpus = Parallel::generate(&config).unwrap();
    let run = train(&config).unwrap();
    let start = train(&TranslationConfig {
        steps: 0,
        ..small()
    })
    .unwrap();
    // At the start, where attention is nearly even, and after a few steps.
    for p in [&start.params, &run.params] {
        let batch = &corpus.train[..30];
        let (_, grad) = loss_and_gradient(&corpus, p, batch);
        let h = 1e-5;
        let mut checked = 0;
        for which in 0..4 {
            let shape = p.matrices()[which].dim();
            for r in 0..shape.0 {
                for c in 0..shape.1 {
                    let at = |by: f64| {
                        let mut q = p.clone();
                        q.matrices_mut()[which][[r, c]] += by;
                        loss(&corpus, &q, batch)
                    };
                    let numeric = (at(h) - at(-h)) / (2.0 * h);
                    let exact = grad.matrices()[which][[r, c]];
                    let scale = exact.abs().max(numeric.abs()).max(1e-4);
                    assert!(
                        (numeric - exact).abs() / scale < 1e-6,
                        "matrix {which} [{r}][{c}]: backward {exact:e}, central difference {numeric:e}"
                    );
                    checked += 1;
                }
            }
        }
        let d = config.d_model;
        assert_eq!(
            checked,
            2 * config.d_k * d + config.d_v * d + (corpus.french.len() - 1) * config.d_v
        );
    }
}

#[test]
fn two_runs_give_the_same_bits_and_another_seed_does_not() {
    let a = train(&small()).unwrap();
    let b = train(&small()).unwrap();
    assert_eq!(a, b);
    let c = train(&TranslationConfig {
        seed: 12,
        ..small()
    })
    .unwrap();
    assert_ne!(a.loss, c.loss);
}

#[test]
fn the_pairs_are_translated_word_for_word_with_the_adjective_after_the_noun() {
    let corpus = Parallel::generate(&TranslationConfig::default()).unwrap();
    let pair = corpus.parse("The black cat ate fish").unwrap();
    assert_eq!(
        corpus.french_text(&pair).join(" "),
        "Le chat noir a mangé du poisson"
    );
    assert_eq!(
        corpus.english_text(&pair).join(" "),
        "The black cat ate fish"
    );
    assert_eq!(
        corpus.train.len() + corpus.held_out.len(),
        2 * 4 * 6 * 4 * 4
    );
    let (french, english) = corpus.inputs(&pair);
    assert_eq!(french.dim(), (FRENCH_LENGTH, 12));
    assert_eq!(english.dim(), (ENGLISH_LENGTH, 12));
    assert_eq!(corpus.parse("The cat ate fish"), Err(Unparsed::Length(4)));
    assert!(matches!(
        corpus.parse("The black cat ate fsh"),
        Err(Unparsed::Word {
            at: 4,
            role: "an object",
            ..
        })
    ));
}

#[test]
fn the_default_run_aligns_held_out_pairs_crossing_included() {
    let run = train(&TranslationConfig::default()).unwrap();
    // Before training nothing is aligned beyond chance (one English word in five).
    assert!(run.before.content < 0.5, "{:?}", run.before);
    assert!(run.after.content >= 0.9, "{:?}", run.after);
    assert!(run.after.crossing >= 0.9, "{:?}", run.after);
    assert!(run.after.loss < run.before.loss / 2.0, "{:?}", run);
    // The running sentence is held out, so its figure shows what was learned, not remembered.
    let pair = run.corpus.parse("The black cat ate fish").unwrap();
    assert!(run.corpus.held_out.contains(&pair));
}
