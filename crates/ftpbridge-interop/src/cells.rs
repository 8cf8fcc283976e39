//! The rows of the matrix: one operation in one mode against one server, each with its
//! own file names so that a failure does not cascade.

use crate::cli::{Cli, Failed, Mode, Run};
use crate::server::Server;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The name the UTF-8 row uploads, downloads and lists.
pub const UTF8_NAME: &str = "Привет мир ✓.txt";

/// Size of the files downloaded (about 4 MiB, not a multiple of any buffer).
const GET_SIZE: usize = 4 * 1024 * 1024 + 7;
/// Size of the file downloaded in two ranges (each at least the driver's 4 MiB).
const SEGMENTS_SIZE: usize = 8 * 1024 * 1024 + 6;

/// Size of the files uploaded.
const PUT_SIZE: usize = 3 * 1024 * 1024 + 5;

/// One operation of the matrix (a row).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `ls --json` with MLSD.
    ListMlsd,
    /// `ls --json --no-mlsd`.
    ListList,
    /// `get`, byte-exact.
    Get,
    /// `put`, byte-exact.
    Put,
    /// `get --resume` of a half-downloaded file.
    ResumeGet,
    /// `get --segments 2`: two ranges on two sessions, the first stopped by ABOR.
    Segments,
    /// `put --resume` of a third-uploaded file.
    ResumePut,
    /// `mkdir`.
    Mkdir,
    /// `rmdir`.
    Rmdir,
    /// `rm`.
    Delete,
    /// `mv`.
    Rename,
    /// `put`, `ls` and `get` of a file named [`UTF8_NAME`].
    Utf8,
}

impl Op {
    /// The rows of the report, in order.
    pub const ALL: [Op; 12] = [
        Op::ListMlsd,
        Op::ListList,
        Op::Get,
        Op::Put,
        Op::ResumeGet,
        Op::Segments,
        Op::ResumePut,
        Op::Mkdir,
        Op::Rmdir,
        Op::Delete,
        Op::Rename,
        Op::Utf8,
    ];

    /// The row heading.
    pub fn label(self) -> &'static str {
        match self {
            Op::ListMlsd => "list (MLSD)",
            Op::ListList => "list (LIST)",
            Op::Get => "get",
            Op::Put => "put",
            Op::ResumeGet => "resume get",
            Op::Segments => "get in ranges",
            Op::ResumePut => "resume put",
            Op::Mkdir => "mkdir",
            Op::Rmdir => "rmdir",
            Op::Delete => "delete",
            Op::Rename => "rename",
            Op::Utf8 => "UTF-8 names",
        }
    }

    /// What the row runs and checks, for the report.
    pub fn checks(self) -> &'static str {
        match self {
            Op::ListMlsd => {
                "`ls --json DIR/`: the transcript shows MLSD (no LIST); a file's name, kind and size and a subdirectory are listed. n/a when FEAT offers neither MLSD nor MLST."
            }
            Op::ListList => {
                "`ls --json --no-mlsd DIR/`: the transcript shows LIST (no MLSD); the same entries."
            }
            Op::Get => "`get -o FILE URL` of a 4 MiB file written on the server's disk: the same SHA-256.",
            Op::Put => "`put FILE URL` of a 3 MiB file: the file on the server's disk has the same SHA-256.",
            Op::ResumeGet => {
                "`get --resume` with the first half already downloaded: `REST <half>` is sent and the result has the same SHA-256."
            }
            Op::Segments => {
                "`get --segments 2` of an 8 MiB file: two sessions, `REST` at the second range's start, `ABOR` at the first one's end, and the same SHA-256."
            }
            Op::ResumePut => {
                "`put --resume` with the first third already on the server: APPE or `REST <third>` is sent and the file on disk has the same SHA-256."
            }
            Op::Mkdir => "`mkdir URL`: the directory exists on disk.",
            Op::Rmdir => "`rmdir URL` of an empty directory: it is gone from disk.",
            Op::Delete => "`rm URL`: the file is gone from disk.",
            Op::Rename => "`mv URL NEW`: the old name is gone, the new one has the same bytes.",
            Op::Utf8 => {
                "`put` to `Привет мир ✓.txt`: that exact name on disk, same bytes; `ls --json` shows it; `get` returns the same bytes."
            }
        }
    }
}

