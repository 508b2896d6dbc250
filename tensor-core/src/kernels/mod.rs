//! Low-level kernels on flat buffers with run-time sizes. Every statically
//! shaped op funnels into these, so each distinct static shape does not
//! compile its own copy of the heavy code.

pub mod gemm;
