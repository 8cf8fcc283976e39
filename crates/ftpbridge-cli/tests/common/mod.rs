//! What the CLI's integration tests share: a relay in a thread of its own, and
//! deterministic file contents.

#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::thread::JoinHandle;
use std::time::Duration;

/// A relay in a thread of its own that can be stopped gracefully or dropped abruptly.
pub struct Relay {
    /// Its port on 127.0.0.1.
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    abort: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    /// A relay on a free port that allows loopback servers on `control_port`, active
    /// mode included.
    pub fn start(control_port: u16) -> Relay {
        Relay::start_on(0, control_port)
    }

    /// A relay on 127.0.0.1:`port` (0: any free port).
    pub fn start_on(port: u16, control_port: u16) -> Relay {
        Relay::start_with(port, control_port, |_| {})
    }

    /// Like [`Relay::start_on`], with `configure` changing the test configuration last.
    pub fn start_with(
        port: u16,
        control_port: u16,
        configure: impl FnOnce(&mut ftpbridge_relay::RelayConfig),
    ) -> Relay {
        let mut config = ftpbridge_relay::RelayConfig::default();
        config.policy.allow_private = true;
        config.policy.control_ports = vec![control_port];
        config.active.enabled = true;
        config.active.bind_address = Ipv4Addr::LOCALHOST.into();
        // Each CLI run is a new session from 127.0.0.1, and a test makes dozens in a few
        // seconds: more than the per-client upgrade rate a public relay allows.
        config.limits.upgrades_per_second = 1000;
        config.limits.upgrade_burst = 1000;
        // A graceful stop waits this long for sessions whose client does not answer
        // the close (a frozen CLI).
        config.timeouts.drain = Duration::from_secs(1);
        configure(&mut config);
        // std sets SO_REUSEADDR: the port of a relay just stopped can be taken again.
        let listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("a port for the relay");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("its address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (abort, aborted) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let runtime = runtime.expect("a runtime for the relay");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let shutdown = async move {
                    let _ = stopped.await;
                };
                tokio::select! {
                    result = ftpbridge_relay::serve(listener, config, shutdown) => {
                        result.expect("the relay runs");
                    }
                    // Abrupt: leave the sessions where they are.
                    Ok(()) = aborted => {}
                }
            });
            // Drops every task: sockets close without a WebSocket close frame.
            drop(runtime);
        });
        Relay { port, stop: Some(stop), abort: Some(abort), thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Stops it gracefully (sessions get a RESET and a WebSocket close; it waits for
    /// them up to its drain deadline) and waits until it has stopped.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.join();
    }

    /// Drops it abruptly, as a crash would: its runtime goes away with every session,
    /// no RESET, no WebSocket close.
    pub fn abort(mut self) {
        if let Some(abort) = self.abort.take() {
            let _ = abort.send(());
        }
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the relay thread");
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.join();
    }
}

/// Deterministic pseudo-random bytes (xorshift64).
pub fn content(len: u64, seed: u64) -> Vec<u8> {
    let len = usize::try_from(len).expect("fits in memory");
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}