/// The result of a cell.
#[derive(Debug)]
pub enum Outcome {
    /// Everything checked out.
    Pass,
    /// Does not apply to this server.
    NotApplicable {
        /// Why, in a few words (the cell's text).
        why: String,
        /// The longer explanation for the notes.
        detail: String,
    },
    /// Failed, with the one-line reason and the transcript of the CLI run.
    Fail(Failed),
}

/// What a cell needs.
pub struct Cell<'a> {
    /// The server under test.
    pub server: &'a Server,
    /// The CLI, pointed at the relay in front of it.
    pub cli: &'a Cli,
    /// The data-connection mode.
    pub mode: Mode,
    /// A local folder of this server's run.
    pub local: &'a Path,
    /// Whether FEAT lists MLSD or MLST (`Err`: the FEAT query failed).
    pub mlsd: &'a Result<bool, String>,
}

/// The data connections the cell's CLI runs made, for the notes: commands refused and
/// commands that worked.
#[derive(Debug, Default)]
pub struct DataUse {
    /// Data-connection commands the server accepted.
    pub used: Vec<&'static str>,
    /// Data-connection commands the server refused, with the reply code.
    pub refused: Vec<(&'static str, u16)>,
}

impl DataUse {
    fn add(&mut self, run: &Run) {
        for verb in run.data_commands() {
            if !self.used.contains(&verb) {
                self.used.push(verb);
            }
        }
        for (verb, code) in run.refused_data_commands() {
            if !self.refused.iter().any(|(v, _)| *v == verb) {
                self.refused.push((verb, code));
            }
        }
    }
}

impl Cell<'_> {
    /// Runs `op`.
    pub fn run(&self, op: Op, data: &mut DataUse) -> Outcome {
        if op == Op::ListMlsd {
            match self.mlsd {
                Ok(false) => {
                    return Outcome::NotApplicable {
                        why: "no MLSD".into(),
                        detail: "FEAT lists neither MLSD nor MLST; `ls` lists with LIST, the next row".into(),
                    };
                }
                Ok(true) => {}
                Err(why) => return Outcome::Fail(Failed { message: why.clone(), transcript: String::new() }),
            }
        }
        let mut runs = Vec::new();
        let result = match op {
            Op::ListMlsd => self.list(true, &mut runs),
            Op::ListList => self.list(false, &mut runs),
            Op::Get => self.get(&mut runs),
            Op::Put => self.put(&mut runs),
            Op::ResumeGet => self.resume_get(&mut runs),
            Op::Segments => self.segments(&mut runs),
            Op::ResumePut => self.resume_put(&mut runs),
            Op::Mkdir => self.mkdir(&mut runs),
            Op::Rmdir => self.rmdir(&mut runs),
            Op::Delete => self.delete(&mut runs),
            Op::Rename => self.rename(&mut runs),
            Op::Utf8 => self.utf8(&mut runs),
        };
        for run in &runs {
            data.add(run);
        }
        match result {
            Ok(()) => Outcome::Pass,
            Err(failed) => Outcome::Fail(failed),
        }
    }

    /// A file name of this cell: `<mode>-<name>`.
    fn name(&self, name: &str) -> String {
        format!("{}-{name}", self.mode.tag())
    }

    fn local(&self, name: &str) -> String {
        self.local.join(self.name(name)).to_string_lossy().into_owned()
    }

    /// Runs the CLI in this cell's mode; a failed run is the cell's failure.
    fn ok(&self, runs: &mut Vec<Run>, subcommand: &str, args: &[&str]) -> Result<usize, Failed> {
        let run = self.cli.ok(Some(self.mode), subcommand, args)?;
        runs.push(run);
        Ok(runs.len() - 1)
    }

