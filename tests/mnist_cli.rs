//! The MNIST example as a user runs it: the built `mnist_static` binary on a
//! tiny IDX data set written here (one epoch of 320 images), and each way it
//! must fail: at once, with one line saying what and where, a non-zero exit
//! code, and the user's files untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Builds the example (with the profile of these tests, so that nothing is
/// rebuilt when `cargo test` already built it) and returns its path, read
/// from cargo's JSON messages.
fn example() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "build",
                "--profile",
                "test",
                "--example",
                "mnist_static",
                "--message-format=json",
            ])
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "building the example failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .rfind(|l| l.contains("\"name\":\"mnist_static\"") && l.contains("\"executable\":\""))
            .expect("cargo names the example's executable");
        let start = line.find("\"executable\":\"").unwrap() + "\"executable\":\"".len();
        let end = start + line[start..].find('"').unwrap();
        PathBuf::from(&line[start..end])
    })
}

/// An IDX file of u8: the magic, the big-endian dims, the bytes.
fn idx(dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

/// A fresh folder for one test.
fn folder(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mnist-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a tiny MNIST-format data set (320 training and 64 test images,
/// each a bright square whose place is its label) into `dir`.
fn tiny_mnist(dir: &Path) {
    let images = |n: usize| {
        let mut px = vec![0u8; n * 784];
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        for (i, &l) in labels.iter().enumerate() {
            let (r0, c0) = (2 + (l as usize / 5) * 12, 2 + (l as usize % 5) * 5);
            for r in r0..r0 + 8 {
                for c in c0..c0 + 4 {
                    px[i * 784 + r * 28 + c] = 200 + (i % 50) as u8;
                }
            }
        }
        (px, labels)
    };
    for (prefix, n) in [("train", 320u32), ("t10k", 64)] {
        let (px, labels) = images(n as usize);
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx(&[n, 28, 28], &px),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx(&[n], &labels),
        )
        .unwrap();
    }
}

/// The files of `dir`, sorted, with their sizes.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .collect();
    v.sort();
    v
}

fn run(args: &[&str]) -> Output {
    Command::new(example())
        .args(args)
        .env_remove("MNIST_DIR")
        .output()
        .expect("the example runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A failure: non-zero exit, one `error:` line on stderr (returned), and
/// no training started.
fn fails(o: &Output) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "it succeeded:\n{}", stdout(o));
    let lines: Vec<&str> = err.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(
        !err.contains("Error {") && !err.contains("Os {"),
        "Debug output: {err}"
    );
    assert!(
        !stdout(o).contains("Epoch 1/"),
        "training started:\n{}",
        stdout(o)
    );
    lines[0].to_string()
}

#[test]
fn one_epoch_on_a_tiny_data_set_runs_and_saves() {
    let d = folder("ok");
    tiny_mnist(&d);
    let out = folder("ok-out");
    let save = out.join("sub/model.safetensors");
    let plot = out.join("plots");
    let o = run(&[
        "--data",
        d.to_str().unwrap(),
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--threads",
        "1",
        "--save",
        save.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Epoch 1/1") && text.contains("test_acc: "),
        "{text}"
    );
    assert!(save.is_file() && plot.join("training.png").is_file());
    std::fs::remove_dir_all(&d).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn an_invalid_file_in_the_data_folder_is_reported_and_left_alone() {
    let d = folder("invalid");
    tiny_mnist(&d);
    // Half the training images: the header claims more than the file holds.
    let path = d.join("train-images-idx3-ubyte");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..16 + 160 * 784]).unwrap();
    let before = listing(&d);
    let line = fails(&run(&["--data", d.to_str().unwrap(), "--epochs", "1"]));
    assert_eq!(
        line,
        format!(
            "error: {}: header claims 320 x 28 x 28 = 250880 bytes but the file holds only 125440 after its 16-byte header",
            path.display()
        )
    );
    assert_eq!(listing(&d), before, "the data folder changed");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_missing_file_in_the_data_folder_is_reported_not_fetched() {
    let d = folder("missing");
    tiny_mnist(&d);
    std::fs::remove_file(d.join("t10k-labels-idx1-ubyte")).unwrap();
    let before = listing(&d);
    let line = fails(&run(&["--data", d.to_str().unwrap()]));
    assert_eq!(
        line,
        format!(
            "error: {}: neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz is there",
            d.display()
        )
    );
    assert_eq!(listing(&d), before);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_folder_where_a_data_file_should_be_is_named_as_such() {
    let d = folder("dir");
    tiny_mnist(&d);
    let path = d.join("train-labels-idx1-ubyte");
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let line = fails(&run(&["--data", d.to_str().unwrap()]));
    assert_eq!(
        line,
        format!(
            "error: {} is a directory (or another non-file), where the data file train-labels-idx1-ubyte should be",
            path.display()
        )
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn zero_counts_are_refused_by_the_argument_parser() {
    for flag in ["--epochs", "--batch-size", "--threads"] {
        let o = run(&[flag, "0"]);
        assert_eq!(o.status.code(), Some(2), "{flag} 0");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("invalid value '0' for '{flag}"))
                && err.contains("must be at least 1"),
            "{flag} 0: {err}"
        );
    }
}

#[test]
fn unwritable_save_and_plot_paths_fail_before_training() {
    let d = folder("paths");
    tiny_mnist(&d);
    let blocker = d.join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let data = d.to_str().unwrap();

    let save = blocker.join("model.safetensors");
    let line = fails(&run(&["--data", data, "--save", save.to_str().unwrap()]));
    assert!(
        line.starts_with(&format!(
            "error: --save {}: cannot create the folder: ",
            blocker.display()
        )),
        "{line}"
    );

    let plot = blocker.join("plots");
    let line = fails(&run(&["--data", data, "--plot", plot.to_str().unwrap()]));
    assert!(
        line.starts_with(&format!(
            "error: --plot {}: cannot create the folder: ",
            plot.display()
        )),
        "{line}"
    );

    let line = fails(&run(&["--data", data, "--save", d.to_str().unwrap()]));
    assert_eq!(
        line,
        format!(
            "error: --save {}: is a folder; give a file name, e.g. model.safetensors",
            d.display()
        )
    );
    std::fs::remove_dir_all(&d).unwrap();
}
