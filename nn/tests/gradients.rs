//! Every layer's backward, and the gradients of whole models through their
//! loss (the fused softmax + crossentropy path included), against central
//! finite differences.

// `model!` names `::shaped`; this crate depends on `shaped-nn` alone.
extern crate shaped_nn as shaped;

use rand::{rngs::StdRng, Rng, SeedableRng};
use shaped_nn::{
    gradcheck::{check_layer, input_name, GradCheck},
    losses::{
        BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanAbsoluteError, MeanSquaredError,
        SparseCategoricalCrossentropy,
    },
    model, Backward, BatchMut, BatchRef, Dense, DenseLayer, Dropout, Flatten, Layer, Linear,
    Parameters, Relu, Scored, Sigmoid, Softmax, Tanh,
};

/// `x` as a batch of `n` samples of the shape the callee takes.
fn batch<S: shaped_nn::Batched>(x: &[f32], n: usize) -> BatchRef<'_, S> {
    BatchRef::new(x, n).unwrap()
}

fn inputs(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

model! {
    /// Dense layers with every activation.
    pub struct Mlp: 6 => [Dense<5, Tanh>, Dense<5, Sigmoid>, Dense<4, Relu>, Dense<3, Softmax>]
}

model! {
    /// A rank-2 sample, flattened, with activations as layers of their own.
    pub struct Shaped: (2, 3) => [Flatten<6>, Dense<4>, Tanh, Dense<4>, Relu, Dense<3>, Softmax]
}

model! {
    /// A model used as a layer.
    pub struct Inner: 4 => [Dense<4, Tanh>]
}

model! {
    /// ... inside another model.
    pub struct Outer: 6 => [Dense<4, Relu>, Inner, Dense<3, Softmax>]
}

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

#[test]
fn every_layer_passes_the_gradient_check() {
    let check = GradCheck::single_precision();
    let c = &check;
    let mut rng = StdRng::seed_from_u64(1);
    let x = inputs(4 * 6, 2);
    for (name, n) in [
        (
            "dense linear",
            check_layer(
                c,
                &mut DenseLayer::<6, 5, Linear>::init(&mut rng),
                batch(&x, 4),
            ),
        ),
        (
            "dense relu",
            check_layer(
                c,
                &mut DenseLayer::<6, 5, Relu>::init(&mut rng),
                batch(&x, 4),
            ),
        ),
        (
            "dense sigmoid",
            check_layer(
                c,
                &mut DenseLayer::<6, 5, Sigmoid>::init(&mut rng),
                batch(&x, 4),
            ),
        ),
        (
            "dense tanh",
            check_layer(
                c,
                &mut DenseLayer::<6, 5, Tanh>::init(&mut rng),
                batch(&x, 4),
            ),
        ),
        (
            "dense softmax",
            check_layer(
                c,
                &mut DenseLayer::<6, 5, Softmax>::init(&mut rng),
                batch(&x, 4),
            ),
        ),
        ("mlp", check_layer(c, &mut Mlp::seeded(3), batch(&x, 4))),
        (
            "flatten and activation layers",
            check_layer(c, &mut Shaped::seeded(4), batch(&x, 4)),
        ),
        (
            "a model inside a model",
            check_layer(c, &mut Outer::seeded(5), batch(&x, 4)),
        ),
    ] {
        let report = n.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.checked > 0, "{name}: nothing checked");
    }
}

#[test]
fn the_sparse_input_path_has_the_same_gradients() {
    // Three quarters zeros: the dense layer takes its sparse path.
    let x: Vec<f32> = inputs(8 * 784, 7)
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 4 == 0 { v } else { 0.0 })
        .collect();
    let check = GradCheck {
        max_per_input: 200,
        ..GradCheck::single_precision()
    };
    check_layer(&check, &mut Mnist::seeded(8), batch(&x, 8)).unwrap();
}

