//! The kernel threads: how many there are, the calling thread joining
//! them, and keeping them polling for work through a training loop.
//!
//! The kernels split their work with rayon, on its global pool. Between
//! two parallel products a rayon thread that finds no work soon goes to
//! sleep, and the next product's first split waits for it to wake (the
//! chapter's network at two threads: the second core idle 14.6% of the
//! run, and 6% of the time in the kernel, yielding and waking).
//! [`keep_threads_hot`] returns a guard under which the other kernel
//! threads poll for work instead (as an OpenMP runtime's threads spin for
//! a while between parallel regions), napping between polls after
//! [`IDLE_LIMIT`] without work, until it is dropped: 3-4% less fit time on
//! the chapter's network and the 3x512 net at two threads (README).

use super::matmul::Parallelism;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sizes the pool of kernel threads (default: one per core), counting the
/// calling thread, which becomes one of them. Call it before the first
/// tensor operation; later calls return an error and change nothing.
///
/// It is optional, and not the way to limit a computation's threads: that
/// is a [`Parallelism`] value given to the products
/// ([`Parallelism::Threads`]`(n)`: at most `n` of the kernel threads; `1`:
/// none but the caller), which `shaped_nn`'s `Compute` carries to the
/// layers and the trainer. Use this only to have more (or fewer) kernel
/// threads than cores.
///
/// Why the calling thread joins: a kernel started from a thread outside the
/// kernel threads is handed over to them while the caller sleeps, and the
/// wake-ups cost more than a small product. A kernel thread splits the work
/// and does its share itself.
///
/// ```
/// // In a program's `main`, before any work:
/// let _ = shaped_core::kernels::set_threads(2);
/// ```
pub fn set_threads(n: usize) -> Result<(), rayon::ThreadPoolBuildError> {
    build_joined(rayon::ThreadPoolBuilder::new().num_threads(n))
}

/// Makes the kernel threads from `builder`, the calling thread one of
/// them, and marks it as the thread that joined.
fn build_joined(builder: rayon::ThreadPoolBuilder) -> Result<(), rayon::ThreadPoolBuildError> {
    let built = builder.use_current_thread().build_global();
    if built.is_ok() {
        JOINED.set(true);
    }
    built
}

thread_local! {
    /// Whether this thread joined the kernel threads when it made them
    /// ([`set_threads`], [`join_kernel_threads`]): the one thread that may
    /// keep the others hot.
    static JOINED: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Makes the calling thread one of the kernel threads, with one thread per
/// core, unless the kernel threads are already set up (then it does
/// nothing). The training loop calls it; see [`set_threads`] for why.
///
/// ```
/// shaped_core::kernels::join_kernel_threads();
/// assert!(shaped_core::kernels::threads() >= 1);
/// ```
pub fn join_kernel_threads() {
    // An error only means the threads exist already.
    let _ = build_joined(rayon::ThreadPoolBuilder::new());
}

/// How many threads the kernels use.
///
/// ```
/// let n = shaped_core::kernels::threads();
/// assert!(n >= 1);
/// ```
pub fn threads() -> usize {
    rayon::current_num_threads()
}

/// How long a thread kept hot spins without finding work before it naps a
/// millisecond between polls (a pause of the loop, such as writing a
/// checkpoint, then costs no more than this of a core).
pub const IDLE_LIMIT: Duration = Duration::from_millis(50);

/// While it lives, the kernel threads other than the caller's poll for
/// work instead of sleeping: made by [`keep_threads_hot`], undone when
/// dropped.
#[must_use = "the threads stay hot only while the guard lives"]
#[derive(Debug)]
pub struct HotThreads {
    shared: Option<Arc<Shared>>,
}

/// What the guard and its polling threads share.
#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    /// Threads in the polling loop, spinning or napping.
    polling: AtomicUsize,
    /// Of those, the ones napping.
    napping: AtomicUsize,
}

impl HotThreads {
    /// Whether the guard asked any thread to poll: not when the work stays
    /// on the caller, or when the caller is not a kernel thread (see
    /// [`keep_threads_hot`]).
    ///
    /// ```
    /// use shaped_core::kernels::{keep_threads_hot, Parallelism};
    /// assert!(!keep_threads_hot(Parallelism::None).is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.shared.is_some()
    }

    /// How many threads are polling for work now (spinning, or napping
    /// after [`IDLE_LIMIT`] without work).
    ///
    /// ```
    /// use shaped_core::kernels::{keep_threads_hot, Parallelism};
    /// assert_eq!(keep_threads_hot(Parallelism::None).polling(), 0);
    /// ```
    pub fn polling(&self) -> usize {
        self.shared.as_ref().map_or(0, |s| s.polling())
    }
}

