use shaped::{shape, Tensor};

fn main() {
    let x = Tensor::<shape![2, 3, 4]>::ones();
    let _ = x.permute3::<0, 1, 3>();
}
