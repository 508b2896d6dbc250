use shaped::{shape, Tensor};

fn main() {
    let _ = Tensor::<shape![2, 3]>::from_array([[1., 2.], [3., 4.], [5., 6.]]);
}
