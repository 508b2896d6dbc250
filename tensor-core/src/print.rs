//! How tensors print: numpy's rules. A tensor of at most
//! [`PrintOptions::threshold`] elements (numpy: 1000) prints in full; a larger
//! one shows [`PrintOptions::edge_items`] (numpy: 3) at each end of every axis,
//! with `...` between. [`set_print_options`] changes both, as
//! `np.set_printoptions(threshold=, edgeitems=)` does; it only changes what
//! `Display`/`Debug` print, never a computation.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What [`set_print_options`] sets.
///
/// ```
/// use shaped_core::PrintOptions;
/// assert_eq!(PrintOptions::default(), PrintOptions { threshold: 1000, edge_items: 3 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintOptions {
    /// The most elements a tensor may have and still print in full.
    pub threshold: usize,
    /// How many items each end of an axis shows when a tensor is summarised.
    pub edge_items: usize,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            threshold: 1000,
            edge_items: 3,
        }
    }
}

static THRESHOLD: AtomicUsize = AtomicUsize::new(1000);
static EDGE_ITEMS: AtomicUsize = AtomicUsize::new(3);

/// Sets how every tensor prints from now on (numpy's `set_printoptions`).
///
/// ```
/// use shaped_core::{print_options, set_print_options, shape, PrintOptions, Tensor};
/// let v = Tensor::<shape![10], i32>::from_vec((0..10).collect()).unwrap();
/// assert_eq!(v.to_string(), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
/// let before = print_options();
/// set_print_options(PrintOptions { threshold: 5, edge_items: 2 });
/// assert_eq!(v.to_string(), "[0, 1, ..., 8, 9]");
/// set_print_options(before);
/// ```
pub fn set_print_options(options: PrintOptions) {
    THRESHOLD.store(options.threshold, Ordering::Relaxed);
    EDGE_ITEMS.store(options.edge_items, Ordering::Relaxed);
}

/// The options tensors print with now.
///
/// ```
/// assert_eq!(shaped_core::print_options().edge_items, 3);
/// ```
pub fn print_options() -> PrintOptions {
    PrintOptions {
        threshold: THRESHOLD.load(Ordering::Relaxed),
        edge_items: EDGE_ITEMS.load(Ordering::Relaxed),
    }
}

/// Writes `data`, of shape `dims`, as nested brackets, summarised by the
/// current options when it has more elements than the threshold.
pub(crate) fn write_nested<E: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    dims: &[usize],
    data: &[E],
) -> fmt::Result {
    let options = print_options();
    let edge = if data.len() > options.threshold {
        Some(options.edge_items)
    } else {
        None
    };
    write_axis(f, dims, data, edge)
}

fn write_axis<E: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    dims: &[usize],
    data: &[E],
    edge: Option<usize>,
) -> fmt::Result {
    match dims {
        [] => match data.first() {
            Some(x) => write!(f, "{x:?}"),
            None => f.write_str("[]"),
        },
        [n, rest @ ..] => {
            let inner: usize = rest.iter().product();
            let show = |i: usize| match edge {
                Some(e) => *n <= 2 * e || i < e || i >= n - e,
                None => true,
            };
            f.write_str("[")?;
            let mut skipped = false;
            for i in 0..*n {
                if !show(i) {
                    if !skipped {
                        f.write_str(", ...")?;
                        skipped = true;
                    }
                    continue;
                }
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_axis(f, rest, &data[i * inner..(i + 1) * inner], edge)?;
            }
            f.write_str("]")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{shape, Tensor};

    /// numpy: `np.arange(1001)` is summarised, `np.arange(1000)` is not, and
    /// a (2, 1000) array keeps both rows, each cut to 3 + 3.
    #[test]
    fn summarises_only_above_the_threshold() {
        let v = Tensor::<shape![1000], i32>::from_vec((0..1000).collect()).unwrap();
        assert_eq!(v.to_string().matches(", ").count(), 999);
        let w = Tensor::<shape![1001], i32>::from_vec((0..1001).collect()).unwrap();
        assert_eq!(w.to_string(), "[0, 1, 2, ..., 998, 999, 1000]");
        let m = Tensor::<shape![2, 1000], i32>::from_vec((0..2000).collect()).unwrap();
        assert_eq!(
            m.to_string(),
            "[[0, 1, 2, ..., 997, 998, 999], [1000, 1001, 1002, ..., 1997, 1998, 1999]]"
        );
        let e = Tensor::<shape![0, 3], i32>::from_vec(vec![]).unwrap();
        assert_eq!(e.to_string(), "[]");
    }
}
