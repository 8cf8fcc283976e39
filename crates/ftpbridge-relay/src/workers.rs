//! The threads that serve connections: one single-threaded tokio runtime per core,
//! and every accepted connection (its HTTP exchange, and for a WebSocket its session,
//! streams and pumps) lives on the one that serves the fewest connections.
//!
//! A session's tasks hand each other bytes: a stream's down pump reads TCP into a
//! buffer that the session's writer frames onto the WebSocket. On a work-stealing
//! runtime they run on different cores, so every hand-off is a cross-thread wake-up
//! and the buffer is read back from another core's cache; on one thread the hand-off
//! is a queue push and the bytes are still warm (the tunnel benchmark in
//! `BENCHMARKS.md` shows what it gains). Sessions still spread over every core.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The worker threads. Dropping it stops them: their connections end.
pub(crate) struct Workers {
    workers: Vec<Worker>,
}

struct Worker {
    handle: Handle,
    /// Connections it serves now.
    load: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Counts a connection against its worker while it lives.
struct Load(Arc<AtomicUsize>);

impl Drop for Load {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Workers {
    /// Starts `count` workers (at least one).
    pub(crate) fn start(count: usize) -> io::Result<Workers> {
        let mut workers = Vec::new();
        for i in 0..count.max(1) {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            let handle = runtime.handle().clone();
            let (stop, stopped) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new().name(format!("relay-worker-{i}")).spawn(move || {
                // Until the pool is dropped; then the runtime, and every task on it, ends.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
            workers.push(Worker {
                handle,
                load: Arc::new(AtomicUsize::new(0)),
                stop: Some(stop),
                thread: Some(thread),
            });
        }
        Ok(Workers { workers })
    }

    /// One worker per core the process may use.
    pub(crate) fn per_core() -> io::Result<Workers> {
        Workers::start(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Runs `connection` on the least loaded worker. It is made there, so that the
    /// sockets it registers belong to that worker's reactor.
    pub(crate) fn spawn<F, Fut>(&self, connection: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(worker) = self.workers.iter().min_by_key(|w| w.load.load(Ordering::Acquire)) else {
            return;
        };
        worker.load.fetch_add(1, Ordering::AcqRel);
        let load = Load(worker.load.clone());
        worker.handle.spawn(async move {
            let _load = load;
            connection().await;
        });
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for worker in &mut self.workers {
            let _ = worker.stop.take().map(|stop| stop.send(()));
        }
        // Wait until every worker has dropped its tasks, so that their sockets are
        // closed when the pool is gone (a relay stopped or dropped mid-session leaves
        // nothing open). A worker depends on nothing of the caller's runtime, so this
        // wait ends even when it is made from inside one.
        for worker in &mut self.workers {
            if let Some(thread) = worker.thread.take() {
                let _ = thread.join();
            }
        }
    }
}
