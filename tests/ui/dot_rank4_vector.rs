use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 3, 4, 5]>::ones();
    let v = Tensor::<shape![6]>::ones();
    let _ = x.dot(&v);
}
