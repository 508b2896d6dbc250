//! Checkpoints round-trip; wrong, truncated or corrupt files give errors and
//! change nothing; a save killed midway leaves the previous file intact.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use shaped_core::{Dyn, Sz, Tensor};
use shaped_nn::{
    checkpoint::{self, CheckpointError},
    losses::CategoricalCrossentropy,
    metrics::Accuracy,
    model,
    optim::{Optimizer, RmsProp},
    train::Trainer,
    Dense, Parameters, Relu, Softmax,
};
use std::path::PathBuf;

/// `n` samples of `K` values as a batch tensor.
fn batch<const K: usize>(n: usize, v: Vec<f32>) -> Tensor<(Dyn, Sz<K>)> {
    Tensor::from_shape_vec((Dyn(n), Sz), v).unwrap()
}

model! {
    /// A small classifier.
    pub struct Net: 6 => [Dense<8, Relu>, Dense<3, Softmax>]
}

model! {
    /// The same widths but one more hidden unit: another shape.
    pub struct Wider: 6 => [Dense<9, Relu>, Dense<3, Softmax>]
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nn-ckpt-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join("model.safetensors")
}

fn weights<P: Parameters>(p: &P) -> Vec<f32> {
    (0..p.len()).flat_map(|i| p.get(i).to_vec()).collect()
}

fn trained() -> Trainer<Net, RmsProp<Net>, CategoricalCrossentropy, Accuracy> {
    let mut t = Trainer::new(
        Net::seeded(3),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let x = batch::<6>(4, (0..4 * 6).map(|i| (i as f32 * 0.37).sin()).collect());
    let y = batch::<3>(4, vec![1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 0., 0.]);
    for _ in 0..3 {
        t.train_step(&x, &y).unwrap();
    }
    t
}

#[test]
fn weights_and_optimizer_state_round_trip() {
    let path = tmp("roundtrip");
    let t = trained();
    checkpoint::save_with_optimizer(&t.model, &t.optimizer, &path).unwrap();
    let mut model = Net::seeded(99);
    let mut opt: RmsProp<Net> = RmsProp::default();
    checkpoint::load_with_optimizer(&mut model, &mut opt, &path).unwrap();
    assert_eq!(weights(&model), weights(&t.model));
    assert_eq!(Optimizer::<Net>::iterations(&opt), 3);
    let (a, b) = (
        Optimizer::<Net>::state(&opt),
        Optimizer::<Net>::state(&t.optimizer),
    );
    assert_eq!(a.len(), b.len());
    assert_eq!(weights(a[0].1), weights(b[0].1));
    assert!(weights(a[0].1).iter().any(|&v| v != 0.0));
}

#[test]
fn a_checkpoint_of_another_shape_is_refused_and_changes_nothing() {
    let path = tmp("shape");
    checkpoint::save(&Wider::seeded(1), &path).unwrap();
    let mut net = Net::seeded(2);
    let before = weights(&net);
    let err = checkpoint::load(&mut net, &path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CheckpointError::Mismatch { .. }), "{msg}");
    assert!(
        msg.contains("dense_0.kernel") && msg.contains("[6, 9]") && msg.contains("[6, 8]"),
        "{msg}"
    );
    assert_eq!(weights(&net), before);
}

#[test]
fn truncated_and_corrupt_files_are_errors_not_panics() {
    let path = tmp("corrupt");
    checkpoint::save(&Net::seeded(1), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut net = Net::seeded(2);
    let before = weights(&net);
    for cut in [0, 1, 7, 8, 9, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let err = checkpoint::load(&mut net, &path).unwrap_err();
        assert!(
            matches!(err, CheckpointError::Corrupt { .. }),
            "cut {cut}: {err}"
        );
    }
    let mut garbled = bytes.clone();
    garbled[10] ^= 0xff;
    std::fs::write(&path, &garbled).unwrap();
    assert!(checkpoint::load(&mut net, &path).is_err());
    assert!(matches!(
        checkpoint::load(&mut net, tmp("absent").with_file_name("none")),
        Err(CheckpointError::Io { .. })
    ));
    assert_eq!(weights(&net), before);
}

/// Run as a child process: saves big checkpoints in a loop until killed.
#[test]
fn child_saves_forever() {
    let Some(path) = std::env::var_os("NN_CKPT_CHILD") else {
        return;
    };
    model! { struct Big: 1024 => [Dense<1024>, Dense<1024>] }
    // The same weights as the parent's first save, but for the first one,
    // which counts the saves.
    let mut m = Big::seeded(7);
    for i in 1.. {
        m.get_mut(0)[0] = i as f32;
        checkpoint::save(&m, &path).unwrap();
    }
}

/// The files beside the checkpoint other than itself.
fn others(path: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "model.safetensors")
        .collect()
}

