//! Shape mistakes that must not compile, with the messages users see.
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test compile_fail`.

#[test]
fn shape_errors_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // A passing case makes trybuild run `cargo build` instead of `cargo check`,
    // so the post-monomorphization asserts (reshape, slice, permute) fire.
    t.pass("tests/ui/pass/*.rs");
}

/// `model!` mistakes, checked with `cargo check` alone (this case list has
/// no passing case, so trybuild does not build): each fails at the check.
#[test]
fn model_errors_fail_at_cargo_check() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/model/*.rs");
}
