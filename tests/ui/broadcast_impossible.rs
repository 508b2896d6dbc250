use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![32, 10]>::ones();
    let b = Tensor::<shape![9]>::ones();
    let _ = &x + &b;
}
