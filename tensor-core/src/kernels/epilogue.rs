//! What a product does to its outputs after the sums: [`Epilogue`], a bias
//! added to every row and then an activation, fused into the dense
//! kernel's write-back (a layer's `relu(x W + b)` in one pass over its
//! output) and applied by plain passes on the other routes.

use crate::dtype::{Float, Num};

/// The activation an [`Epilogue`] applies last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EpilogueAct {
    /// None: the outputs as summed.
    #[default]
    Identity,
    /// `max(x, 0)`, with NaN kept as NaN and `-0.0` as `-0.0` (the same
    /// function as [`op_defs::Relu`](crate::op_defs::Relu)).
    Relu,
}

/// After a product's sums: `dst = act(sums + bias)`, the bias (one value a
/// column) added to every row, for [`matmul_then`](super::matmul_then).
///
/// The bias is added where the first of the sums meets the output, as if
/// `dst` had been filled with the bias and the product added to it, so the
/// result is the same to the bit as that; the activation comes last.
///
/// ```
/// use shaped_core::kernels::{matmul_then, Accum, Epilogue, MatMut, MatRef, Parallelism, Scratch};
/// let x = [1.0f32, -2.0]; // 1 x 2
/// let w = [1.0f32, 0.0, 0.0, 1.0]; // 2 x 2
/// let b = [0.5f32, 0.5];
/// let mut out = [f32::NAN; 2];
/// matmul_then(
///     MatMut::row_major(&mut out, 1, 2)?,
///     Accum::Replace,
///     MatRef::row_major(&x, 1, 2)?,
///     MatRef::row_major(&w, 2, 2)?,
///     1.0,
///     Epilogue::bias(&b).relu(),
///     Parallelism::None,
///     &mut Scratch::default(),
/// )?;
/// assert_eq!(out, [1.5, 0.0]);
/// # Ok::<(), shaped_core::kernels::MatmulError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epilogue<'a, E> {
    /// Added to every row of the output (as long as a row), if any.
    pub bias: Option<&'a [E]>,
    /// Applied last.
    pub act: EpilogueAct,
}

impl<E> Default for Epilogue<'_, E> {
    fn default() -> Self {
        Epilogue::NONE
    }
}

impl<'a, E> Epilogue<'a, E> {
    /// Nothing after the sums.
    ///
    /// ```
    /// use shaped_core::kernels::Epilogue;
    /// assert!(Epilogue::<f32>::NONE.is_none());
    /// ```
    pub const NONE: Self = Epilogue {
        bias: None,
        act: EpilogueAct::Identity,
    };

    /// `bias` added to every row.
    ///
    /// ```
    /// use shaped_core::kernels::Epilogue;
    /// assert_eq!(Epilogue::bias(&[1.0f32, 2.0]).bias, Some(&[1.0f32, 2.0][..]));
    /// ```
    pub fn bias(bias: &'a [E]) -> Self {
        Epilogue {
            bias: Some(bias),
            act: EpilogueAct::Identity,
        }
    }

    /// The same, then relu.
    ///
    /// ```
    /// use shaped_core::kernels::{Epilogue, EpilogueAct};
    /// assert_eq!(Epilogue::<f32>::NONE.relu().act, EpilogueAct::Relu);
    /// ```
    pub fn relu(self) -> Self {
        Epilogue {
            act: EpilogueAct::Relu,
            ..self
        }
    }

    /// Whether it does nothing.
    ///
    /// ```
    /// use shaped_core::kernels::Epilogue;
    /// assert!(!Epilogue::bias(&[0.0f32]).is_none());
    /// ```
    pub fn is_none(&self) -> bool {
        self.bias.is_none() && self.act == EpilogueAct::Identity
    }
}

impl<E: Num> Epilogue<'_, E> {
    /// Before a product added into `c` (row-major, rows of `n`): the bias
    /// added to every row (`replace`: every row set to it). The routes
    /// without a fused epilogue run this, the product with
    /// [`Accum::Add`](super::Accum::Add), then [`after`](Self::after).
    pub(crate) fn before(&self, c: &mut [E], n: usize, replace: bool) {
        if n == 0 {
            return;
        }
        match (self.bias, replace) {
            (Some(b), true) => c.chunks_exact_mut(n).for_each(|r| r.copy_from_slice(b)),
            (Some(b), false) => c.chunks_exact_mut(n).for_each(|r| {
                r.iter_mut().zip(b).for_each(|(x, &b)| *x += b);
            }),
            (None, true) => c.fill(E::ZERO),
            (None, false) => {}
        }
    }
}

impl<E: Float> Epilogue<'_, E> {
    /// After the product: the activation over `c`.
    pub(crate) fn after(&self, c: &mut [E]) {
        if self.act == EpilogueAct::Relu {
            c.iter_mut().for_each(|x| *x = x.relu());
        }
    }
}
