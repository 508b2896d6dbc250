//! Layers written from plain tape ops: implement [`OpsLayer`] (the
//! parameters, `init` and a forward over [`Var`]s) and [`TapeLayer`] gives
//! the [`Layer`] and [`LayerSpec`] impls, its backward from the tape.
//!
//! # Cost
//!
//! A tape layer is the convenient path, not the fast one: every call records
//! its forward on a fresh [`Tape`] and copies its input and parameters onto
//! it, so it allocates on every step, and the training backward records the
//! forward a second time (a tape is not `Send`, so it cannot be kept in the
//! layer's `Cache` between `forward_train` and `backward`; the forward must
//! therefore be deterministic, which a function of `x` and the parameters
//! is). The built-in layers stay fused and allocation-free.

use crate::{
    batch::{BatchMut, BatchRef, Batched},
    layer::{batch_shape_name, Backward, Layer, LayerSpec, SummaryRow},
    params::Parameters,
    sample_dims::{Reason, SampleDims},
};
use rand::rngs::StdRng;
use shaped_core::{
    autodiff::{Gradients, Tape},
    ConstShape, Tensor, Var,
};

/// A batch of `S`-shaped samples on the tape: `Var<(Dyn, S...)>`.
pub type BatchVar<S> = Var<<S as Batched>::Batch>;

/// A layer whose forward is written from plain [`Var`] ops (`dot`, `+`,
/// `*` with broadcasting, `relu`, `tanh`, ...): its backward is the tape's.
/// Use it in `model!` as [`TapeLayer<YourLayer>`](TapeLayer).
///
/// The parameters are the layer's own tensors, listed with
/// [`Parameters`] (e.g. by [`parameters_struct!`](crate::parameters_struct));
/// the forward puts each on the tape with [`TapeParams::var`]. `Clone` gives
/// the gradients' type (the same struct, holding gradients). See the
/// [module docs](self) for what this costs per step.
///
/// A per-feature scale layer, `y = x * w + b`, trained between two dense
/// layers:
///
/// ```
/// # extern crate shaped_nn as shaped;
/// use shaped_nn::{losses::MeanSquaredError, metrics::BinaryAccuracy, model, optim::Adam,
///          parameters_struct, train::Trainer, Dense, OpsLayer, TapeLayer, TapeParams};
/// use shaped_nn::layers::tape_layer::BatchVar;
/// use rand::rngs::StdRng;
/// use shaped_core::{shape, Dyn, Sz, Tensor};
///
/// #[derive(Clone)]
/// struct Scale<const W: usize> { w: Tensor<shape![W]>, b: Tensor<shape![W]> }
/// parameters_struct!([const W: usize] Scale<W> { w, b });
///
/// impl<const W: usize> OpsLayer for Scale<W> {
///     type Input = shape![W];
///     type Output = shape![W];
///     const PARAMS: usize = 2 * W;
///     fn init(_: &mut StdRng) -> Self { Scale { w: Tensor::ones(), b: Tensor::zeros() } }
///     fn forward(&self, x: BatchVar<shape![W]>, p: &mut TapeParams) -> BatchVar<shape![W]> {
///         &(&x * &p.var(&self.w)) + &p.var(&self.b)
///     }
/// }
///
/// model! {
///     /// Dense, the tape-backed scale, dense.
///     pub struct Net: 2 => [Dense<8>, TapeLayer<Scale<8>>, Dense<1>]
/// }
///
/// let x = Tensor::from_shape_vec((Dyn(4), Sz), vec![1., 0., 0., 1., 1., 1., 0., 0.]).unwrap();
/// let y = Tensor::from_shape_vec((Dyn(4), Sz), vec![1., 1., 2., 0.]).unwrap();
/// let mut t = Trainer::new(Net::seeded(0), Adam::new(0.05), MeanSquaredError, BinaryAccuracy::default());
/// let before = t.evaluate(&x, &y, 4).unwrap().loss;
/// for _ in 0..100 {
///     t.train_step(&x, &y).unwrap();
/// }
/// assert!(t.evaluate(&x, &y, 4).unwrap().loss < before / 10.0); // x0 + x1 is linear
/// ```
pub trait OpsLayer: Parameters + Clone + Send + Sync {
    /// The shape of one input sample.
    type Input: Batched;
    /// The shape of one output sample.
    type Output: Batched;
    /// The number of trainable scalars.
    const PARAMS: usize;
    /// The layer's name in a model summary, and the head of the compile
    /// error when a model feeds it another shape (`Scale takes samples of
    /// shape (8,); it receives shape (16,)`): give it the layer's name.
    ///
    /// A size-1 axis is `Sz<1>` in `Input`/`Output`, as `model!` builds
    /// it (`shape![1]` is `(One,)`, another type).
    const NAME: &'static str = "TapeLayer";

