//! `model!` computes every size: `Flatten` without a count, and layers whose
//! output is arithmetic on their input (the test-only convolution and
//! pooling shape stubs of `nn::testing`, which implement `LayerSpec` the way
//! a real convolution will).

use shaped::nn::testing::{Conv2D, MaxPool2D};
use shaped::nn::{
    model, train::predict, Dense, DenseLayer, Flatten, Layer, LayerSpec, Relu, SampleDims, Softmax,
};
use shaped::{shape, Dyn, Sz, Tensor};

const SIDE: usize = 28;

model! {
    /// Chollet's small convnet, first block: (28, 28, 1) -> (26, 26, 32) ->
    /// (13, 13, 32) -> 5408 -> 10, no size written by hand.
    pub struct Cnn: (SIDE, SIDE, 1) => [Conv2D<32, 3>, MaxPool2D<2>, Flatten, Dense<10, Softmax>]
}

model! {
    /// Chapter 5's deeper stack: 28 -> 26 -> 13 -> 11 -> 5 -> 3, then 576.
    pub struct Deeper: (28, 28, 1) => [
        Conv2D<32, 3>, MaxPool2D<2>, Conv2D<64, 3>, MaxPool2D<2>, Conv2D<64, 3>,
        Flatten, Dense<64, Relu>, Dense<10, Softmax>
    ]
}

model! {
    /// MNIST with the count computed...
    pub struct Computed: (28, 28) => [Flatten, Dense<512, Relu>, Dense<10, Softmax>]
}

model! {
    /// ...and with the count written, which is checked.
    pub struct Written: (28, 28) => [Flatten<784>, Dense<512, Relu>, Dense<10, Softmax>]
}

fn same_type<T>(_: &T, _: &T) {}

#[test]
fn conv_stack_shapes_are_computed() {
    let m = Cnn::seeded(0);
    // The dense layer was built for 5408 inputs, computed from 13 * 13 * 32.
    let dense: &DenseLayer<5408, 10, Softmax> = &m.dense_3;
    assert_eq!(Cnn::PARAMS, 5408 * 10 + 10);
    same_type(&dense.params.kernel, &Tensor::<shape![5408, 10]>::zeros());
    let summary = m.summary();
    for shape in [
        "(None, 26, 26, 32)",
        "(None, 13, 13, 32)",
        "(None, 5408)",
        "(None, 10)",
    ] {
        assert!(summary.contains(shape), "{shape} missing from\n{summary}");
    }
    // The model's own spec reports its output dims.
    // (A literal 1 in `model!`'s input is `Sz<1>`, as the layer stubs see it.)
    type Image = (Sz<28>, Sz<28>, Sz<1>);
    assert_eq!(<Cnn as LayerSpec<Image>>::OUT, Ok(SampleDims::new(&[10])));
    // A forward pass runs through the stubs (zeros) and the dense layer:
    // softmax of the zero bias is uniform.
    let x = Tensor::<(Dyn, Sz<28>, Sz<28>, Sz<1>)>::zeros_with((Dyn(3), Sz, Sz, Sz));
    let p: Tensor<shape![_, 10]> = predict(&m, &x).unwrap();
    assert_eq!(p.dims(), [3, 10]);
    assert!(p.as_slice().iter().all(|&v| (v - 0.1).abs() < 1e-6));
}

#[test]
fn deeper_conv_stack() {
    let m = Deeper::seeded(1);
    let _: &DenseLayer<576, 64, Relu> = &m.dense_6;
    assert_eq!(Deeper::PARAMS, 576 * 64 + 64 + 64 * 10 + 10);
    let s = m.summary();
    for shape in [
        "(None, 11, 11, 64)",
        "(None, 5, 5, 64)",
        "(None, 3, 3, 64)",
        "(None, 576)",
    ] {
        assert!(s.contains(shape), "{shape} missing from\n{s}");
    }
}

#[test]
fn flatten_without_a_count_equals_the_written_count() {
    let (a, b) = (Computed::seeded(7), Written::seeded(7));
    let _: &DenseLayer<784, 512, Relu> = &a.dense_1;
    assert_eq!(Computed::PARAMS, Written::PARAMS);
    assert_eq!(a.dense_1.params, b.dense_1.params);
    assert_eq!(
        <<Computed as Layer>::Output as shaped::ConstShape>::NUMEL,
        10
    );
    assert_eq!(
        <Flatten as LayerSpec<shape![14, 14]>>::OUT,
        Ok(SampleDims::new(&[196]))
    );
}
