use shaped::{shape, Tensor};

fn main() {
    let a = Tensor::<shape![2, 3], f32>::ones();
    let b = Tensor::<shape![2, 3], f64>::ones();
    let _ = &a + &b;
}
