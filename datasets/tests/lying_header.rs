//! A header that claims far more data than present must cost neither time
//! nor memory: a counting allocator checks the largest allocation made.

use std::io::Write;
use std::time::Instant;

use shaped_datasets::{idx, IdxError};

#[path = "../../tensor-core/tests/support/counting.rs"]
mod counting;

#[global_allocator]
static A: counting::Counting = counting::Counting;

fn idx_bytes(dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

#[test]
fn lying_headers_cost_nothing() {
    // Claims of 4 GiB, 2.8e14 and 1.8e19 bytes on a body of 100 bytes.
    let claims: [&[u32]; 3] = [
        &[u32::MAX],
        &[65_535, 65_535, 65_535],
        &[u32::MAX, u32::MAX, 1, 1],
    ];
    let mut inputs = Vec::new();
    for dims in claims {
        let raw = idx_bytes(dims, &[7; 100]);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&raw).unwrap();
        inputs.push(e.finish().unwrap());
        inputs.push(raw);
    }
    counting::reset_largest();
    let started = Instant::now();
    for input in &inputs {
        let err = idx::parse(input).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::Truncated { actual: 100, .. } | IdxError::TooLarge { .. }
            ),
            "{err}"
        );
    }
    let elapsed = started.elapsed();
    let largest = counting::largest();
    eprintln!("largest allocation {largest} bytes, {elapsed:?}");
    // The gzip decoder's own window and buffers are the biggest thing.
    assert!(largest < 1 << 20, "largest allocation {largest} bytes");
    assert!(elapsed.as_millis() < 500, "{elapsed:?}");
}
