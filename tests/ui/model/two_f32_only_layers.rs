use shaped::nn::{model, Conv2D, Dense, Flatten, MaxPool2D, Relu};

model! {
    // Two layers that compute in f32 only, in a model generic over its
    // element type: one error, at the first.
    pub struct Net<E>: (8, 8, 1) => [Conv2D<4, 3, Relu>, MaxPool2D<2>, Flatten, Dense<10>]
}

fn main() {
    let _ = Net::<f32>::seeded(0);
}
