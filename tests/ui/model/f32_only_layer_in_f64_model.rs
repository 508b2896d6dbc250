use shaped::nn::{model, Conv2D, Dense, Flatten, Relu};

model! {
    // A model generic over its element type; Conv2D computes in f32 only.
    pub struct Net<E>: (8, 8, 1) => [Conv2D<4, 3, Relu>, Flatten, Dense<10>]
}

fn main() {
    let _ = Net::<f32>::seeded(0);
}
