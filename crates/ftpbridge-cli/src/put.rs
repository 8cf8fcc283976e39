//! `put` and `put -r`: a file (or standard input), or a local folder's tree, to the
//! server. `put -r` asks before it replaces anything: what the server holds already is
//! found by the driver's `tree::existing`, the same check the page makes.

use crate::{Common, Failure, ask, connect, progress, safe, target, tree, wall_clock};
use ftpbridge_client::{AnyTransport, Client};
use ftpbridge_engine::listing::Kind;
use ftpbridge_engine::{RemotePath, StoreMode, StoreOptions};
use std::path::{Path, PathBuf};

/// `put FILE URL`: a URL ending in `/` keeps the file's name. An existing remote file
/// is replaced, as curl does; `--resume` continues it instead.
pub async fn put_file(common: &Common, file: &Path, url: &str, resume: bool) -> Result<(), Failure> {
    let target = target::parse(url).map_err(Failure::usage)?;
    let from_stdin = file.as_os_str() == "-";
    let local_name = match from_stdin {
        true => String::new(),
        false => file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let remote = match (&target.path, target.trailing_slash) {
        (Some(dir), true) => format!("{dir}{local_name}"),
        (Some(path), false) => path.clone(),
        (None, _) => local_name,
    };
    if remote.is_empty() || remote.ends_with('/') {
        return Err(Failure::usage("name the remote file in the URL (ftp://host/dir/name)"));
    }
    // Standard input is opened by its path so it reads like any other stream.
    let opened = if from_stdin { PathBuf::from("/dev/stdin") } else { file.to_path_buf() };
    let source = tokio::fs::File::open(&opened).await.map_err(|e| Failure::local(e, file))?;
    let metadata = source.metadata().await.map_err(|e| Failure::local(e, file))?;
    // A pipe or a device has no size, and cannot skip to where a resume starts.
    let size = metadata.is_file().then_some(metadata.len());
    if resume && size.is_none() {
        return Err(Failure::usage("--resume needs a regular file (a stream cannot skip ahead)"));
    }
    let mut client = connect(common, &target).await?;
    let path = RemotePath::from(remote.as_str());
    let result = upload(&mut client, path, &remote, source, size, resume, "put --resume").await;
    client.quit().await;
    result
}

/// Uploads `source` to `path` (`shown` names it in messages), continuing what the
/// server holds with `resume`. A failure after the first byte says that the server may
/// hold part of the file, and that `again` (the command with `--resume`) continues it.
async fn upload(
    client: &mut Client<AnyTransport>,
    path: RemotePath,
    shown: &str,
    mut source: tokio::fs::File,
    size: Option<u64>,
    resume: bool,
    again: &str,
) -> Result<(), Failure> {
    let mode = if resume { StoreMode::Resume } else { StoreMode::Replace };
    let options = StoreOptions { mode, local_size: size };
    let mut bar = progress::Bar::new(&safe::escaped(shown));
    let mut started = false;
    let mut report = |done: u64, total: Option<u64>| {
        started = true;
        bar.update(done, total.or(size))
    };
    let result = client.upload(path, &mut source, options, Some(&mut report)).await;
    bar.finish();
    result.map(drop).map_err(|error| {
        let mut failure = Failure::from(error);
        if started && matches!(failure.code, 3 | 8 | 11 | 12) {
            let resume = if size.is_some() { format!("; {again} continues it") } else { String::new() };
            failure.message.push_str(&format!(" (the server may hold part of {shown}{resume})"));
        }
        failure
    })
}

/// A file of the local tree, and where it goes below the target folder.
struct LocalFile {
    path: PathBuf,
    /// Its names below the folder, one per level, as the server's bytes.
    rel: Vec<Vec<u8>>,
}

/// The local tree: its folders (parents first) and files, as names below its top.
struct LocalTree {
    folders: Vec<Vec<Vec<u8>>>,
    files: Vec<LocalFile>,
    /// Links and special files, not followed and not uploaded.
    skipped: u64,
}

/// `put -r DIR URL`: the folder `DIR` with everything in it. A URL ending in `/` puts
/// the folder inside it (`DIR`'s name kept); otherwise the URL names the target folder.
/// Files the server holds already are replaced only with `--force` or a yes on the
/// terminal (`--resume` continues them), and folders it will not list are said first.
pub async fn put_tree(
    common: &Common,
    dir: &Path,
    url: &str,
    resume: bool,
    force: bool,
) -> Result<(), Failure> {
    let target = target::parse(url).map_err(Failure::usage)?;
    if !dir.is_dir() {
        return Err(Failure::usage(format!("put -r needs a folder: {} is not one", dir.display())));
    }
    let name = std::fs::canonicalize(dir)
        .map_err(|e| Failure::local(e, dir))?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = match (&target.path, target.trailing_slash) {
        (Some(path), true) => format!("{path}{name}"),
        (Some(path), false) => path.clone(),
        (None, _) => name,
    };
    if base.is_empty() {
        return Err(Failure::usage("name the remote folder in the URL (ftp://host/dir/)"));
    }
    let base = common.path_bytes(base.trim_end_matches('/'))?;
    let tree = local_tree(common, dir)?;
    let mut client = connect(common, &target).await?;
    let result = put_tree_on(&mut client, common, &base, &tree, resume, force).await;
    client.quit().await;
    if tree.skipped > 0 {
        eprintln!("{} links or special files not uploaded (links are not followed)", tree.skipped);
    }
    result
}

async fn put_tree_on(
    client: &mut Client<AnyTransport>,
    common: &Common,
    base: &[u8],
    tree: &LocalTree,
    resume: bool,
    force: bool,
) -> Result<(), Failure> {
    let encoding = common.encoding()?;
    let shown = |path: &[u8]| safe::escaped(&encoding.decode(path)).into_owned();
    let remote_path = |rel: &[Vec<u8>]| {
        rel.iter().fold(base.to_vec(), |path, part| ftpbridge_client::tree::join(&path, part))
    };
    let rels: Vec<Vec<Vec<u8>>> = tree.files.iter().map(|f| f.rel.clone()).collect();
    let existing = {
        let mut session = tree::Session { client: &mut *client, now: wall_clock() };
        ftpbridge_client::tree::existing(&mut session, base, &tree.folders, &rels).await
    };
    let unlisted: Vec<String> = existing.unlisted.iter().map(|(path, _)| shown(path)).collect();
    if !force {
        ask::check_unlisted(&unlisted, "files of the upload there may replace files of the same names")?;
    }
    let mut clashes = Vec::new();
    for (file, there) in tree.files.iter().zip(&existing.files) {
        match there.as_ref().map(|e| e.kind) {
            None => {}
            Some(Kind::Dir) => {
                return Err(Failure {
                    code: 10,
                    message: format!(
                        "{} is a folder on the server: a file cannot replace it",
                        shown(&remote_path(&file.rel))
                    ),
                });
            }
            Some(_) => clashes.push(shown(&remote_path(&file.rel))),
        }
    }
    if !force && !resume {
        ask::check_replace_many(&clashes)?;
    }
    // Folders first, parents before what is in them; only those not there already.
    let mut session = tree::Session { client: &mut *client, now: wall_clock() };
    if !existing.folders.iter().any(Vec::is_empty) {
        ftpbridge_client::tree::make_dirs(&mut session, base).await?;
    }
    for folder in &tree.folders {
        if !existing.folders.contains(folder) {
            let path = RemotePath::Bytes(remote_path(folder));
            session.client.call(|s, now| s.mkdir(now, path)).await?;
        }
    }
    for (file, there) in tree.files.iter().zip(&existing.files) {
        let source = tokio::fs::File::open(&file.path).await.map_err(|e| Failure::local(e, &file.path))?;
        let size = source.metadata().await.map_err(|e| Failure::local(e, &file.path))?.len();
        let path = remote_path(&file.rel);
        let resume = resume && there.is_some();
        let shown = shown(&path);
        upload(client, RemotePath::Bytes(path), &shown, source, Some(size), resume, "put -r --resume")
            .await?;
    }
    Ok(())
}

/// Walks the local folder (links are not followed), naming everything in the server's
/// encoding: a name it cannot write stops the upload before it starts.
fn local_tree(common: &Common, dir: &Path) -> Result<LocalTree, Failure> {
    let encoding = common.encoding()?;
    let mut tree = LocalTree { folders: Vec::new(), files: Vec::new(), skipped: 0 };
    for entry in walkdir::WalkDir::new(dir).follow_links(false).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
            Failure::local(e.into(), &path)
        })?;
        let kind = entry.file_type();
        if !kind.is_dir() && !kind.is_file() {
            tree.skipped += 1;
            continue;
        }
        let below = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let mut rel = Vec::new();
        for part in below.components() {
            let text = part.as_os_str().to_str().ok_or_else(|| {
                Failure::usage(format!(
                    "{}: the name is not UTF-8, so it cannot be named on the server",
                    entry.path().display()
                ))
            })?;
            let bytes = encoding.encode(text).ok_or_else(|| {
                Failure::usage(format!(
                    "{}: the name cannot be written in {}",
                    entry.path().display(),
                    encoding.name()
                ))
            })?;
            rel.push(bytes.into_owned());
        }
        if kind.is_dir() {
            tree.folders.push(rel);
        } else {
            tree.files.push(LocalFile { path: entry.path().to_path_buf(), rel });
        }
    }
    Ok(tree)
}
