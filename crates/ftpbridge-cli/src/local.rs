//! The local file of a download: created at its first byte (or at the end, empty), so
//! a download the server refuses leaves nothing behind, and cut back when the server
//! sent bytes that are not the file's.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncWrite, BufWriter};

/// Large writes: each write of a tokio file is a trip to its blocking thread pool.
const WRITE_BUFFER: usize = 1024 * 1024;

/// A download's destination.
pub struct Download {
    path: PathBuf,
    /// Append to what is there (a resume) rather than replace it.
    append: bool,
    file: Option<BufWriter<tokio::fs::File>>,
}

impl Download {
    /// The file at `path`, not opened yet.
    pub fn new(path: PathBuf, append: bool) -> Download {
        Download { path, append, file: None }
    }

    /// Whether the file was opened (some bytes came).
    pub fn created(&self) -> bool {
        self.file.is_some() || self.append
    }

    fn open(&mut self) -> io::Result<&mut BufWriter<tokio::fs::File>> {
        match &mut self.file {
            Some(file) => Ok(file),
            slot => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(self.append)
                    .truncate(!self.append)
                    .open(&self.path)?;
                let file = BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file));
                Ok(slot.insert(file))
            }
        }
    }

    /// The download succeeded: an empty file is created if no byte came.
    pub fn finish(&mut self) -> io::Result<()> {
        self.open().map(|_| ())
    }

    /// Keeps only the first `length` bytes of the file.
    pub fn cut(&mut self, length: u64) -> io::Result<()> {
        self.file = None; // flushed by the download before it failed
        let file = std::fs::OpenOptions::new().write(true).open(&self.path)?;
        if file.metadata()?.len() > length {
            file.set_len(length)?;
        }
        Ok(())
    }
}

impl AsyncWrite for Download {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut().open() {
            Ok(file) => Pin::new(file).poll_write(cx, buf),
            Err(error) => Poll::Ready(Err(error)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().file.as_mut() {
            Some(file) => Pin::new(file).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().file.as_mut() {
            Some(file) => Pin::new(file).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Whether a name from a server is safe as one component of a local path: not empty,
/// not `.` or `..`, and without a separator or NUL (a hostile server could otherwise
/// write outside the folder a download goes to).
pub fn safe_component(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod names {
    use super::safe_component;

    #[test]
    fn names_that_would_leave_the_folder_are_refused() {
        for bad in ["", ".", "..", "../etc", "a/b", "a\\b", "nul\0"] {
            assert!(!safe_component(bad), "{bad:?}");
        }
        for good in ["file.txt", "..hidden", ".profile", "a b", "café", "x..y"] {
            assert!(safe_component(good), "{good:?}");
        }
    }
}
