//! Long engine work with the GIL released and Ctrl-C honoured: the work runs on its own thread
//! while the calling thread waits without the GIL and checks Python's signals between waits; a
//! pending `KeyboardInterrupt` raises a flag that the sampler's progress callback reads at its
//! next iteration, and the work unwinds from there.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::Duration;

use pyo3::prelude::*;

use crate::sampler::Progress;

use super::errors::raise;

/// How often the waiting thread looks at Python's signals.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The unwinding payload of a stopped fit (`resume_unwind` skips the panic hook: nothing is
/// printed).
struct Interrupted;

/// Progress that stops the sampler once asked to.
#[derive(Debug, Default)]
pub struct Cancel {
    stop: AtomicBool,
}

impl Progress for Cancel {
    fn on_iteration(&self, _chain: usize, _done: usize, _total: usize, _divergences: usize) {
        if self.stop.load(Ordering::Relaxed) {
            resume_unwind(Box::new(Interrupted));
        }
    }
}

/// Run `work` on `threads` engine threads (the global pool when `None`) with the GIL released,
/// returning Python's exception if a signal handler raised one (Ctrl-C: `KeyboardInterrupt`).
pub fn run<T, F>(py: Python<'_>, threads: Option<usize>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Cancel) -> T + Send,
{
    let pool = match threads {
        Some(0) => return Err(raise("threads must be at least 1")),
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| raise(format!("cannot start {n} engine threads: {e}")))?,
        ),
        None => None,
    };
    let cancel = Cancel::default();
    thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let cancel = &cancel;
        let pool = pool.as_ref();
        let worker = scope.spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| match pool {
                Some(p) => p.install(|| work(cancel)),
                None => work(cancel),
            }));
            // The receiver may be gone only if the waiting side already returned; ignore.
            let _ = tx.send(());
            outcome
        });
        // `detach` needs a `Sync` closure; only this thread ever locks.
        let rx = Mutex::new(rx);
        loop {
            let done = py.detach(|| {
                let rx = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                !matches!(
                    rx.recv_timeout(SIGNAL_POLL),
                    Err(mpsc::RecvTimeoutError::Timeout)
                )
            });
            if done {
                break;
            }
            if let Err(signal) = py.check_signals() {
                cancel.stop.store(true, Ordering::Relaxed);
                // Wait for the engine to unwind; its result is dropped.
                let _ = py.detach(|| worker.join());
                return Err(signal);
            }
        }
        match py.detach(|| worker.join()) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(payload)) | Err(payload) => {
                if payload.is::<Interrupted>() {
                    Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(
                        "fit interrupted",
                    ))
                } else {
                    resume_unwind(payload)
                }
            }
        }
    })
}
