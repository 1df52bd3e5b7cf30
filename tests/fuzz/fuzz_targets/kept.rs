//! Any bytes as a kept result — a model's run (safetensors) and a training run (JSON) — read as a
//! build reads them: never a panic, an abort or an allocation the bytes do not hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mdbook_attention::block::read_kept_run(data);
    let _ = mdbook_attention::block::read_kept_training(data);
});
