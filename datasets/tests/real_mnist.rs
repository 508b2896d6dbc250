//! Tests on the real MNIST files (from `$MNIST_DIR` or the project's shared
//! copy; skipped loudly when absent) and on Debian's Fashion-MNIST (skipped
//! loudly when the package is not installed).

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shaped_datasets::{idx, obtain, verify, DatasetError, FileSpec, IdxError, Mnist, Which};

const FASHION_DEBIAN: &str = "/usr/share/datasets/fashion-mnist";

/// The bytes of `spec` in `dir`, raw and gzipped (whichever form is there,
/// and the other made from it).
fn both_forms(dir: &Path, spec: &FileSpec) -> (Vec<u8>, Vec<u8>) {
    let raw_path = dir.join(spec.name);
    let bytes = if raw_path.is_file() {
        fs::read(raw_path).unwrap()
    } else {
        fs::read(dir.join(format!("{}.gz", spec.name))).unwrap()
    };
    let raw = common::raw(&bytes);
    let gz = if bytes.starts_with(&[0x1f, 0x8b]) {
        bytes
    } else {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&raw).unwrap();
        e.finish().unwrap()
    };
    (raw, gz)
}

#[test]
fn real_mnist_loads_and_verifies() {
    let Some(dir) = common::mnist_dir("real_mnist_loads_and_verifies") else {
        return;
    };
    verify(&dir, Which::Mnist).unwrap();
    let m = Mnist::load(&dir).unwrap();
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    assert_eq!((m.train.rows(), m.train.cols()), (28, 28));
    assert_eq!(m.train.images().len(), 60_000 * 784);
    assert_eq!(&m.train.labels()[..5], &[5, 0, 4, 1, 9]);
    assert_eq!(&m.test.labels()[..5], &[7, 2, 1, 0, 4]);
    let mut counts = [0usize; 10];
    m.train
        .labels()
        .iter()
        .for_each(|&l| counts[l as usize] += 1);
    assert!(counts.iter().all(|&c| c > 5000), "{counts:?}");
    // The first training image (a 5) has ink in its middle rows only.
    let five = m.train.image(0).unwrap();
    assert!(five[..28].iter().all(|&p| p == 0) && five.contains(&255));

    // A folder that verifies is used as it is, without writing to it.
    let mut log = Vec::new();
    let got = obtain(&dir, Which::Mnist, &mut |l| log.push(l.to_string())).unwrap();
    assert_eq!(got, dir);
    assert!(
        log.iter().any(|l| l.contains("are there and verified")),
        "{log:?}"
    );

    // It is MNIST, not Fashion-MNIST.
    assert!(matches!(
        verify(&dir, Which::Fashion),
        Err(DatasetError::Checksum { .. })
    ));
}

#[test]
fn real_mnist_raw_and_gzipped_load_the_same() {
    let Some(dir) = common::mnist_dir("real_mnist_raw_and_gzipped_load_the_same") else {
        return;
    };
    let raw_dir = common::temp_dir("raw");
    let gz_dir = common::temp_dir("gz");
    for spec in Which::Mnist.files() {
        let (raw, gz) = both_forms(&dir, spec);
        fs::write(raw_dir.join(spec.name), raw).unwrap();
        fs::write(gz_dir.join(format!("{}.gz", spec.name)), gz).unwrap();
    }
    verify(&raw_dir, Which::Mnist).unwrap();
    verify(&gz_dir, Which::Mnist).unwrap();
    let a = Mnist::load(&raw_dir).unwrap();
    let b = Mnist::load(&gz_dir).unwrap();
    assert!(a == b);
    fs::remove_dir_all(raw_dir).unwrap();
    fs::remove_dir_all(gz_dir).unwrap();
}

/// Every single-bit flip in the header of each real file is an error.
#[test]
fn real_mnist_header_bit_flips_are_errors() {
    let Some(dir) = common::mnist_dir("real_mnist_header_bit_flips_are_errors") else {
        return;
    };
    for spec in Which::Mnist.files() {
        let (raw, _) = both_forms(&dir, spec);
        let header_len = 4 + 4 * raw[3] as usize;
        let mut m = raw;
        for i in 0..header_len {
            for bit in 0..8 {
                m[i] ^= 1 << bit;
                assert!(idx::parse(&m).is_err(), "{}: byte {i} bit {bit}", spec.name);
                m[i] ^= 1 << bit;
            }
        }
    }
}