impl Shared {
    fn polling(&self) -> usize {
        self.polling.load(Ordering::Acquire)
    }

    #[cfg(test)]
    fn napping(&self) -> usize {
        self.napping.load(Ordering::Acquire)
    }
}

impl Drop for HotThreads {
    fn drop(&mut self) {
        if let Some(s) = &self.shared {
            s.stop.store(true, Ordering::Release);
        }
    }
}

/// Keeps the kernel threads that `par` lets share the work (other than
/// the caller's) polling for work until the guard is dropped, so that the
/// many short parallel products of a training loop do not each wait for a
/// sleeping thread to wake. A polling thread runs the work it finds as
/// usual; after [`IDLE_LIMIT`] without any it naps a millisecond between
/// polls, until it finds work again. The threads return to rayon's sleep
/// when the guard is dropped.
///
/// It does nothing (an inactive guard) when `par` keeps the work on the
/// caller, and unless the caller is the thread that joined the kernel
/// threads when it made them ([`join_kernel_threads`], [`set_threads`];
/// a program's main thread). So a loop run on another kernel thread (inside
/// a parallel job) keeps no thread polling: the other threads are busy with
/// jobs of their own, and one that waits inside a job would take the
/// polling loop up in the middle of it. One case is not told apart: loops
/// run side by side from the main thread (a `rayon::join` of two fits).
/// The main thread's loop is kept hot, and its polling loop takes up the
/// other loop's thread at that loop's next wait, which then stalls until
/// the first ends. Give such loops one thread each
/// ([`Parallelism::Threads`]`(1)`), which keeps nothing polling.
///
/// ```
/// use shaped_core::kernels::{join_kernel_threads, keep_threads_hot, Parallelism};
/// join_kernel_threads();
/// let hot = keep_threads_hot(Parallelism::Rayon);
/// // ... the training loop's products ...
/// assert_eq!(hot.is_active(), shaped_core::kernels::threads() > 1);
/// drop(hot);
/// ```
pub fn keep_threads_hot(par: Parallelism) -> HotThreads {
    if !JOINED.get() {
        return HotThreads { shared: None };
    }
    keep_hot_for(par, IDLE_LIMIT)
}

/// [`keep_threads_hot`] from any thread of a pool (the tests' pools), with
/// a chosen idle limit.
fn keep_hot_for(par: Parallelism, idle_limit: Duration) -> HotThreads {
    let inactive = HotThreads { shared: None };
    let Some(me) = rayon::current_thread_index() else {
        return inactive;
    };
    // The threads the work may use, the caller's counted.
    let wanted = par.threads();
    if wanted <= 1 {
        return inactive;
    }
    let shared = Arc::new(Shared::default());
    let s = Arc::clone(&shared);
    // One job on every thread of the caller's pool; the caller's own (run
    // when it next waits for work) and those past the count return at once.
    rayon::spawn_broadcast(move |ctx| {
        let i = ctx.index();
        // The other threads in order, from 1 (the caller is 0).
        let rank = if i < me { i + 1 } else { i };
        if i == me || rank >= wanted {
            return;
        }
        s.polling.fetch_add(1, Ordering::AcqRel);
        poll(&s, idle_limit);
        s.polling.fetch_sub(1, Ordering::AcqRel);
    });
    HotThreads {
        shared: Some(shared),
    }
}

