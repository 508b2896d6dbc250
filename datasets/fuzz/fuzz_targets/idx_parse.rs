//! Fuzzes the IDX parser on arbitrary bytes: it must never panic, never
//! allocate more than the input can justify, and whatever it accepts must be
//! consistent. Every input is tried raw and also gzipped, so that the gzip
//! path sees well-formed streams of arbitrary content, not only noise.
#![no_main]

use std::io::Write;

use shaped_datasets::idx;
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    if let Ok(a) = idx::parse(bytes) {
        let dims = a.dims();
        assert!((1..=4).contains(&dims.len()));
        assert!(dims.iter().all(|&d| d > 0));
        assert_eq!(a.data().len(), dims.iter().product::<usize>());
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    check(&gz.finish().unwrap());
});
