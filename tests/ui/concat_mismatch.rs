use shaped::{shape, Tensor};

fn main() {
    let a = Tensor::<shape![2, 3]>::zeros();
    let b = Tensor::<shape![2, 4]>::zeros();
    // Rows of 3 and rows of 4 cannot be stacked into one column of rows.
    let _ = a.concat::<0, _>(&b);
}
