//! Link conditions for tests: a slow loopback and a delaying hop.
//!
//! ```text
//!  test fn ── SlowLink::enter("test_name", rate) ──┐ outside: re-runs this one test in
//!                                                  │ `unshare --net`, waits, checks it passed
//!                                                  └ inside: lo up, `tc tbf` at `rate` on lo;
//!                                                    every server, relay, client and browser
//!                                                    the test starts shares the slow link
//!  client ── 127.0.0.2:P ── DelayHop (+delay each way) ── 127.0.0.1:P ── server
//! ```
//!
//! A network namespace has a loopback of its own, so the rate limit touches only the
//! test that made it, and tests run side by side. Making one needs root (or
//! `CAP_SYS_ADMIN`) and iproute2's `tc`; without them a test is skipped with a message,
//! or fails under `CI=true`. `netem` is not available on every kernel, so latency
//! comes from [`DelayHop`], a TCP hop of our own.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Set in the re-run test: the rate its loopback is to be limited to.
const INSIDE: &str = "FTPBRIDGE_SLOW_LINK";

/// The slow loopback of a test.
pub struct SlowLink;

impl SlowLink {
    /// Makes the calling test run on a loopback limited to `rate` (tc's notation:
    /// `8mbit`, `512kbit`) with up to 100 ms of queue. `test` is the test function's
    /// name (as `cargo test` filters it).
    ///
    /// Outside the namespace this re-runs exactly that test inside a new one, waits for
    /// it, panics if it failed, and returns `false`: the caller returns at once. Inside
    /// it limits the loopback and returns `true`: the caller runs the test's body.
    pub fn enter(test: &str, rate: &str) -> bool {
        if let Ok(rate) = std::env::var(INSIDE) {
            limit_loopback(&rate);
            return true;
        }
        if let Err(why) = can_unshare() {
            let message = format!("skipping {test}: no network namespace for a slow link ({why})");
            assert!(!crate::in_ci(), "CI=true and {message}");
            eprintln!("{message}");
            return false;
        }
        let exe = std::env::current_exe().expect("the test binary");
        let started = Instant::now();
        let output = Command::new("unshare")
            .args(["--net", "--"])
            .arg(exe)
            .args([test, "--exact", "--nocapture", "--test-threads", "1"])
            .env(INSIDE, rate)
            .output()
            .expect("unshare runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!("{stdout}");
        eprintln!("{stderr}");
        assert!(output.status.success(), "{test} failed on a {rate} loopback");
        assert!(
            stdout.contains("1 passed"),
            "{test} did not run inside the namespace (wrong name?): {stdout}"
        );
        println!("{test} on a {rate} loopback: {:.1} s", started.elapsed().as_secs_f64());
        false
    }
}

fn can_unshare() -> Result<(), String> {
    let probe = Command::new("unshare").args(["--net", "--", "tc", "-V"]).output();
    match probe {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(error) => Err(format!("unshare: {error}")),
    }
}

fn limit_loopback(rate: &str) {
    let run = |args: &[&str]| {
        let out = Command::new(args[0]).args(&args[1..]).output().expect("iproute2 runs");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // An Ethernet-sized MTU: tbf drops whole packets larger than its bucket, and the
    // loopback's own 64 KiB segments are.
    run(&["ip", "link", "set", "lo", "mtu", "1500", "up"]);
    run(&[
        "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "100ms",
    ]);
}

/// A TCP hop that delays every byte by a fixed time in each direction: a link with
/// latency. It listens on `listen` at each of the given ports and forwards to `target`
/// at the same port (an FTP server's control port and its passive range, so the data
/// connections cross it too). Dropped, it stops accepting.
///
/// It also keeps every byte it carries, both ways ([`DelayHop::recorded`]): what a
/// network between the two sides sees.
pub struct DelayHop {
    stop: Arc<AtomicBool>,
    listeners: Vec<SocketAddr>,
    threads: Vec<JoinHandle<()>>,
    recording: Arc<Mutex<Vec<u8>>>,
}

impl DelayHop {
    /// Starts the hop.
    pub fn start(
        listen: Ipv4Addr,
        target: Ipv4Addr,
        ports: impl IntoIterator<Item = u16>,
        delay: Duration,
    ) -> io::Result<DelayHop> {
        let stop = Arc::new(AtomicBool::new(false));
        let recording = Arc::new(Mutex::new(Vec::new()));
        let mut hop = DelayHop {
            stop: stop.clone(),
            listeners: Vec::new(),
            threads: Vec::new(),
            recording: recording.clone(),
        };
        for port in ports {
            let listener = TcpListener::bind((listen, port))?;
            hop.listeners.push(listener.local_addr()?);
            let stop = stop.clone();
            let recording = recording.clone();
            hop.threads.push(std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(client) = client else { continue };
                    let Ok(server) = TcpStream::connect((target, port)) else { continue };
                    let _ = (client.set_nodelay(true), server.set_nodelay(true));
                    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
                        continue;
                    };
                    pipe(client, server, delay, recording.clone());
                    pipe(server2, client2, delay, recording.clone());
                }
            }));
        }
        Ok(hop)
    }

    /// Every byte the hop carried so far, both directions interleaved by chunk.
    pub fn recorded(&self) -> Vec<u8> {
        self.recording.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for DelayHop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        for address in &self.listeners {
            let _ = TcpStream::connect_timeout(address, Duration::from_secs(1));
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Copies `from` to `to`, each chunk `delay` after it was read; a half-close follows
/// the last chunk.
fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration, recording: Arc<Mutex<Vec<u8>>>) {
    // Bounded: a peer that does not read holds back the sender, as a real link does.
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<u8>)>(256);
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut recorded) = recording.lock() {
                        recorded.extend_from_slice(&buffer[..n]);
                    }
                    if tx.send((Instant::now() + delay, buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            let now = Instant::now();
            if due > now {
                // The link's latency itself, not a synchronisation.
                std::thread::sleep(due - now);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
