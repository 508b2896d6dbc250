use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 3, 4]>::ones();
    let _ = x.swap_axes::<0, 3>();
}
