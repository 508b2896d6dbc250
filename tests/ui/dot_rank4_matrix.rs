use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 3, 4, 5]>::ones();
    let w = Tensor::<shape![6, 7]>::ones();
    let _ = x.dot(&w);
}
