//! Fuzzes the checkpoint loader (`checkpoint::load_bytes` and
//! `load_with_optimizer_bytes`) on arbitrary bytes and on mutations of a
//! valid checkpoint: it must never panic; a refused file must leave the
//! model and the optimizer exactly as they were; an accepted one must hold
//! values that save and load back bit for bit.
//!
//! The first input byte picks the form: odd, the rest of the input is the
//! file; even, the rest is a list of (offset, value) byte edits applied to a
//! valid checkpoint with optimizer state, then a cut at a length taken from
//! the input, so that the loader's checks past the safetensors header
//! (names, dtypes, shapes, metadata) are reached too.
#![no_main]

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use libfuzzer_sys::fuzz_target;
use shaped_nn::{checkpoint, model, optim::RmsProp, Dense, Parameters, Relu, Softmax};
use std::sync::OnceLock;

model! {
    struct Net: 5 => [Dense<4, Relu>, Dense<3, Softmax>]
}

fn bits<P: Parameters>(p: &P) -> Vec<u32> {
    (0..p.len())
        .flat_map(|i| p.get(i).iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        .collect()
}

/// A valid checkpoint of `Net` with RMSprop state, made once.
fn valid() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut t = shaped_nn::train::Trainer::new(
            Net::seeded(1),
            RmsProp::default().momentum(0.5),
            shaped_nn::losses::CategoricalCrossentropy,
            shaped_nn::metrics::Accuracy::default(),
        );
        let x = shaped_core::Tensor::<(shaped_core::Dyn, shaped_core::Sz<5>)>::from_shape_vec(
            (shaped_core::Dyn(1), shaped_core::Sz),
            vec![0.5f32, -1.0, 0.25, 2.0, 1.0],
        )
        .unwrap();
        let y = shaped_core::Tensor::<(shaped_core::Dyn, shaped_core::Sz<3>)>::from_shape_vec(
            (shaped_core::Dyn(1), shaped_core::Sz),
            vec![0.0, 1.0, 0.0],
        )
        .unwrap();
        t.train_step(&x, &y).unwrap();
        let path = std::env::temp_dir().join(format!("fuzz-ckpt-{}.safetensors", std::process::id()));
        checkpoint::save_with_optimizer(&t.model, &t.optimizer, &path).unwrap();
        let b = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        b
    })
}

fn check(bytes: &[u8]) {
    // Weights alone.
    let mut net = Net::seeded(2);
    let before = bits(&net);
    match checkpoint::load_bytes(&mut net, bytes) {
        Err(e) => {
            assert_eq!(bits(&net), before, "a refused load changed the model: {e}");
            assert!(!e.to_string().is_empty());
        }
        Ok(()) => {
            let path = std::env::temp_dir().join(format!("fuzz-ckpt-rt-{}.safetensors", std::process::id()));
            checkpoint::save(&net, &path).unwrap();
            let mut again = Net::seeded(3);
            checkpoint::load(&mut again, &path).unwrap();
            assert_eq!(bits(&again), bits(&net), "an accepted checkpoint does not round-trip");
        }
    }
    // Weights and optimizer state.
    let mut net = Net::seeded(2);
    let mut opt: RmsProp<Net> = RmsProp::default().momentum(0.5);
    let before = bits(&net);
    if let Err(e) = checkpoint::load_with_optimizer_bytes(&mut net, &mut opt, bytes) {
        assert_eq!(bits(&net), before, "a refused load changed the model: {e}");
        for (slot, g) in shaped_nn::optim::Optimizer::<Net>::state(&opt) {
            assert!(bits(g).iter().all(|&b| b == 0), "a refused load changed {slot}");
        }
        assert_eq!(shaped_nn::optim::Optimizer::<Net>::iterations(&opt), 0);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        check(rest);
        return;
    }
    let mut bytes = valid().to_vec();
    let (edits, cut) = rest.split_at(rest.len() - rest.len() % 3);
    for e in edits.chunks_exact(3) {
        let at = u16::from_le_bytes([e[0], e[1]]) as usize % bytes.len();
        bytes[at] = e[2];
    }
    if let Some(&c) = cut.first() {
        let keep = bytes.len() * (c as usize) / 255;
        bytes.truncate(keep.max(1));
    }
    check(&bytes);
});