    /// A freshly initialised layer.
    fn init(rng: &mut StdRng) -> Self;
    /// The forward of a batch `x`, recorded on `x`'s tape; each parameter
    /// is put on that tape with [`TapeParams::var`].
    fn forward(&self, x: BatchVar<Self::Input>, p: &mut TapeParams) -> BatchVar<Self::Output>;
}

/// Where a tape layer's forward gets its parameters as [`Var`]s: it records
/// which of the layer's tensors each one is, so that the backward can copy
/// its gradient into the matching gradient tensor.
pub struct TapeParams {
    tape: Tape<f32>,
    /// Whether the parameters get gradients (training) or are constants
    /// (inference, which then records no backward step).
    grad: bool,
    /// Per recorded parameter: the address of the layer's tensor, and how
    /// to read its gradient.
    recorded: Vec<(usize, ReadGrad)>,
}

type ReadGrad = Box<dyn for<'g> Fn(&'g Gradients<f32>) -> Option<&'g [f32]>>;

impl TapeParams {
    /// `t`, one of the layer's parameter tensors, on the forward's tape.
    /// Pass the layer's own field (`&self.w`), not a copy: the training
    /// backward finds the gradient's destination by the tensor's address,
    /// and panics on a tensor that is not one of the layer's
    /// [`Parameters`]. A fixed tensor that is not trained goes on the tape
    /// as `x.tape().constant(..)` instead.
    ///
    /// ```
    /// use shaped_nn::TapeParams;
    /// use shaped_core::{shape, Tensor};
    /// let w = Tensor::<shape![3]>::ones();
    /// let mut p = TapeParams::new(shaped_core::autodiff::Tape::new(), true);
    /// assert_eq!(p.var(&w).value().as_slice(), &[1.0; 3]);
    /// ```
    pub fn var<S: ConstShape>(&mut self, t: &Tensor<S, f32>) -> Var<S, f32> {
        if !self.grad {
            return self.tape.constant(t.clone());
        }
        let v = self.tape.var(t.clone());
        let read = v.clone();
        self.recorded.push((
            t.as_slice().as_ptr() as usize,
            Box::new(move |g| g.get_slice(&read)),
        ));
        v
    }

    /// Parameters on `tape`; with `grad` false they are constants.
    ///
    /// ```
    /// use shaped_nn::TapeParams;
    /// let p = TapeParams::new(shaped_core::autodiff::Tape::new(), false);
    /// assert_eq!(p.recorded(), 0);
    /// ```
    pub fn new(tape: Tape<f32>, grad: bool) -> Self {
        TapeParams {
            tape,
            grad,
            recorded: Vec::new(),
        }
    }

    /// How many parameters the forward put on the tape with gradients.
    ///
    /// ```
    /// use shaped_nn::TapeParams;
    /// use shaped_core::{shape, Tensor};
    /// let mut p = TapeParams::new(shaped_core::autodiff::Tape::new(), true);
    /// let _ = p.var(&Tensor::<shape![2]>::zeros());
    /// assert_eq!(p.recorded(), 1);
    /// ```
    pub fn recorded(&self) -> usize {
        self.recorded.len()
    }
}

/// The [`Layer`] (and, in `model!`, the [`LayerSpec`]) of an [`OpsLayer`]:
/// write `TapeLayer<MyLayer>` in the model's layer list.
///
/// ```
/// use shaped_nn::{BatchMut, BatchRef, Layer, OpsLayer, TapeLayer, TapeParams, parameters_struct};
/// use shaped_nn::layers::tape_layer::BatchVar;
/// use shaped_core::{shape, Tensor};
///
/// /// y = tanh(x) * w
/// #[derive(Clone)]
/// struct Gate { w: Tensor<shape![2]> }
/// parameters_struct!([] Gate { w });
/// impl OpsLayer for Gate {
///     type Input = shape![2];
///     type Output = shape![2];
///     const PARAMS: usize = 2;
///     fn init(_: &mut rand::rngs::StdRng) -> Self { Gate { w: Tensor::from_array([2., 3.]) } }
///     fn forward(&self, x: BatchVar<shape![2]>, p: &mut TapeParams) -> BatchVar<shape![2]> {
///         &x.tanh() * &p.var(&self.w)
///     }
/// }
///
/// let layer = TapeLayer::<Gate>::init(&mut rand::SeedableRng::seed_from_u64(0));
/// let mut out = Vec::new();
/// let x = BatchRef::new(&[0.0, 0.0], 1).unwrap();
/// layer.forward(x, BatchMut::resized(&mut out, 1));
/// assert_eq!(out, [0.0, 0.0]);
/// let (mut g, mut grads, mut dx) = (vec![1.0, 1.0], layer.zero_grads(), Vec::new());
/// layer.backward(shaped_nn::Backward {
///     x, out: BatchRef::new(&out, 1).unwrap(), grad_out: BatchMut::new(&mut g, 1).unwrap(),
///     grad_of: shaped_nn::GradOf::Output, cache: &mut (), grads: &mut grads,
///     grad_in: Some(BatchMut::resized(&mut dx, 1)),
/// });
/// assert_eq!(dx, [2.0, 3.0]); // tanh'(0) * w
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TapeLayer<L>(pub L);

