use shaped::nn::{model, Dense, Softmax};

model! {
    // The same mistake as dense_on_rank2_input, in a model generic over its
    // element type: still one error, at the layer.
    pub struct Images<E>: (28, 28) => [Dense<10, Softmax>]
}

fn main() {
    let _ = Images::<f64>::seeded(0);
}