/// Runs the work this thread finds until `stop` is set. After
/// `idle_limit` without work it naps a millisecond between polls (a pause
/// of the loop then costs next to nothing of a core, and work is taken up
/// again within a millisecond), spinning again once it finds some.
fn poll(s: &Shared, idle_limit: Duration) {
    let mut idle_since: Option<Instant> = None;
    let mut idle_polls = 0u32;
    let mut napping = false;
    while !s.stop.load(Ordering::Acquire) {
        if let Some(rayon::Yield::Executed) = rayon::yield_now() {
            idle_since = None;
            idle_polls = 0;
            if napping {
                napping = false;
                s.napping.fetch_sub(1, Ordering::AcqRel);
            }
            continue;
        }
        if napping {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        std::hint::spin_loop();
        idle_polls = idle_polls.wrapping_add(1);
        // The clock is read once in a while, not at every poll, and the
        // core is offered to other threads then (more kernel threads than
        // cores).
        if idle_polls.is_multiple_of(256) {
            std::thread::yield_now();
            let since = *idle_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= idle_limit {
                napping = true;
                s.napping.fetch_add(1, Ordering::AcqRel);
            }
        }
    }
    if napping {
        s.napping.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("a pool")
    }

    /// Waits (at most 10 s) until `ok` holds; whether it did.
    fn eventually(ok: impl Fn() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        ok()
    }

    /// A join whose caller half spins 100 us (long enough to be stolen
    /// from): its two halves' values, `(2 i, 3 i)`, and whether the other
    /// half ran on another thread.
    fn slow_join(i: u64) -> ((u64, u64), bool) {
        let me = rayon::current_thread_index();
        let slow = || {
            let t = Instant::now();
            while t.elapsed() < Duration::from_micros(100) {}
            i * 2
        };
        let (a, (b, there)) = rayon::join(slow, || (i * 3, rayon::current_thread_index() != me));
        ((a, b), there)
    }

    #[test]
    fn the_other_thread_polls_runs_the_work_and_stops_with_the_guard() {
        pool(2).install(|| {
            // Only the guard's drop can stop this one.
            let hot = keep_hot_for(Parallelism::Rayon, Duration::from_secs(3600));
            assert!(hot.is_active());
            let shared = Arc::clone(hot.shared.as_ref().expect("active"));
            assert!(eventually(|| hot.polling() == 1), "no thread polls");
            // Work is still done, and the polling thread takes its share.
            let mut elsewhere = 0;
            for i in 0..200u64 {
                let ((a, b), there) = slow_join(i);
                assert_eq!((a, b), (i * 2, i * 3));
                elsewhere += usize::from(there);
            }
            assert!(elsewhere > 0, "the polling thread ran no work");
            drop(hot);
            assert!(eventually(|| shared.polling() == 0), "still polling");
        });
    }

    #[test]
    fn a_thread_without_work_naps_and_takes_work_again() {
        pool(2).install(|| {
            let hot = keep_hot_for(Parallelism::Rayon, IDLE_LIMIT);
            let shared = Arc::clone(hot.shared.as_ref().expect("active"));
            assert!(eventually(|| hot.polling() == 1), "no thread polls");
            std::thread::sleep(IDLE_LIMIT * 2);
            assert!(
                eventually(|| shared.napping() == 1),
                "no nap past the limit"
            );
            assert_eq!(hot.polling(), 1, "the napping thread left the loop");
            // (The pool's one other thread is the napping one.)
            // Joins until one's other half ran on another thread.
            assert!(
                eventually(|| slow_join(0).1),
                "the napping thread took no work"
            );
            drop(hot);
            assert!(eventually(|| shared.polling() == 0), "still polling");
            assert_eq!(shared.napping(), 0);
        });
    }

    #[test]
    fn only_the_threads_the_work_may_use_poll() {
        let two = Parallelism::Threads(NonZeroUsize::new(2).expect("2"));
        pool(3).install(|| {
            let hot = keep_hot_for(two, Duration::from_secs(3600));
            assert!(eventually(|| hot.polling() == 1), "no thread polls");
            std::thread::sleep(Duration::from_millis(20));
            assert_eq!(hot.polling(), 1);
        });
    }

    #[test]
    fn inactive_on_the_caller_alone_and_outside_the_kernel_threads() {
        let one = Parallelism::Threads(NonZeroUsize::new(1).expect("1"));
        pool(2).install(|| {
            assert!(!keep_hot_for(Parallelism::None, IDLE_LIMIT).is_active());
            assert!(!keep_hot_for(one, IDLE_LIMIT).is_active());
            // A pool's thread that did not make the kernel threads.
            assert!(!keep_threads_hot(Parallelism::Rayon).is_active());
        });
        // The test's own thread is not a pool's.
        assert!(!keep_hot_for(Parallelism::Rayon, IDLE_LIMIT).is_active());
    }
}