#[test]
fn dropout_scales_what_it_keeps_and_its_backward_uses_the_same_mask() {
    type D = <Dropout<50> as shaped_nn::LayerSpec<(shaped_core::Sz<1000>,)>>::Layer<(
        shaped_core::Sz<1000>,
    )>;
    let d = D::init(&mut StdRng::seed_from_u64(0));
    let x = vec![1.0f32; 1000];
    let (mut out, mut mask) = (Vec::new(), Vec::new());
    let xb = batch(&x, 1);
    d.forward_train(
        xb,
        BatchMut::resized(&mut out, 1),
        &mut mask,
        &mut StdRng::seed_from_u64(9),
    );
    let kept = out.iter().filter(|&&v| v != 0.0).count();
    assert!(
        (400..600).contains(&kept),
        "kept {kept} of 1000 at rate 0.5"
    );
    assert!(out.iter().all(|&v| v == 0.0 || v == 2.0));
    let mut g = vec![1.0f32; 1000];
    let mut dx = Vec::new();
    d.backward(shaped_nn::Backward {
        x: xb,
        out: batch(&out, 1),
        grad_out: BatchMut::new(&mut g, 1).unwrap(),
        grad_of: shaped_nn::GradOf::Output,
        cache: &mut mask,
        grads: &mut (),
        grad_in: Some(BatchMut::resized(&mut dx, 1)),
    });
    assert_eq!(
        dx, out,
        "the gradient flows only where the value was kept, scaled alike"
    );
    let mut inference = Vec::new();
    d.forward(xb, BatchMut::resized(&mut inference, 1));
    assert_eq!(inference, x, "dropout is the identity at inference");
}

/// dLoss/dParameters of `model` through `loss`, the way the trainer takes
/// it (fused with the final activation when it can), against finite
/// differences of the loss.
fn check_through_loss<M: Layer, L: Loss<M::Output>>(
    mut model: M,
    loss: L,
    x: &[f32],
    y: &[f32],
    n: usize,
) -> bool {
    let mut rng = StdRng::seed_from_u64(0);
    let (mut out, mut cache) = (Vec::new(), M::Cache::default());
    let xb = batch(x, n);
    model.forward_train(xb, BatchMut::resized(&mut out, n), &mut cache, &mut rng);
    let (mut g, yb) = (Vec::new(), BatchRef::new(y, n).unwrap());
    let scored = Scored::new(batch(&out, n), yb).unwrap();
    let fused = loss.grad_before_activation(M::FINAL_ACTIVATION, scored, &mut g);
    if !fused {
        loss.grad(scored, &mut g);
    }
    let mut grads = model.zero_grads();
    model.backward(shaped_nn::Backward {
        x: xb,
        out: scored.pred(),
        grad_out: BatchMut::new(&mut g, n).unwrap(),
        grad_of: if fused {
            shaped_nn::GradOf::PreActivation
        } else {
            shaped_nn::GradOf::Output
        },
        cache: &mut cache,
        grads: &mut grads,
        grad_in: None,
    });
    // The first 40 entries of each parameter tensor, against the loss of
    // the inference forward, with the one checker (in f32's settings).
    let to64 = |v: &[f32]| v.iter().take(40).map(|&v| v as f64).collect::<Vec<f64>>();
    let params = model.len();
    let at: Vec<Vec<f64>> = (0..params).map(|t| to64(model.get(t))).collect();
    let analytic: Vec<Vec<f64>> = (0..params).map(|t| to64(grads.get(t))).collect();
    let check = GradCheck {
        atol: 5e-3,
        rtol: 3e-2,
        ..GradCheck::single_precision()
    };
    let mut buf = Vec::new();
    let at_refs: Vec<&[f64]> = at.iter().map(Vec::as_slice).collect();
    let an_refs: Vec<&[f64]> = analytic.iter().map(Vec::as_slice).collect();
    let report = check
        .check_buffers(&at_refs, &an_refs, |bufs| {
            for (t, b) in bufs.iter().enumerate() {
                let p = model.get_mut(t);
                p.iter_mut().zip(b).for_each(|(p, &b)| *p = b as f32);
            }
            model.forward(xb, BatchMut::resized(&mut buf, n));
            loss.loss(Scored::new(batch(&buf, n), yb).unwrap()) as f64
        })
        .unwrap_or_else(|e| panic!("{} {}: {e}", L::NAME, model.name_of(e.input)));
    assert!(
        report.retried * 5 <= report.checked,
        "{} of {} entries needed the finer step",
        report.retried,
        report.checked
    );
    fused
}