/// Truncations at many offsets and random byte flips (seeded) of the real
/// files, raw and gzipped: never a panic; truncations are always errors; a
/// flip is always caught by the checksum, and the only flips that verify
/// (gzip header fields such as the time stamp) leave the data unchanged.
#[test]
fn real_mnist_mutations_are_errors_not_panics() {
    let Some(dir) = common::mnist_dir("real_mnist_mutations_are_errors_not_panics") else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(0x004d_4e49_5354);
    let (mut tried, mut rejected) = (0usize, 0usize);
    for spec in Which::Mnist.files() {
        let (raw, gz) = both_forms(&dir, spec);
        let original = idx::parse(&raw).unwrap();
        let big = raw.len() > 1_000_000;
        for (form, bytes) in [("raw", &raw), ("gz", &gz)] {
            let what = format!("{} ({form})", spec.name);
            let n = bytes.len();
            // Truncations: every length up to 40, around the end, and random.
            let mut cuts: Vec<usize> = (0..40.min(n)).collect();
            cuts.extend((1..=40).map(|k| n - k));
            cuts.extend((0..if big { 8 } else { 60 }).map(|_| rng.random_range(0..n)));
            for cut in cuts {
                let r = idx::parse(&bytes[..cut]);
                assert!(r.is_err(), "{what} cut at {cut} parsed");
                if form == "raw" && cut >= 16 {
                    assert!(
                        matches!(r, Err(IdxError::Truncated { .. })),
                        "{what} cut at {cut}: {r:?}"
                    );
                }
                assert!(spec
                    .verify_bytes(Path::new(spec.name), &bytes[..cut])
                    .is_err());
            }
            // Random flips of 1 to 3 bytes anywhere.
            for _ in 0..if big { 10 } else { 150 } {
                let mut m = bytes.clone();
                let mut offsets = Vec::new();
                for _ in 0..rng.random_range(1..=3) {
                    let o = rng.random_range(0..n);
                    m[o] ^= rng.random_range(1..=255u8);
                    offsets.push(o);
                }
                let parsed = idx::parse(&m);
                let verified = spec.verify_bytes(Path::new(spec.name), &m);
                tried += 1;
                match verified {
                    Err(_) => rejected += 1,
                    Ok(()) => {
                        assert_eq!(form, "gz", "{what}: flips at {offsets:?} verified");
                        assert_eq!(parsed.as_ref(), Ok(&original), "{what}: {offsets:?}");
                    }
                }
            }
        }
    }
    eprintln!("mutations: {rejected} of {tried} random flips rejected by the checksum");
    assert!(rejected * 100 >= tried * 95, "{rejected} of {tried}");
}

/// Broken files in a folder give errors that name the file.
#[test]
fn real_mnist_broken_folder_errors_name_the_file() {
    let Some(dir) = common::mnist_dir("real_mnist_broken_folder_errors_name_the_file") else {
        return;
    };
    let files = Which::Mnist.files();
    let forms: Vec<(Vec<u8>, Vec<u8>)> = files.iter().map(|s| both_forms(&dir, s)).collect();
    let setup = |tag: &str| -> PathBuf {
        let d = common::temp_dir(tag);
        for (spec, (_, gz)) in files.iter().zip(&forms) {
            fs::write(d.join(format!("{}.gz", spec.name)), gz).unwrap();
        }
        d
    };

    // A label out of range (raw file, preferred over the .gz).
    let d = setup("label");
    let mut labels = forms[1].0.clone();
    labels[8 + 1234] = 10;
    fs::write(d.join(files[1].name), &labels).unwrap();
    let err = Mnist::load(&d).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: label 10 at index 1234 is out of range (labels go from 0 to 9)",
            d.join(files[1].name).display()
        )
    );
    // obtain reports the bad raw file, leaves it as it is, fetches nothing.
    let before = fs::read(d.join(files[1].name)).unwrap();
    let err = obtain(&d, Which::Mnist, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&d.join(files[1].name).display().to_string()),
        "{err}"
    );
    assert_eq!(fs::read(d.join(files[1].name)).unwrap(), before);
    assert!(!d.join("train-labels-idx1-ubyte.invalid").exists());
    fs::remove_dir_all(&d).unwrap();

    // Truncated training images.
    let d = setup("truncated");
    let (raw, _) = &forms[0];
    fs::write(d.join(files[0].name), &raw[..16 + 1234]).unwrap();
    let err = Mnist::load(&d).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: header claims 60000 x 28 x 28 = 47040000 bytes but the file holds only 1234 \
             after its 16-byte header",
            d.join(files[0].name).display()
        )
    );
    fs::remove_dir_all(&d).unwrap();

    // Test labels where the training labels should be.
    let d = setup("count");
    fs::write(d.join(files[1].name), &forms[3].0).unwrap();
    let err = Mnist::load(&d).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::CountMismatch {
                n_images: 60_000,
                n_labels: 10_000,
                ..
            }
        ),
        "{err}"
    );
    fs::remove_dir_all(&d).unwrap();

    // A missing file.
    let d = setup("missing");
    fs::remove_file(d.join("t10k-images-idx3-ubyte.gz")).unwrap();
    let err = Mnist::load(&d).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz is there",
            d.display()
        )
    );
    fs::remove_dir_all(&d).unwrap();
}

#[test]
fn fashion_mnist_from_debian() {
    if !Path::new(FASHION_DEBIAN).is_dir() {
        common::skip(
            "fashion_mnist_from_debian",
            &format!(
                "{FASHION_DEBIAN} not found; `apt-get install dataset-fashion-mnist` provides it"
            ),
        );
        return;
    }
    verify(Path::new(FASHION_DEBIAN), Which::Fashion).unwrap();
    let f = Mnist::load(FASHION_DEBIAN).unwrap();
    assert_eq!((f.train.len(), f.test.len()), (60_000, 10_000));
    assert_eq!(&f.train.labels()[..5], &[9, 0, 0, 3, 0]);
    assert_eq!(&f.test.labels()[..5], &[9, 2, 1, 1, 6]);
    assert_eq!(Which::Fashion.class_names()[9], "Ankle boot");

    // obtain copies Debian's files (its first source) into a folder.
    let d = common::temp_dir("fashion");
    let mut log = Vec::new();
    let got = obtain(&d, Which::Fashion, &mut |l| log.push(l.to_string())).unwrap();
    assert!(
        log.iter()
            .any(|l| l.contains("trying copy from /usr/share/datasets/fashion-mnist")),
        "{log:?}"
    );
    for spec in Which::Fashion.files() {
        assert!(got.join(format!("{}.gz", spec.name)).is_file());
    }
    assert!(Mnist::load(&got).unwrap() == f);
    fs::remove_dir_all(&d).unwrap();
}
