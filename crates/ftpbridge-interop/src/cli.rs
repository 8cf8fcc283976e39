//! Running the `ftpbridge` binary through the relay and reading what it printed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The CLI's own timeout for a connection, a reply or the next data byte (`--timeout`).
const CLI_TIMEOUT_SECONDS: u64 = 20;

/// How long one CLI run may take in all before it is killed.
const WALL_TIMEOUT: Duration = Duration::from_secs(180);

/// How the session is secured and data connections are made: a column of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--passive`: EPSV (the CLI falls back to PASV when EPSV is refused).
    Epsv,
    /// `--passive --no-epsv`: PASV only.
    Pasv,
    /// `--active`: EPRT (the CLI falls back to PORT when EPRT is refused).
    Active,
    /// `--tls require --passive`: explicit TLS (`AUTH TLS`, `PBSZ 0`, `PROT P`), EPSV.
    TlsEpsv,
    /// `--tls require --passive --no-epsv`: explicit TLS, PASV only.
    TlsPasv,
    /// `--tls implicit --passive`: TLS from the first byte (a server of its own), EPSV.
    Implicit,
}

/// How a mode secures its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain FTP.
    Plain,
    /// Explicit TLS (`AUTH TLS`).
    Explicit,
    /// Implicit TLS.
    Implicit,
}

impl Mode {
    /// The columns of the report, in order. Active mode under TLS has no column: the
    /// relay cannot read `PORT` inside TLS, so it opens no listener for it (the CLI's
    /// TLS tests check that refusal).
    pub const ALL: [Mode; 6] =
        [Mode::Epsv, Mode::Pasv, Mode::Active, Mode::TlsEpsv, Mode::TlsPasv, Mode::Implicit];

    /// The CLI flags that select the data-connection mode.
    pub fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::Epsv | Mode::TlsEpsv | Mode::Implicit => &["--passive"],
            Mode::Pasv | Mode::TlsPasv => &["--passive", "--no-epsv"],
            Mode::Active => &["--active"],
        }
    }

    /// How the mode secures its session.
    pub fn security(self) -> Security {
        match self {
            Mode::Epsv | Mode::Pasv | Mode::Active => Security::Plain,
            Mode::TlsEpsv | Mode::TlsPasv => Security::Explicit,
            Mode::Implicit => Security::Implicit,
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Epsv => "EPSV",
            Mode::Pasv => "PASV",
            Mode::Active => "active",
            Mode::TlsEpsv => "TLS EPSV",
            Mode::TlsPasv => "TLS PASV",
            Mode::Implicit => "implicit TLS",
        }
    }

    /// A prefix for the names of the mode's files.
    pub fn tag(self) -> &'static str {
        match self {
            Mode::Epsv => "epsv",
            Mode::Pasv => "pasv",
            Mode::Active => "active",
            Mode::TlsEpsv => "tls-epsv",
            Mode::TlsPasv => "tls-pasv",
            Mode::Implicit => "implicit",
        }
    }
}

/// How the CLI trusts a server's certificate.
#[derive(Clone, Debug)]
pub enum Trust {
    /// `--ca-file`: the CA that signed it (the testkit's servers).
    Ca(PathBuf),
    /// `--trust-first-use`: the key seen first is pinned (libunftp's self-signed
    /// certificate); the pins live in the run's own config folder.
    FirstUse,
}

/// The `ftpbridge` binary, pointed at a relay.
pub struct Cli {
    exe: PathBuf,
    relay: String,
    trust: Trust,
    /// `FTPBRIDGE_CONFIG_DIR`: the run's own known hosts.
    config: PathBuf,
}

impl Cli {
    /// Runs `exe` with `--relay relay_url`, trusting TLS servers by `trust`, with its
    /// known hosts in `config`.
    pub fn new(exe: &Path, relay_url: &str, trust: Trust, config: &Path) -> Cli {
        Cli { exe: exe.to_path_buf(), relay: relay_url.to_string(), trust, config: config.to_path_buf() }
    }

    /// Runs `ftpbridge <subcommand> [mode flags] --verbose --timeout 20 --relay URL args...`
    /// (no mode: plain FTP, the CLI's default data connections).
    pub fn run(&self, mode: Option<Mode>, subcommand: &str, args: &[&str]) -> Run {
        let mut command = Command::new(&self.exe);
        command.arg(subcommand);
        if let Some(mode) = mode {
            command.args(mode.flags());
        }
        let security = mode.map_or(Security::Plain, Mode::security);
        match security {
            Security::Plain => command.args(["--tls", "plain"]),
            Security::Explicit => command.args(["--tls", "require"]),
            Security::Implicit => command.args(["--tls", "implicit"]),
        };
        if security != Security::Plain {
            match &self.trust {
                Trust::Ca(ca) => command.arg("--ca-file").arg(ca),
                Trust::FirstUse => command.arg("--trust-first-use"),
            };
        }
        command
            .args(["--verbose", "--timeout", &CLI_TIMEOUT_SECONDS.to_string(), "--relay", &self.relay])
            .args(args)
            .env_remove("FTPBRIDGE_RELAY")
            .env_remove("FTPBRIDGE_PASSWORD")
            .env_remove("FTPBRIDGE_TLS")
            .env("FTPBRIDGE_CONFIG_DIR", &self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let subcommand = subcommand.to_string();
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                return Run {
                    subcommand,
                    code: None,
                    stdout: String::new(),
                    stderr: format!("cannot run {}: {e}", self.exe.display()),
                    timed_out: false,
                };
            }
        };
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        let deadline = Instant::now() + WALL_TIMEOUT;
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait().ok();
                }
                Err(_) => break None,
            }
        };
        let collect = |reader: Option<std::thread::JoinHandle<Vec<u8>>>| {
            let bytes = reader.and_then(|r| r.join().ok()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        Run {
            subcommand,
            code: status.and_then(|s| s.code()),
            stdout: collect(stdout),
            stderr: collect(stderr),
            timed_out,
        }
    }

    /// Like [`Cli::run`]; a failed run is an error with the CLI's message.
    pub fn ok(&self, mode: Option<Mode>, subcommand: &str, args: &[&str]) -> Result<Run, Failed> {
        let run = self.run(mode, subcommand, args);
        if run.success() { Ok(run) } else { Err(Failed { message: run.message(), transcript: run.stderr }) }
    }
}

