use shaped::{shape, Tensor};

// A correct program using the ops whose mistakes are only caught by
// `cargo build`: its presence makes trybuild build (not just check) the
// compile-fail cases.
fn main() {
    let x = Tensor::<shape![3, 2]>::ones();
    let y: Tensor<shape![2, 3]> = x.reshape();
    let digit = Tensor::<shape![28, 28], u8>::zeros();
    let crop: Tensor<shape![14, 14], u8> = digit.slice::<0, 7, -7, 14>().slice::<1, 7, -7, 14>();
    let z: Tensor<shape![4, 2, 3]> = Tensor::<shape![2, 3, 4]>::ones().permute3::<2, 0, 1>();
    let w: Tensor<shape![3]> = y.sum::<0>();
    assert_eq!(crop.dims(), [14, 14]);
    assert_eq!(z.dims(), [4, 2, 3]);
    assert_eq!(w.as_slice(), &[2.0, 2.0, 2.0]);
}
