use shaped::nn::{model, Dense, Relu};

model! {
    // A plain model: it computes in f32.
    pub struct Head: 16 => [Dense<4>]
}

model! {
    // A model generic over its element type, with the plain one as a layer.
    pub struct Net<E>: 8 => [Dense<16, Relu>, Head]
}

fn main() {
    let _ = Net::<f32>::seeded(0);
}
