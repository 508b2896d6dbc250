//! Test scaffolding shared by the one-thread tests of shaped-core and
//! shaped-nn (each includes this file with `#[path]`): hold every kernel
//! thread busy, and run a computation with a time limit.

use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex};
use std::time::Duration;

/// Holds both kernel threads in jobs that wait until `release` is called.
pub struct Held {
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl Held {
    pub fn all_kernel_threads() -> Held {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let started = Arc::new(Barrier::new(3));
        for _ in 0..2 {
            let (gate, started) = (gate.clone(), started.clone());
            rayon::spawn(move || {
                started.wait();
                let (lock, cv) = &*gate;
                let mut open = lock.lock().unwrap();
                while !*open {
                    open = cv.wait(open).unwrap();
                }
            });
        }
        // Both jobs run, each holding its own kernel thread.
        started.wait();
        Held { gate }
    }

    pub fn release(self) {
        let (lock, cv) = &*self.gate;
        *lock.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// `f()` on a new thread, or `None` if it has not finished after `wait`.
pub fn finishes_within<T: Send + 'static>(
    wait: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (mpsc::Receiver<T>, Option<T>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let got = rx.recv_timeout(wait).ok();
    (rx, got)
}
