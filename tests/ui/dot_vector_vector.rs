use shaped::{shape, Tensor};

fn main() {
    let a = Tensor::<shape![3]>::ones();
    let b = Tensor::<shape![4]>::ones();
    let _ = a.dot(&b);
}