    fn list(&self, mlsd: bool, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let dir = self.name(if mlsd { "list-mlsd" } else { "list-list" });
        let data = content(100_003, 3);
        self.server.write_file(&format!("{dir}/data file.bin"), &data);
        self.server.create_dir(&format!("{dir}/sub dir"));
        let url = self.server.url(&format!("{dir}/"));
        let i = if mlsd {
            self.ok(runs, "ls", &["--json", &url])?
        } else {
            self.ok(runs, "ls", &["--json", "--no-mlsd", &url])?
        };
        let run = &runs[i];
        let (want, not) = if mlsd { ("MLSD", "LIST") } else { ("LIST", "MLSD") };
        if !run.sent(want) || run.sent(not) {
            return Err(Failed::check(format!("the transcript does not show {want} without {not}"), run));
        }
        let entries = entries(run)?;
        let file = entries.iter().find(|e| e.name == "data file.bin");
        if !file.is_some_and(|e| e.kind == "file" && e.size == Some(data.len() as u64)) {
            return Err(Failed::check(
                format!("`data file.bin` is not listed as a file of {} bytes: {file:?}", data.len()),
                run,
            ));
        }
        if !entries.iter().any(|e| e.name == "sub dir" && e.kind == "dir") {
            return Err(Failed::check(format!("`sub dir` is not listed as a directory: {entries:?}"), run));
        }
        Ok(())
    }

    fn get(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("get.bin");
        let data = content(GET_SIZE, 5);
        self.server.write_file(&name, &data);
        let out = self.local("get.bin");
        let i = self.ok(runs, "get", &["-o", &out, &self.server.url(&name)])?;
        same_bytes("the downloaded file", read(&out), &data, &runs[i])
    }

    fn put(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("put.bin");
        let data = content(PUT_SIZE, 7);
        let source = self.local("put-source.bin");
        write(&source, &data);
        let i = self.ok(runs, "put", &[&source, &self.server.url(&name)])?;
        same_bytes("the uploaded file on the server's disk", read(self.server.disk(&name)), &data, &runs[i])
    }

    fn segments(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("segments.bin");
        let data = content(SEGMENTS_SIZE, 13);
        self.server.write_file(&name, &data);
        let out = self.local("segments.bin");
        let i = self.ok(runs, "get", &["--segments", "2", "-o", &out, &self.server.url(&name)])?;
        let run = &runs[i];
        let second = SEGMENTS_SIZE / 2;
        if !run.sent(&format!("REST {second}")) {
            return Err(Failed::check(format!("the transcript does not show REST {second}"), run));
        }
        if !run.sent("ABOR") {
            return Err(Failed::check("the transcript does not show the first range's ABOR", run));
        }
        same_bytes("the file downloaded in ranges", read(&out), &data, run)
    }

    fn resume_get(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("resume-get.bin");
        let data = content(GET_SIZE, 11);
        self.server.write_file(&name, &data);
        let half = data.len() / 2;
        let partial = self.local("resume-get.bin");
        write(&partial, &data[..half]);
        let i = self.ok(runs, "get", &["--resume", "-o", &partial, &self.server.url(&name)])?;
        let run = &runs[i];
        if !run.sent(&format!("REST {half}")) {
            return Err(Failed::check(format!("the transcript does not show REST {half}"), run));
        }
        same_bytes("the resumed download", read(&partial), &data, run)
    }

    fn resume_put(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("resume-put.bin");
        let data = content(PUT_SIZE, 13);
        let third = data.len() / 3;
        self.server.write_file(&name, &data[..third]);
        let source = self.local("resume-put-source.bin");
        write(&source, &data);
        let i = self.ok(runs, "put", &["--resume", &source, &self.server.url(&name)])?;
        let run = &runs[i];
        if !run.sent("APPE") && !run.sent(&format!("REST {third}")) {
            return Err(Failed::check(format!("the transcript shows neither APPE nor REST {third}"), run));
        }
        same_bytes("the resumed upload on the server's disk", read(self.server.disk(&name)), &data, run)
    }

    fn mkdir(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("mkdir");
        let i = self.ok(runs, "mkdir", &[&self.server.url(&name)])?;
        if !self.server.disk(&name).is_dir() {
            return Err(Failed::check("the directory is not on the server's disk", &runs[i]));
        }
        Ok(())
    }

    fn rmdir(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("rmdir");
        self.server.create_dir(&name);
        let i = self.ok(runs, "rmdir", &[&self.server.url(&name)])?;
        if self.server.disk(&name).exists() {
            return Err(Failed::check("the directory is still on the server's disk", &runs[i]));
        }
        Ok(())
    }

