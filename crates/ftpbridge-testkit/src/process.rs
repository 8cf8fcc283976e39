//! Processes for fault tests: freezing (SIGSTOP) and thawing (SIGCONT) a process or a
//! server with everything it forked, and stopping a server with every process it forked.
//!
//! Killing the server's process group is not enough: vsftpd's session processes call
//! `setsid()` and leave the group. So the server and its descendants (found through the
//! parent ids in `/proc/<pid>/stat`) are first stopped with SIGSTOP, repeatedly until no
//! new descendant appears (a stopped process cannot fork), then all killed with SIGKILL,
//! together with the process group, and awaited (a bounded poll of `/proc`) until
//! none of them runs any more. std has no way to send a signal to another process than
//! its own children, so procps' `kill` sends them.
//!
//! ```no_run
//! use ftpbridge_testkit::process;
//! # let child = std::process::Command::new("true").spawn().unwrap();
//! // A client under test, held still (its sockets fill up and TCP holds its peer) ...
//! process::freeze(child.id()).expect("the client is still running");
//! // ... while the test breaks something, then let go.
//! process::thaw(child.id()).expect("SIGCONT");
//! ```

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long [`kill_tree`] waits for the killed processes to be gone.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`freeze`] waits for a process to be stopped.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Stops `pid` with SIGSTOP and returns once it is stopped (state `T` in
/// `/proc/<pid>/stat`), so that it does nothing more until [`thaw`]. Fails if the process
/// has exited (a child of this process that exited stays a zombie until it is waited
/// for, so its pid cannot have been reused) or does not stop within a few seconds.
pub fn freeze(pid: u32) -> io::Result<()> {
    send("STOP", &[pid])?;
    let deadline = Instant::now() + STOP_TIMEOUT;
    loop {
        match state(pid) {
            Some('T' | 't') => return Ok(()),
            Some('Z' | 'X' | 'x') | None => {
                return Err(io::Error::new(io::ErrorKind::NotFound, format!("process {pid} has exited")));
            }
            Some(_) if Instant::now() >= deadline => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("process {pid} did not stop within {STOP_TIMEOUT:?}"),
                ));
            }
            Some(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Lets a process stopped by [`freeze`] run again (SIGCONT).
pub fn thaw(pid: u32) -> io::Result<()> {
    send("CONT", &[pid])
}

/// Freezes `root` and every process it forked, repeatedly until no new descendant
/// appears (a stopped process cannot fork); returns the frozen pids, `root` first,
/// once every one of them is stopped (or gone).
pub fn freeze_tree(root: u32) -> io::Result<Vec<u32>> {
    let mut known = vec![root];
    send("STOP", &known)?;
    // Bounded: each round stops what the last one found.
    for _ in 0..16 {
        let new: Vec<u32> = descendants(root).into_iter().filter(|p| !known.contains(p)).collect();
        if new.is_empty() {
            break;
        }
        // A process may exit between the scan and the signal.
        let _ = send("STOP", &new);
        known.extend(new);
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    while known.iter().any(|&p| is_running(p) && !matches!(state(p), Some('T' | 't'))) {
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the processes {known:?} did not all stop within {STOP_TIMEOUT:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(known)
}

/// Thaws every process of `pids` that still exists (SIGCONT).
pub fn thaw_all(pids: &[u32]) -> io::Result<()> {
    let alive: Vec<u32> = pids.iter().copied().filter(|&p| is_running(p)).collect();
    if alive.is_empty() {
        return Ok(());
    }
    send("CONT", &alive)
}

/// Kills `pid`, its process group (whose id is `pid`) and all its descendants, and
/// waits until none of them runs (at most a few seconds; `pid` itself, a child of this
/// process, stays a zombie until it is waited for). Returns false if the `kill` command
/// could not be run.
pub fn kill_tree(pid: u32) -> bool {
    let mut known = vec![pid];
    let mut ok = signal("STOP", &known);
    // Bounded: each round stops what the last one found.
    for _ in 0..16 {
        let new: Vec<u32> = descendants(pid).into_iter().filter(|p| !known.contains(p)).collect();
        if new.is_empty() {
            break;
        }
        ok &= signal("STOP", &new);
        known.extend(new);
    }
    // Stopped processes die of SIGKILL too; SIGCONT is not needed.
    let mut targets: Vec<String> = known.iter().map(u32::to_string).collect();
    targets.push(format!("-{pid}"));
    ok &= kill(&["-KILL", "--"], &targets);
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while known.iter().any(|&p| is_running(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    ok
}

/// Whether `pid` exists and is not a zombie (a frozen process is running).
pub fn is_running(pid: u32) -> bool {
    state(pid).is_some_and(|state| !matches!(state, 'Z' | 'X' | 'x'))
}

/// The state letter in `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`, ...), if the process exists.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().next()?.chars().next()
}

fn signal(name: &str, pids: &[u32]) -> bool {
    let targets: Vec<String> = pids.iter().map(u32::to_string).collect();
    kill(&["-s", name, "--"], &targets)
}

/// Sends the signal `name` to every pid of `pids`; fails if `kill` fails (a pid is gone).
fn send(name: &str, pids: &[u32]) -> io::Result<()> {
    let status = Command::new("kill")
        .args(["-s", name, "--"])
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("kill -s {name} {pids:?} failed ({status})")))
    }
}

fn kill(options: &[&str], targets: &[String]) -> bool {
    // `kill` fails if any target is already gone; what counts is that it ran.
    Command::new("kill")
        .args(options)
        .args(targets)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The pids of every live descendant of `root`.
pub fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let parents: Vec<(u32, u32)> = entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, parent_from_stat(&stat)?))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while let Some(&parent) = found.get(i) {
        found.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    found.remove(0);
    found
}

/// The parent pid in a `/proc/<pid>/stat` line: `pid (comm) state ppid ...`, where comm
/// may contain spaces and parentheses.
fn parent_from_stat(stat: &str) -> Option<u32> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_comm.split_whitespace();
    let _state = fields.next()?;
    fields.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parent_from_stat() {
        assert_eq!(parent_from_stat("42 (vsftpd) S 7 42 42 0 -1"), Some(7));
        assert_eq!(parent_from_stat("42 (a) b) (c) R 9 1 1"), Some(9));
        assert_eq!(parent_from_stat("42 (x"), None);
    }

    #[test]
    fn freezes_and_thaws() {
        let mut child = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = child.id();
        freeze(pid).unwrap();
        assert_eq!(state(pid), Some('T'));
        assert!(is_running(pid), "a frozen process is running");
        thaw(pid).unwrap();
        // SIGCONT is delivered before kill(1) returns: the process is no longer stopped.
        assert_ne!(state(pid), Some('T'));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!is_running(pid));
        assert!(freeze(pid).is_err(), "a reaped process cannot be frozen");
    }

    #[test]
    fn freeze_fails_for_a_process_that_exited() {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        // A zombie until waited for.
        let deadline = Instant::now() + EXIT_TIMEOUT;
        while is_running(pid) {
            assert!(Instant::now() < deadline, "`true` did not exit");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(freeze(pid).unwrap_err().kind(), io::ErrorKind::NotFound);
        child.wait().unwrap();
    }

    #[test]
    fn finds_and_kills_descendants() {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        // A grandchild in a session of its own, like vsftpd's session processes; the
        // line on stdout says it was forked.
        let mut child = Command::new("sh")
            .args(["-c", "setsid sleep 60 & echo forked; wait"])
            .process_group(0)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line, "forked\n");
        let pid = child.id();
        let grandchildren = descendants(pid);
        assert!(!grandchildren.is_empty(), "sleep did not start");
        assert!(kill_tree(pid));
        child.wait().unwrap();
        for p in grandchildren {
            assert!(!is_running(p), "{p} survived");
        }
    }
}
