//! Shape mistakes that must not compile, with the messages users see.
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p shaped-compile-fail`.

/// Tensor shape mistakes, checked with `cargo check` alone: this case list
/// has no passing case, so trybuild does not build, and each case fails
/// before anything is built (as rust-analyzer shows it).
#[test]
fn shape_errors_fail_at_cargo_check() {
    let t = trybuild::TestCases::new();
    t.compile_fail("*.rs");
}

/// The written-size forms for dims past the compiler's range (and
/// `permute`): `const` asserts, seen only when the program is built. The
/// passing case makes trybuild run `cargo build` on this list.
#[test]
fn build_time_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("build/*.rs");
    t.pass("pass/*.rs");
}

/// `model!` mistakes, checked with `cargo check` alone (this case list has
/// no passing case, so trybuild does not build): each fails at the check.
#[test]
fn model_errors_fail_at_cargo_check() {
    let t = trybuild::TestCases::new();
    t.compile_fail("model/*.rs");
}

/// Mistakes at `nn`'s entry points (`fit`, `train_step`, `predict`,
/// `Trainer::new`), checked with `cargo check` alone: each message names
/// the role and both shapes (or both models).
#[test]
fn entry_point_errors_fail_at_cargo_check() {
    let t = trybuild::TestCases::new();
    t.compile_fail("nn/*.rs");
}
