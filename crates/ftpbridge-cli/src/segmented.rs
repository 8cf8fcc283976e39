//! `get --segments N`: one file over several sessions at once, as lftp's `pget` does.
//! The driver splits it (`ranges::plan`, the same split as the page's); each range is
//! fetched with `REST` and a length on a session of its own and written at its place,
//! and the last runs to the end of the file, so the engine checks the size there and
//! catches a server that ignores `REST`. Such a server, or one that refuses `REST`,
//! gets the file again in one piece. A download that fails keeps only the part of the
//! file that is whole from its start, so `--resume` never continues over a hole.

use crate::target::Target;
use crate::{Common, Failure, connect, get, password_for, progress, safe};
use ftpbridge_client::ranges::{self, Range};
use ftpbridge_client::{AnyTransport, Client, ClientError};
use ftpbridge_engine::{ErrorKind, RemotePath, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncSeekExt;

/// Downloads `path` into the file `output` over at most `sessions` sessions.
pub async fn get_segments(
    common: &Common,
    target: &Target,
    path: &str,
    name: &str,
    output: PathBuf,
    sessions: u32,
) -> Result<(), Failure> {
    // One password for every session (asked once, not once a session).
    let mut target = target.clone();
    if let (Some(user), None) = (&target.user, &target.password) {
        target.password = Some(password_for(user)?);
    }
    let mut first = connect(common, &target).await?;
    let size = match first.call(|s, now| s.size(now, path)).await {
        Ok(Value::Size(size)) => Some(size),
        _ => None,
    };
    let plan = size.map(|size| ranges::plan(size, sessions)).unwrap_or_default();
    if plan.len() < 2 {
        // Too small to split, or no size to split by: one piece.
        let result = get::get(&mut first, RemotePath::from(path), name, output, false).await;
        first.quit().await;
        return result;
    }
    // More sessions; a server that takes fewer gets fewer ranges.
    let mut clients = vec![first];
    while clients.len() < plan.len() {
        match connect(common, &target).await {
            Ok(client) => clients.push(client),
            Err(failure) => {
                eprintln!(
                    "ftpbridge: session {} not opened ({}): going on with {}",
                    clients.len() + 1,
                    failure.message,
                    clients.len()
                );
                break;
            }
        }
    }
    let size = size.unwrap_or(0);
    let plan = ranges::plan(size, clients.len() as u32);
    let result = match fetch(&mut clients, path, name, &output, &plan, size).await {
        Ok(()) => Ok(()),
        Err((error, _)) if needs_whole(&error) => {
            let why = error.to_string();
            eprintln!(
                "ftpbridge: the server cannot send ranges ({}): downloading {} in one piece",
                safe::escaped(&why),
                safe::escaped(name)
            );
            get::get(&mut clients[0], RemotePath::from(path), name, output, false).await
        }
        Err((error, keep)) => {
            let mut failure = Failure::from(error);
            failure.message.push_str(&format!(
                " (the first {keep} bytes of {} are kept; --resume continues it)",
                output.display()
            ));
            Err(failure)
        }
    };
    for client in clients {
        client.quit().await;
    }
    result
}

/// Whether the server cannot do ranges, so the file must come in one piece.
fn needs_whole(error: &ClientError) -> bool {
    matches!(error, ClientError::Ftp(e) if e.kind() == ErrorKind::RestartIgnored || e.detail() == Some("restart_refused"))
}

/// Every range at once, one per session, into `output`; on failure the file keeps only
/// its part that is whole from the start, and the error says how long that is.
async fn fetch(
    clients: &mut [Client<AnyTransport>],
    path: &str,
    name: &str,
    output: &Path,
    plan: &[Range],
    size: u64,
) -> Result<(), (ClientError, u64)> {
    let local = |e| (ClientError::Local(e), 0);
    std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(output).map_err(local)?;
    let bar = Arc::new(Mutex::new(progress::Bar::new(&safe::escaped(name))));
    let done = Arc::new(AtomicU64::new(0));
    let got: Vec<Arc<AtomicU64>> = plan.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
    let work = clients.iter_mut().zip(plan).zip(&got).map(|((client, range), got)| {
        let (bar, done, got) = (bar.clone(), done.clone(), got.clone());
        async move {
            let mut file =
                tokio::fs::OpenOptions::new().write(true).open(output).await.map_err(ClientError::Local)?;
            file.seek(std::io::SeekFrom::Start(range.offset)).await.map_err(ClientError::Local)?;
            let mut sink = tokio::io::BufWriter::with_capacity(1 << 20, file);
            let mut last = 0;
            let mut report = |at: u64, _total: Option<u64>| {
                let moved = at.saturating_sub(range.offset);
                got.store(moved, Ordering::Relaxed);
                let all = done.fetch_add(moved - last, Ordering::Relaxed) + moved - last;
                last = moved;
                if let Ok(mut bar) = bar.lock() {
                    bar.update(all, Some(size));
                }
            };
            let path = RemotePath::from(path);
            if range.to_end {
                client.download(path, range.offset, &mut sink, Some(&mut report)).await
            } else {
                client.download_range(path, range.offset, range.length, &mut sink, Some(&mut report)).await
            }
        }
    });
    let results = futures_util::future::join_all(work).await;
    if let Ok(mut bar) = bar.lock() {
        bar.finish();
    }
    let failure = results.into_iter().find_map(Result::err);
    let Some(error) = failure else { return Ok(()) };
    // Keep what is whole from the start: the ranges that came in full, then what the
    // first one that did not got.
    let mut keep = 0;
    for (range, got) in plan.iter().zip(&got) {
        let got = got.load(Ordering::Relaxed);
        keep = range.offset + got.min(range.length);
        if got < range.length {
            break;
        }
    }
    let file = std::fs::OpenOptions::new().write(true).open(output).map_err(local)?;
    file.set_len(keep).map_err(local)?;
    Err((error, keep))
}