    fn delete(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let name = self.name("delete.txt");
        self.server.write_file(&name, b"delete me\n");
        let i = self.ok(runs, "rm", &[&self.server.url(&name)])?;
        if self.server.disk(&name).exists() {
            return Err(Failed::check("the file is still on the server's disk", &runs[i]));
        }
        Ok(())
    }

    fn rename(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let from = self.name("rename-from.txt");
        let to = self.name("rename-to.txt");
        let data = content(10_000, 17);
        self.server.write_file(&from, &data);
        let i = self.ok(runs, "mv", &[&self.server.url(&from), &to])?;
        let run = &runs[i];
        if self.server.disk(&from).exists() {
            return Err(Failed::check("the old name is still on the server's disk", run));
        }
        same_bytes("the renamed file", read(self.server.disk(&to)), &data, run)
    }

    fn utf8(&self, runs: &mut Vec<Run>) -> Result<(), Failed> {
        let dir = self.name("utf8");
        self.server.create_dir(&dir);
        let remote = format!("{dir}/{UTF8_NAME}");
        let data = content(1024 * 1024 + 1, 19);
        let source = self.local("utf8-source.bin");
        write(&source, &data);
        let i = self.ok(runs, "put", &[&source, &self.server.url(&remote)])?;
        let on_disk = self.server.disk(&remote);
        if !on_disk.is_file() {
            let names: Vec<String> = std::fs::read_dir(self.server.disk(&dir))
                .map(|d| d.flatten().map(|e| format!("{:?}", e.file_name())).collect())
                .unwrap_or_default();
            let found = if names.is_empty() { "nothing".to_string() } else { names.join(", ") };
            return Err(Failed::check(
                format!("no file named {UTF8_NAME:?} on the server's disk, found {found}"),
                &runs[i],
            ));
        }
        same_bytes("the uploaded file on the server's disk", read(&on_disk), &data, &runs[i])?;
        let i = self.ok(runs, "ls", &["--json", &self.server.url(&format!("{dir}/"))])?;
        let listed = entries(&runs[i])?;
        if !listed.iter().any(|e| e.name == UTF8_NAME && e.kind == "file") {
            return Err(Failed::check(
                format!("the listing does not show {UTF8_NAME:?}: {listed:?}"),
                &runs[i],
            ));
        }
        let out = self.local("utf8-back.bin");
        let i = self.ok(runs, "get", &["-o", &out, &self.server.url(&remote)])?;
        same_bytes("the file downloaded back", read(&out), &data, &runs[i])
    }
}

/// One entry of `ls --json`.
#[derive(Debug)]
struct Entry {
    name: String,
    kind: String,
    size: Option<u64>,
}

fn entries(run: &Run) -> Result<Vec<Entry>, Failed> {
    run.stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let entry: Json = serde_json::from_str(line).map_err(|e| {
                Failed::check(format!("`ls --json` printed a line that is not JSON ({e}): {line}"), run)
            })?;
            Ok(Entry {
                name: entry["name"].as_str().unwrap_or_default().to_string(),
                kind: entry["kind"].as_str().unwrap_or_default().to_string(),
                size: entry["size"].as_u64(),
            })
        })
        .collect()
}

fn same_bytes(what: &str, got: std::io::Result<Vec<u8>>, want: &[u8], run: &Run) -> Result<(), Failed> {
    let got = got.map_err(|e| Failed::check(format!("{what} cannot be read: {e}"), run))?;
    let (got_hash, want_hash) = (sha256(&got), sha256(want));
    if got_hash == want_hash {
        return Ok(());
    }
    Err(Failed::check(
        format!(
            "{what} differs: {} bytes, SHA-256 {}…, expected {} bytes, SHA-256 {}…",
            got.len(),
            &got_hash[..16],
            want.len(),
            &want_hash[..16]
        ),
        run,
    ))
}

/// The SHA-256 of `bytes` in hex.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Deterministic pseudo-random bytes (xorshift).
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn read(path: impl AsRef<Path>) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

fn write(path: impl AsRef<Path>, bytes: &[u8]) {
    let path = path.as_ref();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_deterministic_and_varied() {
        assert_eq!(content(1000, 3), content(1000, 3));
        assert_ne!(content(1000, 3), content(1000, 5));
        let bytes = content(100_000, 3);
        let distinct = bytes.iter().collect::<std::collections::HashSet<_>>().len();
        assert_eq!(distinct, 256);
    }
}
