//! `model!` computes every size: `Flatten` without a count, and layers whose
//! output is arithmetic on their input (convolutions and poolings).

use shaped::nn::{
    model, train::predict, AvgPool2D, Conv2D, Dense, DenseLayer, Flatten, Layer, LayerSpec,
    MaxPool2D, Relu, Same, SampleDims, Softmax,
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
    /// The book's convnet (Chollet, chapter 8), as Keras prints it.
    pub struct Convnet: (28, 28, 1) => [
        Conv2D<32, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>, MaxPool2D<2>, Conv2D<64, 3, Relu>,
        Flatten, Dense<64, Relu>, Dense<10, Softmax>
    ]
}

model! {
    /// Padding and strides: 9x11 -> same, stride 2 -> 5x6; valid 3x3,
    /// stride 2 -> 2x2; average 2x2 -> 1x1.
    pub struct Strided: (9, 11, 3) => [
        Conv2D<4, 3, Relu, Same, 2>, Conv2D<6, 3, Relu, shaped::nn::Valid, 2>, AvgPool2D<2>,
        Flatten, Dense<2, Softmax>
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
    assert_eq!(Cnn::PARAMS, 9 * 32 + 32 + 5408 * 10 + 10);
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
    // A forward pass of zeros: every bias is zero, so the convolution gives
    // zeros and the softmax is uniform.
    let x = Tensor::<(Dyn, Sz<28>, Sz<28>, Sz<1>)>::zeros_with((Dyn(3), Sz, Sz, Sz));
    let p: Tensor<shape![_, 10]> = predict(&m, &x).unwrap();
    assert_eq!(p.dims(), [3, 10]);
    assert!(p.as_slice().iter().all(|&v| (v - 0.1).abs() < 1e-6));
}

#[test]
fn deeper_conv_stack() {
    let m = Deeper::seeded(1);
    let _: &DenseLayer<576, 64, Relu> = &m.dense_6;
    assert_eq!(
        Deeper::PARAMS,
        (9 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64) + 576 * 64 + 64 + 64 * 10 + 10
    );
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

#[test]
fn convnet_summary_is_keras_table() {
    let s = Convnet::seeded(0).summary();
    let rows: Vec<(&str, &str, &str)> = vec![
        ("conv2d_0 (Conv2D)", "(None, 26, 26, 32)", "320"),
        ("max_pool2d_1 (MaxPooling2D)", "(None, 13, 13, 32)", "0"),
        ("conv2d_2 (Conv2D)", "(None, 11, 11, 64)", "18,496"),
        ("max_pool2d_3 (MaxPooling2D)", "(None, 5, 5, 64)", "0"),
        ("conv2d_4 (Conv2D)", "(None, 3, 3, 64)", "36,928"),
        ("flatten_5 (Flatten)", "(None, 576)", "0"),
        ("dense_6 (Dense)", "(None, 64)", "36,928"),
        ("dense_7 (Dense)", "(None, 10)", "650"),
    ];
    let lines: Vec<&str> = s.lines().filter(|l| l.contains("(None")).collect();
    assert_eq!(lines.len(), rows.len(), "{s}");
    // Keras's columns: 29, 26 and 10 characters wide, the count right-aligned.
    for (line, (layer, shape, params)) in lines.iter().zip(&rows) {
        assert_eq!(*line, format!(" {layer:<29}{shape:<26}{params:>10}"), "{s}");
    }
    assert_eq!(Convnet::PARAMS, 93_322);
    assert!(s.contains("Total params: 93,322 (364.54 KB)"), "{s}");
}

#[test]
fn padding_and_strides_are_computed() {
    let m = Strided::seeded(3);
    let s = m.summary();
    for shape in [
        "(None, 5, 6, 4)",
        "(None, 2, 2, 6)",
        "(None, 1, 1, 6)",
        "(None, 6)",
    ] {
        assert!(s.contains(shape), "{shape} missing from\n{s}");
    }
    assert_eq!(m.conv2d_0.params.kernel_shape(), [3, 3, 3, 4]);
    assert_eq!(m.conv2d_1.params.kernel_shape(), [3, 3, 4, 6]);
    let _: &DenseLayer<6, 2, Softmax> = &m.dense_4;
}
