//! Procedural macros of `shaped`.