#[test]
fn models_train_on_the_gradient_of_their_loss() {
    let x = inputs(5 * 6, 11);
    let onehot: Vec<f32> = (0..5)
        .flat_map(|i| (0..3).map(move |c| if c == i % 3 { 1.0 } else { 0.0 }))
        .collect();
    let labels: Vec<f32> = (0..5).map(|i| (i % 3) as f32).collect();
    let soft: Vec<f32> = inputs(15, 12).iter().map(|v| (v + 1.0) / 2.0).collect();
    assert!(
        check_through_loss(Mlp::seeded(1), CategoricalCrossentropy, &x, &onehot, 5),
        "softmax + crossentropy is fused"
    );
    assert!(check_through_loss(
        Mlp::seeded(2),
        SparseCategoricalCrossentropy,
        &x,
        &labels,
        5
    ));
    assert!(
        !check_through_loss(Mlp::seeded(3), MeanSquaredError, &x, &soft, 5),
        "no fusion for mse"
    );
    model! {
        /// Ends with a sigmoid.
        pub struct Binary: 6 => [Dense<4, Tanh>, Dense<3, Sigmoid>]
    }
    model! {
        /// Ends with a softmax layer of its own: crossentropy is not fused
        /// through a dense layer but through the activation layer.
        pub struct Regress: 6 => [Dense<4, Tanh>, Dense<3>]
    }
    assert!(check_through_loss(
        Binary::seeded(4),
        BinaryCrossentropy,
        &x,
        &soft,
        5
    ));
    assert!(!check_through_loss(
        Regress::seeded(5),
        MeanAbsoluteError,
        &x,
        &soft,
        5
    ));
    assert!(
        check_through_loss(Shaped::seeded(6), CategoricalCrossentropy, &x, &onehot, 5),
        "through a Softmax layer"
    );
}

#[test]
fn the_chapter_network_passes_end_to_end() {
    let x: Vec<f32> = inputs(8 * 784, 21).iter().map(|v| v.max(0.0)).collect();
    let y: Vec<f32> = (0..8)
        .flat_map(|i| (0..10).map(move |c| if c == i { 1.0 } else { 0.0 }))
        .collect();
    assert!(check_through_loss(
        Mnist::seeded(0),
        CategoricalCrossentropy,
        &x,
        &y,
        8
    ));
}

/// A dense layer whose backward is wrong by half on the bias gradient.
struct Wrong(DenseLayer<6, 5, Tanh>);

impl Parameters for Wrong {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn name_of(&self, i: usize) -> String {
        self.0.name_of(i)
    }
    fn shape_of(&self, i: usize) -> Vec<usize> {
        self.0.shape_of(i)
    }
    fn get(&self, i: usize) -> &[f32] {
        self.0.get(i)
    }
    fn get_mut(&mut self, i: usize) -> &mut [f32] {
        self.0.get_mut(i)
    }
}

impl Layer for Wrong {
    type Input = <DenseLayer<6, 5, Tanh> as Layer>::Input;
    type Output = <DenseLayer<6, 5, Tanh> as Layer>::Output;
    type Grads = <DenseLayer<6, 5, Tanh> as Layer>::Grads;
    type Cache = <DenseLayer<6, 5, Tanh> as Layer>::Cache;
    const PARAMS: usize = 35;
    fn init(rng: &mut StdRng) -> Self {
        Wrong(DenseLayer::init(rng))
    }
    fn zero_grads(&self) -> Self::Grads {
        self.0.zero_grads()
    }
    fn summary_rows(&self, name: &str, rows: &mut Vec<shaped_nn::SummaryRow>) {
        self.0.summary_rows(name, rows)
    }
    fn forward(&self, x: BatchRef<'_, Self::Input>, out: BatchMut<'_, Self::Output>) {
        self.0.forward(x, out)
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, Self::Input>,
        out: BatchMut<'_, Self::Output>,
        c: &mut Self::Cache,
        rng: &mut StdRng,
    ) {
        self.0.forward_train(x, out, c, rng)
    }
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward {
            x,
            out,
            grad_out,
            grad_of,
            cache,
            grads,
            grad_in,
        } = args;
        self.0.backward(Backward {
            x,
            out,
            grad_out,
            grad_of,
            cache,
            grads,
            grad_in,
        });
        grads.bias.as_mut_slice().iter_mut().for_each(|b| *b *= 1.5);
    }
}

#[test]
fn the_check_catches_a_wrong_backward() {
    let x = inputs(4 * 6, 2);
    let mut layer = Wrong::init(&mut StdRng::seed_from_u64(1));
    let err = check_layer(&GradCheck::single_precision(), &mut layer, batch(&x, 4)).unwrap_err();
    assert_eq!(input_name(&layer, err.input), "bias", "{err}");
}