#[test]
fn a_save_killed_midway_leaves_the_previous_checkpoint_intact() {
    let path = tmp("killed");
    model! { struct Big: 1024 => [Dense<1024>, Dense<1024>] }
    let first = Big::seeded(7);
    checkpoint::save(&first, &path).unwrap();
    let modified = || std::fs::metadata(&path).and_then(|m| m.modified()).unwrap();
    let mut leftovers = 0;
    for delay_ms in [0, 1, 2, 3, 5, 7, 9, 11, 13, 17, 19, 23] {
        let before = modified();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_saves_forever", "--nocapture"])
            .env("NN_CKPT_CHILD", &path)
            .spawn()
            .unwrap();
        // Wait until the child has replaced the file at least once, so that
        // it is in its loop of back-to-back saves, then kill it mid-way.
        let start = std::time::Instant::now();
        while modified() == before {
            assert!(
                start.elapsed().as_secs() < 60,
                "the child never finished a save"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever moment it died at, the file is a whole checkpoint.
        let mut loaded = Big::seeded(1);
        checkpoint::load(&mut loaded, &path).expect("the checkpoint survives a killed save");
        assert!(
            weights(&loaded)[1..] == weights(&first)[1..],
            "a checkpoint mixes two saves"
        );
        assert!(
            weights(&loaded)[0] >= 1.0,
            "the file is one of the child's saves"
        );
        // A killed save may leave its temporary file, but never one that
        // looks like a checkpoint: hidden, and ending in `.partial`.
        for name in others(&path) {
            assert!(
                name.starts_with(".model.safetensors.") && name.ends_with(".partial"),
                "a killed save left {name:?} beside the checkpoint"
            );
            leftovers += 1;
        }
    }
    eprintln!("{leftovers} of 12 kills left a temporary file");
    // The next save removes whatever killed saves left.
    checkpoint::save(&first, &path).unwrap();
    assert_eq!(others(&path), Vec::<String>::new());
}

#[test]
fn an_optimizer_saved_before_its_first_step_round_trips() {
    let path = tmp("untouched");
    let fresh = Net::seeded(5);
    let opt: RmsProp<Net> = RmsProp::default();
    checkpoint::save_with_optimizer(&fresh, &opt, &path).unwrap();
    // Load into a trained model and optimizer: both become the saved ones.
    let t = trained();
    let (mut model, mut loaded) = (t.model, t.optimizer);
    checkpoint::load_with_optimizer(&mut model, &mut loaded, &path)
        .expect("an untouched optimizer's checkpoint loads");
    assert_eq!(weights(&model), weights(&fresh));
    assert_eq!(Optimizer::<Net>::iterations(&loaded), 0);
    for (slot, g) in Optimizer::<Net>::state(&loaded) {
        assert!(weights(g).iter().all(|&v| v == 0.0), "{slot} is not zero");
    }
    // And it trains on exactly as a fresh optimizer does.
    let x = batch::<6>(4, (0..4 * 6).map(|i| (i as f32 * 0.37).sin()).collect());
    let y = batch::<3>(4, vec![1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 0., 0.]);
    let mut a = Trainer::new(model, loaded, CategoricalCrossentropy, Accuracy::default());
    let mut b = Trainer::new(
        Net::seeded(5),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    a.train_step(&x, &y).unwrap();
    b.train_step(&x, &y).unwrap();
    assert_eq!(weights(&a.model), weights(&b.model));
}

#[test]
fn a_refused_load_with_optimizer_changes_neither() {
    let path = tmp("opt-shape");
    let mut wide = Trainer::new(
        Wider::seeded(1),
        RmsProp::default(),
        CategoricalCrossentropy,
        Accuracy::default(),
    );
    let x = batch::<6>(2, (0..2 * 6).map(|i| i as f32 * 0.1).collect());
    let y = batch::<3>(2, vec![1., 0., 0., 0., 1., 0.]);
    wide.train_step(&x, &y).unwrap();
    checkpoint::save_with_optimizer(&wide.model, &wide.optimizer, &path).unwrap();
    let t = trained();
    let (mut model, mut opt) = (t.model, t.optimizer);
    let (before, state_before) = (weights(&model), weights(Optimizer::<Net>::state(&opt)[0].1));
    assert!(checkpoint::load_with_optimizer(&mut model, &mut opt, &path).is_err());
    assert_eq!(weights(&model), before);
    assert_eq!(weights(Optimizer::<Net>::state(&opt)[0].1), state_before);
    assert_eq!(Optimizer::<Net>::iterations(&opt), 3);
}
