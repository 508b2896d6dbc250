use shaped::{shape, Tensor};

fn main() {
    let a = Tensor::<shape![2, 3]>::ones();
    let b = Tensor::<shape![3, 2]>::ones();
    let _ = &a * &b;
}