/// Reads a pipe to its end in a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// A failed cell: the one-line reason and the transcript of the CLI run, if one failed.
#[derive(Debug)]
pub struct Failed {
    /// The one-line reason.
    pub message: String,
    /// The CLI's stderr (its `--verbose` transcript), empty for a failed check.
    pub transcript: String,
}

impl Failed {
    /// A check of the result failed (the CLI itself succeeded).
    pub fn check(message: impl Into<String>, run: &Run) -> Failed {
        Failed { message: message.into(), transcript: run.stderr.clone() }
    }
}

/// What one CLI run did.
pub struct Run {
    subcommand: String,
    code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error: the control-connection transcript (`> ` sent, `< ` received,
    /// `* ` notes), then `ftpbridge: message` when it failed.
    pub stderr: String,
    timed_out: bool,
}

impl Run {
    /// Whether it exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// Why it failed, in one line: the CLI's message (which quotes the server's reply),
    /// as `ftpbridge <subcommand>: ...`.
    pub fn message(&self) -> String {
        if self.timed_out {
            return format!(
                "ftpbridge {}: did not finish within {} s (killed)",
                self.subcommand,
                WALL_TIMEOUT.as_secs()
            );
        }
        let line = self
            .stderr
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix("ftpbridge: "))
            .map(str::to_string)
            .or_else(|| self.stderr.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_string))
            .unwrap_or_else(|| "no message".to_string());
        let status = match self.code {
            Some(code) => format!(" (exit code {code})"),
            None => " (killed by a signal)".to_string(),
        };
        format!("ftpbridge {}: {line}{status}", self.subcommand)
    }

    /// The commands it sent (`> ` lines), each with the code of the first reply after it.
    pub fn exchanges(&self) -> Vec<(String, Option<u16>)> {
        let mut out: Vec<(String, Option<u16>)> = Vec::new();
        for line in self.stderr.lines() {
            if let Some(sent) = line.strip_prefix("> ") {
                out.push((sent.to_string(), None));
            } else if let Some(received) = line.strip_prefix("< ")
                && let Some(last) = out.last_mut()
                && last.1.is_none()
                && let Some(code) = received.get(..3).and_then(|c| c.parse().ok())
            {
                last.1 = Some(code);
            }
        }
        out
    }

    /// Whether it sent the command `verb` (e.g. `MLSD`, or `REST 1000`).
    pub fn sent(&self, command: &str) -> bool {
        self.exchanges().iter().any(|(sent, _)| is_command(sent, command))
    }

    /// The data-connection commands it sent that the server accepted (EPSV, PASV, EPRT,
    /// PORT), in order, without repeats.
    pub fn data_commands(&self) -> Vec<&'static str> {
        let mut used = Vec::new();
        for (sent, code) in self.exchanges() {
            for verb in ["EPSV", "PASV", "EPRT", "PORT"] {
                if is_command(&sent, verb)
                    && code.is_some_and(|c| (200..300).contains(&c))
                    && !used.contains(&verb)
                {
                    used.push(verb);
                }
            }
        }
        used
    }

    /// The data-connection commands the server refused, with the code.
    pub fn refused_data_commands(&self) -> Vec<(&'static str, u16)> {
        let mut refused = Vec::new();
        for (sent, code) in self.exchanges() {
            for verb in ["EPSV", "PASV", "EPRT", "PORT"] {
                if is_command(&sent, verb)
                    && let Some(code) = code.filter(|c| *c >= 400)
                    && !refused.iter().any(|(v, _)| *v == verb)
                {
                    refused.push((verb, code));
                }
            }
        }
        refused
    }
}

/// Whether the sent line `sent` is `command` (a verb, or a verb with its argument).
fn is_command(sent: &str, command: &str) -> bool {
    let upper = sent.to_ascii_uppercase();
    let command = command.to_ascii_uppercase();
    upper == command || upper.starts_with(&format!("{command} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stderr: &str, code: i32) -> Run {
        Run {
            subcommand: "get".into(),
            code: Some(code),
            stdout: String::new(),
            stderr: stderr.into(),
            timed_out: false,
        }
    }

    #[test]
    fn reads_the_transcript() {
        let r = run(
            "< 220 hi\n> USER a\n< 331 pw\n> EPSV\n< 500 no\n> PASV\n< 227 ok (127,0,0,1,1,2)\n> REST 10\n< 350 ok\n> RETR f\n< 150 go\n< 226 done\n",
            0,
        );
        assert!(r.sent("REST 10") && r.sent("retr") && !r.sent("MLSD"));
        assert_eq!(r.data_commands(), ["PASV"]);
        assert_eq!(r.refused_data_commands(), [("EPSV", 500)]);
        assert!(r.success());
    }

    #[test]
    fn the_message_is_the_clis_last_line() {
        let r = run("> STOR x\n< 553 nope\nftpbridge: cannot store x: the server said \"553 nope\"\n", 6);
        assert_eq!(r.message(), "ftpbridge get: cannot store x: the server said \"553 nope\" (exit code 6)");
    }
}
