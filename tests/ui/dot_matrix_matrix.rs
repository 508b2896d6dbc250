use shaped::{shape, Tensor};

// The chapter's example: x.shape[1] must equal y.shape[0].
fn main() {
    let x = Tensor::<shape![2, 3]>::ones();
    let y = Tensor::<shape![4, 5]>::ones();
    let _ = x.dot(&y);
}
