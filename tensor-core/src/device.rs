//! Devices: where a tensor's data lives, in its type.

use core::fmt::Debug;

/// Where a tensor's elements live. Only the CPU exists today; the device is a
/// type parameter of [`Tensor`](crate::Tensor) so that another (a GPU) can be
/// added without changing user code, and so that mixing devices is a compile
/// error.
///
/// ```
/// use shaped_core::{Cpu, Device};
/// assert_eq!(Cpu::NAME, "cpu");
/// ```
pub trait Device: Copy + Default + Debug + PartialEq + Send + Sync + 'static {
    /// The device's name.
    const NAME: &'static str;
}

/// The CPU: elements in a `Vec`, kernels on the host's cores.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Hash)]
pub struct Cpu;

impl Device for Cpu {
    const NAME: &'static str = "cpu";
}
