use shaped::{shape, Tensor};

fn main() {
    let m = Tensor::<shape![2, 3]>::ones();
    let _ = m.sum::<2>();
}
