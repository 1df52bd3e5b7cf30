//! The fuzz targets `keys` and `kept` as property tests on stable Rust, so CI runs them: blocks
//! made from arbitrary bytes with every key of the later rounds, and arbitrary bytes (and broken
//! real files) read as kept results — never a panic, an abort or an allocation the bytes do not
//! hold; a block that fails says where.

#[path = "common/hostile_blocks.rs"]
mod hostile_blocks;

use mdbook_attention::{chapter, examples::Examples};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_block_of_the_new_keys_computes_or_says_where(data in proptest::collection::vec(any::<u8>(), 0..160)) {
        let text = hostile_blocks::chapter_from(&data);
        match chapter::process(&text, "keys.md", &Examples::default()) {
            Ok(out) => prop_assert!(out.contains("attention-widget")),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                prop_assert!(problems.iter().all(|p| p.place.line >= 3), "{:?}", problems);
            }
        }
    }

    #[test]
    fn any_bytes_read_as_kept_results_are_no_result(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(!mdbook_attention::block::read_kept_run(&data));
        prop_assert!(!mdbook_attention::block::read_kept_training(&data));
    }
}

/// Headers that declare shapes the bytes do not hold, from empty to 2⁴⁰ layers: refused before
/// anything is allocated for them.
#[test]
fn kept_runs_with_lying_shapes_are_refused() {
    for shape in [
        "[1099511627776,0,3,3]",
        "[4294967296,4294967296,2,2]",
        "[1,1,1,1]",
        "[0,0,0,0]",
    ] {
        let header = format!(
            "{{\"__metadata__\":{{\"model\":\"m\",\"sha256\":\"s\",\"text\":\"t\",\"tokens\":\"[\\\"a\\\"]\"}},\"attention\":{{\"dtype\":\"F64\",\"shape\":{shape},\"data_offsets\":[0,0]}},\"q\":{{\"dtype\":\"F64\",\"shape\":{shape},\"data_offsets\":[0,0]}},\"k\":{{\"dtype\":\"F64\",\"shape\":{shape},\"data_offsets\":[0,0]}},\"v\":{{\"dtype\":\"F64\",\"shape\":{shape},\"data_offsets\":[0,0]}}}}"
        );
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header.as_bytes());
        assert!(!mdbook_attention::block::read_kept_run(&bytes), "{shape}");
    }
}

/// The generator reaches both sides: blocks that compute (so rendering and the inline values of
/// named results are exercised) and blocks that fail (so the messages are).
#[test]
fn the_generated_blocks_both_compute_and_fail() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut computed, mut failed) = (0, 0);
    for _ in 0..300 {
        let data: Vec<u8> = (0..120)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        match chapter::process(
            &hostile_blocks::chapter_from(&data),
            "keys.md",
            &Examples::default(),
        ) {
            Ok(_) => computed += 1,
            Err(_) => failed += 1,
        }
    }
    assert!(
        computed >= 30 && failed >= 30,
        "computed {computed}, failed {failed}"
    );
}
