//! The fuzz targets' comparison with an f64 reference.

/// `got` against the f64 reference `want`, whose rounding bound is `bound`.
pub fn agree(got: f32, want: f64, bound: f64, what: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what}: {got} where the reference is NaN");
    } else if want.is_infinite() {
        assert_eq!(got as f64, want, "{what}");
    } else {
        let err = (got as f64 - want).abs();
        assert!(
            err <= bound,
            "{what}: {got} vs {want} (error {err}, bound {bound})"
        );
    }
}
