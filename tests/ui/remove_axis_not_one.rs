use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![3, 2]>::ones();
    let _ = x.remove_axis::<1>();
}
