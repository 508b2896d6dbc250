//! `to_categorical`: integer labels to one-hot rows, with the class count
//! in the type.

use shaped_core::{Dyn, Sz, Tensor};

/// A label that is not below the class count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    /// The sample's index.
    pub index: usize,
    /// Its label.
    pub label: usize,
    /// The class count.
    pub classes: usize,
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "label {} of sample {} is not below the class count {}",
            self.label, self.index, self.classes
        )
    }
}

impl std::error::Error for LabelError {}

/// One-hot rows of `K` classes, like Keras's `to_categorical(labels, K)`.
/// `K` is in the type, so targets of the wrong width for a model's output do
/// not compile; a label `>= K` is an error.
///
/// ```
/// let y = shaped_nn::to_categorical::<3>(&[0u8, 2]).unwrap();
/// assert_eq!(y.as_slice(), &[1., 0., 0., 0., 0., 1.]);
/// assert!(shaped_nn::to_categorical::<2>(&[2u8]).is_err());
/// ```
pub fn to_categorical<const K: usize>(
    labels: &[impl Copy + Into<u64>],
) -> Result<Tensor<(Dyn, Sz<K>)>, LabelError> {
    let mut data = vec![0.0f32; labels.len() * K];
    for (i, &l) in labels.iter().enumerate() {
        let l = l.into() as usize;
        if l >= K {
            return Err(LabelError {
                index: i,
                label: l,
                classes: K,
            });
        }
        data[i * K + l] = 1.0;
    }
    Ok(Tensor::from_shape_vec((Dyn(labels.len()), Sz), data).expect("n x K elements"))
}
