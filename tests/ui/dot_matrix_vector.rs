use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 3]>::ones();
    let v = Tensor::<shape![4]>::ones();
    let _ = x.dot(&v);
}
