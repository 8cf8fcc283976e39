//! Stopping a server with every process it forked.
//!
//! Killing the server's process group is not enough: vsftpd's session processes call
//! `setsid()` and leave the group. So the server and its descendants (found through the
//! parent ids in `/proc/<pid>/stat`) are first stopped with SIGSTOP, repeatedly until no
//! new descendant appears (a stopped process cannot fork), then all killed with SIGKILL,
//! together with the process group, and awaited (a bounded poll of `/proc`) until
//! none of them runs any more. std has no way to send a signal to another process than
//! its own children, so procps' `kill` sends them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long [`kill_tree`] waits for the killed processes to be gone.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);

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
    let mut targets: Vec<String> = known.iter().map(u32::to_string).collect();
    targets.push(format!("-{pid}"));
    ok &= kill(&["-KILL", "--"], &targets);
    let deadline = Instant::now() + EXIT_TIMEOUT;
    while known.iter().any(|&p| is_running(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    ok
}

/// Whether `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after_comm = &stat[stat.rfind(')')? + 1..];
            after_comm.split_whitespace().next().map(|state| !matches!(state, "Z" | "X" | "x"))
        })
        .unwrap_or(false)
}

fn signal(name: &str, pids: &[u32]) -> bool {
    let targets: Vec<String> = pids.iter().map(u32::to_string).collect();
    kill(&["-s", name, "--"], &targets)
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
