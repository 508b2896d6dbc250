use shaped::{shape, Tensor};

// A correct program using the written-size forms and `permute`, whose
// mistakes are only caught by `cargo build`: its presence makes trybuild
// build (not just check) the cases in `tests/ui/build/`.
fn main() {
    let x = Tensor::<shape![3, 2]>::ones();
    let y: Tensor<shape![2, 3]> = x.reshape_sized();
    let wide = Tensor::<shape![2, 5000], u8>::zeros();
    let part: Tensor<shape![2, 100], u8> = wide.slice_sized::<1, -100, 5000, 100>();
    let z: Tensor<shape![4, 2, 3]> = Tensor::<shape![2, 3, 4]>::ones().permute3::<2, 0, 1>();
    let w: Tensor<shape![3]> = y.sum::<0>();
    assert_eq!(part.dims(), [2, 100]);
    assert_eq!(z.dims(), [4, 2, 3]);
    assert_eq!(w.as_slice(), &[2.0, 2.0, 2.0]);
}
