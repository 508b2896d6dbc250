//! Every optimizer, step by step, against the real Keras 3 (torch backend)
//! on the same inputs. The reference values were produced by
//! `nn/tests/reference/optimizers.py` and are committed, so this test needs
//! neither Python nor Keras.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use serde_json::Value;
use shaped_nn::{
    model,
    optim::{Adam, Optimizer, RmsProp, Sgd},
    Dense, Layer, Parameters,
};

model! {
    /// Six weights in the kernel and six in the bias: both follow the same
    /// trajectory, since these optimizers work element by element.
    pub struct Six: 1 => [Dense<6>]
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn run<O: Optimizer<Six>>(mut opt: O, reference: &Value, data: &Value) -> f32 {
    let init = floats(&data["initial_params"]);
    let mut m = Six::seeded(0);
    m.get_mut(0).copy_from_slice(&init);
    m.get_mut(1).copy_from_slice(&init);
    let mut g = m.zero_grads();
    let mut worst = 0.0f32;
    for (t, (grad, want)) in data["gradients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(reference["params_after_step"].as_array().unwrap())
        .enumerate()
    {
        let grad = floats(grad);
        g.get_mut(0).copy_from_slice(&grad);
        g.get_mut(1).copy_from_slice(&grad);
        opt.step(&mut m, &g);
        let want = floats(want);
        for i in 0..2 {
            for (j, (&a, &b)) in m.get(i).iter().zip(&want).enumerate() {
                let err = (a - b).abs() / (1.0 + b.abs());
                worst = worst.max(err);
                assert!(
                    err < 2e-6,
                    "{} step {t} weight {j}: ours {a}, Keras {b}",
                    reference["name"]
                );
            }
        }
    }
    worst
}

#[test]
fn every_optimizer_matches_keras_step_by_step() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/optimizers.json"
    ))
    .unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for c in data["configs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["library"] == "keras")
    {
        let h = &c["hyperparameters"];
        let f = |k: &str| h[k].as_f64().unwrap_or(0.0) as f32;
        let worst = match c["optimizer"].as_str().unwrap() {
            "SGD" => run(
                Sgd::new(f("learning_rate"))
                    .momentum(f("momentum"))
                    .nesterov(h["nesterov"] == true)
                    .weight_decay(f("weight_decay")),
                c,
                &data,
            ),
            "RMSprop" => {
                let mut o = RmsProp::new(f("learning_rate"))
                    .momentum(f("momentum"))
                    .centered(h["centered"] == true);
                o.rho = f("rho");
                o.epsilon = f("epsilon");
                run(o, c, &data)
            }
            "Adam" => {
                let mut o = Adam::new(f("learning_rate"));
                (o.beta_1, o.beta_2, o.epsilon) = (f("beta_1"), f("beta_2"), f("epsilon"));
                run(o, c, &data)
            }
            other => panic!("no optimizer {other}"),
        };
        eprintln!(
            "{:<28} worst relative difference {worst:.2e}",
            c["name"].as_str().unwrap()
        );
        checked += 1;
    }
    assert_eq!(checked, 10, "every Keras configuration is checked");
}