/// A ReLU that writes only where its input is positive, counting on the
/// buffers to hold zeros: right on fresh zeroed buffers, wrong on the
/// reused ones of a training loop.
struct PositiveOnly;

shaped_nn::parameters_struct!([] PositiveOnly {});

impl Layer for PositiveOnly {
    type Input = (shaped_core::Sz<4>,);
    type Output = (shaped_core::Sz<4>,);
    type Grads = ();
    type Cache = ();
    const PARAMS: usize = 0;
    fn init(_: &mut StdRng) -> Self {
        PositiveOnly
    }
    fn zero_grads(&self) {}
    fn summary_rows(&self, _: &str, _: &mut Vec<shaped_nn::SummaryRow>) {}
    fn forward(&self, x: BatchRef<'_, Self::Input>, mut out: BatchMut<'_, Self::Output>) {
        for (o, &a) in out.as_mut_slice().iter_mut().zip(x.as_slice()) {
            if a > 0.0 {
                *o = a;
            }
        }
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, Self::Input>,
        out: BatchMut<'_, Self::Output>,
        _: &mut (),
        _: &mut StdRng,
    ) {
        self.forward(x, out)
    }
    fn backward(&self, args: Backward<'_, Self>) {
        if let Some(mut dx) = args.grad_in {
            let g = args.grad_out.as_slice();
            for ((d, &a), &g) in dx.as_mut_slice().iter_mut().zip(args.x.as_slice()).zip(g) {
                if a > 0.0 {
                    *d = g;
                }
            }
        }
    }
}

#[test]
fn the_check_catches_an_element_a_layer_leaves_unwritten() {
    // Both signs, so that some elements are left unwritten.
    let x: Vec<f32> = (0..8).map(|i| i as f32 - 3.5).collect();
    let err = check_layer(
        &GradCheck::single_precision(),
        &mut PositiveOnly,
        batch(&x, 2),
    )
    .unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    // The same values, written everywhere, pass.
    let mut relu = shaped_nn::ActivationLayer::<(shaped_core::Sz<4>,), Relu>::init(
        &mut StdRng::seed_from_u64(0),
    );
    check_layer(&GradCheck::single_precision(), &mut relu, batch(&x, 2)).unwrap();
}

/// A loss of the user's own, written on `Scored` as the built-in ones are:
/// Huber's, `0.5 e^2` where `|e| <= 1`, `|e| - 0.5` beyond, averaged over
/// every output (Keras's `Huber(delta=1)`).
struct Huber;

impl<Out: shaped_nn::Batched> Loss<Out> for Huber {
    type Target = Out;
    const NAME: &'static str = "huber";
    fn loss(&self, b: Scored<'_, Out, Out>) -> f32 {
        let s: f64 = b
            .elements()
            .map(|(p, y)| {
                let e = (p - y).abs() as f64;
                if e <= 1.0 {
                    0.5 * e * e
                } else {
                    e - 0.5
                }
            })
            .sum();
        (s / b.output_elements() as f64) as f32
    }
    fn grad(&self, b: Scored<'_, Out, Out>, grad: &mut Vec<f32>) {
        let k = 1.0 / b.output_elements() as f32;
        let mut g = b.grad_batch(grad);
        for (g, (p, y)) in g.as_mut_slice().iter_mut().zip(b.elements()) {
            *g = k * (p - y).clamp(-1.0, 1.0);
        }
    }
}

#[test]
fn a_users_own_loss_on_scored_batches_trains_on_its_gradient() {
    let x = inputs(5 * 6, 31);
    // Targets far enough from the outputs that both branches are taken.
    let y: Vec<f32> = inputs(15, 32).iter().map(|v| 3.0 * v).collect();
    let p = batch::<(shaped_core::Sz<3>,)>(&y, 5);
    let near = Scored::new(p, p).unwrap();
    assert_eq!(Huber.loss(near), 0.0);
    assert!(!check_through_loss(Mlp::seeded(7), Huber, &x, &y, 5));
    // Keras: Huber()(y_true=[[0, 0]], y_pred=[[0.5, 3]]) = (0.125 + 2.5) / 2
    let (p, t) = ([0.5f32, 3.0], [0.0f32, 0.0]);
    let b = Scored::new(batch::<(shaped_core::Sz<2>,)>(&p, 1), batch(&t, 1)).unwrap();
    assert!((Huber.loss(b) - 1.3125).abs() < 1e-6);
}