impl<L: Parameters> Parameters for TapeLayer<L> {
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

impl<L: OpsLayer> TapeLayer<L> {
    /// Records the forward of the samples in `x` on a new tape.
    fn record(
        &self,
        x: BatchRef<'_, L::Input>,
        grad: bool,
    ) -> (BatchVar<L::Input>, BatchVar<L::Output>, TapeParams) {
        let tape = Tape::<f32>::new();
        let xt = x.view().to_owned();
        let xv = if grad {
            tape.var(xt)
        } else {
            tape.constant(xt)
        };
        let mut p = TapeParams::new(tape, grad);
        let y = self.0.forward(xv.clone(), &mut p);
        let rows = y.value().dims().as_ref()[0];
        if rows != x.len() {
            panic!(
                "{}: OpsLayer::forward returned {rows} samples for a batch of {}; \
                 a layer maps each sample to one output sample",
                L::NAME,
                x.len()
            );
        }
        (xv, y, p)
    }
}

impl<L: OpsLayer> Layer for TapeLayer<L> {
    type Input = L::Input;
    type Output = L::Output;
    /// The same struct as the layer, holding gradients.
    type Grads = L;
    type Cache = ();
    const PARAMS: usize = L::PARAMS;

    fn init(rng: &mut StdRng) -> Self {
        TapeLayer(L::init(rng))
    }
    fn zero_grads(&self) -> L {
        let mut g = self.0.clone();
        g.fill_zero();
        g
    }
    fn summary_rows(&self, name: &str, rows: &mut Vec<SummaryRow>) {
        rows.push(SummaryRow {
            layer: format!("{name} ({})", L::NAME),
            output_shape: batch_shape_name::<L::Output>(),
            params: self.count(),
        });
    }
    fn forward(&self, x: BatchRef<'_, L::Input>, mut out: BatchMut<'_, L::Output>) {
        let (_, y, _) = self.record(x, false);
        out.as_mut_slice().copy_from_slice(y.value().as_slice());
    }
    fn forward_train(
        &self,
        x: BatchRef<'_, L::Input>,
        out: BatchMut<'_, L::Output>,
        _: &mut (),
        _: &mut StdRng,
    ) {
        self.forward(x, out)
    }
    /// The tape's backward, seeded with `grad_out`. `grad_of` needs
    /// no handling: a tape layer's `FINAL_ACTIVATION` is `Linear`, whose
    /// input gradient is its output gradient, so skipping it changes
    /// nothing (and no loss fuses with `Linear`, so it is never set).
    fn backward(&self, args: Backward<'_, Self>) {
        let Backward {
            x,
            grad_out,
            grads,
            grad_in,
            ..
        } = args;
        let (xv, y, p) = self.record(x, true);
        let seed = grad_out.as_batch_ref().view().to_owned();
        let tg = y.backward_with(&seed);
        for i in 0..self.0.len() {
            let at = self.0.get(i).as_ptr() as usize;
            let g = grads.get_mut(i);
            // Every use of the tensor on the tape (it may be put there more
            // than once) adds to its gradient; none leaves it zero.
            g.fill(0.0);
            for (_, read) in p.recorded.iter().filter(|(a, _)| *a == at) {
                if let Some(d) = read(&tg) {
                    g.iter_mut().zip(d).for_each(|(g, d)| *g += d);
                }
            }
        }
        let params: Vec<usize> = (0..self.0.len())
            .map(|i| self.0.get(i).as_ptr() as usize)
            .collect();
        if p.recorded.iter().any(|(a, _)| !params.contains(a)) {
            panic!(
                "{}: TapeParams::var was given a tensor that is not one of the layer's \
                 Parameters (a copy?), so its gradient has nowhere to go",
                L::NAME
            );
        }
        if let Some(mut dx) = grad_in {
            match tg.get_slice(&xv) {
                Some(d) => dx.as_mut_slice().copy_from_slice(d),
                None => dx.as_mut_slice().fill(0.0),
            }
        }
    }
}

/// A tape layer takes any input and refuses, in decimals, one that is not
/// its own: "scale takes samples of shape (4,); it receives shape (3,)".
impl<S: Batched, L: OpsLayer> LayerSpec<S> for TapeLayer<L> {
    const OUT: Result<SampleDims, Reason> = crate::model_support::takes_only::<S, L::Input>(
        Reason::new(L::NAME),
        SampleDims::of::<L::Output>(),
    );
    type Layer<Out: Batched> = TapeLayer<L>;
}

/// A tape layer computes in `f32` only: its spec for `f64` refuses.
impl<S: Batched, L: OpsLayer> LayerSpec<S, f64> for TapeLayer<L> {
    const OUT: Result<SampleDims, Reason> = super::refused::f32_only(Reason::new(L::NAME));
    type Layer<Out: Batched> = super::refused::Refused<S, Out, f64>;
}
