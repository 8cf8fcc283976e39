//! A process's CPU time, resident memory and open file descriptors, read from
//! `/proc/<pid>` (Linux).

use std::time::Instant;

/// A process to sample.
pub struct Process {
    pid: u32,
    ticks_per_second: f64,
}

/// One reading.
pub struct Sample {
    /// When it was taken.
    pub at: Instant,
    /// User plus system CPU time so far, in seconds.
    pub cpu_seconds: f64,
    /// Resident memory.
    pub rss_bytes: u64,
    /// Open file descriptors.
    pub fds: usize,
}

impl Process {
    /// The process `pid`.
    pub fn new(pid: u32) -> Process {
        // USER_HZ is 100 on every Linux architecture this runs on.
        Process { pid, ticks_per_second: 100.0 }
    }

    /// Reads the process's figures now; `None` if it is gone.
    pub fn sample(&self) -> Option<Sample> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which may hold spaces) start after ") ".
        let rest = stat.rsplit_once(") ")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let rss_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.pid)).ok()?.count();
        Some(Sample {
            at: Instant::now(),
            cpu_seconds: (utime + stime) / self.ticks_per_second,
            rss_bytes: rss_kib * 1024,
            fds,
        })
    }
}

impl Sample {
    /// CPU seconds used since `earlier`.
    pub fn cpu_seconds_since(&self, earlier: &Sample) -> f64 {
        self.cpu_seconds - earlier.cpu_seconds
    }

    /// Wall seconds since `earlier`.
    pub fn wall_seconds_since(&self, earlier: &Sample) -> f64 {
        self.at.duration_since(earlier.at).as_secs_f64().max(1e-9)
    }
}
