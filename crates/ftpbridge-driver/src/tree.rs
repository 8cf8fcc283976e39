//! Operations on whole trees: a folder removed with everything in it (`rm -r`), a
//! path of folders made where missing (`mkdir -p`), and a folder's tree walked for a
//! download (`get -r`). They are written once, over the
//! few calls every shell has ([`Remote`]), so the CLI and the page do the same thing.
//!
//! Names go back to the server as the bytes its listing sent ([`Entry::name_bytes`]),
//! so a name that the session's encoding cannot decode is still removed. Links are
//! removed, never followed; lines no parser read are left alone (the folder then stays,
//! and removing it fails with the server's own reply). The walk keeps its own stack
//! (no recursion) and goes at most [`MAX_DEPTH`] folders deep.

use ftpbridge_engine::RemotePath;
use ftpbridge_engine::listing::{Entry, Kind};

/// How deep a removal goes: a server that lists a folder inside itself forever stops
/// here (the folder above then is not empty, and its removal fails).
pub const MAX_DEPTH: usize = 64;

/// The calls a tree operation needs from a session.
#[allow(async_fn_in_trait)] // each shell runs these on its own executor, Send or not
pub trait Remote {
    /// The shell's error.
    type Error;
    /// Every entry of the folder `path`, hidden ones too.
    async fn list(&mut self, path: RemotePath) -> Result<Vec<Entry>, Self::Error>;
    /// Deletes a file (or a link).
    async fn delete(&mut self, path: RemotePath) -> Result<(), Self::Error>;
    /// Removes an empty folder.
    async fn rmdir(&mut self, path: RemotePath) -> Result<(), Self::Error>;
    /// Makes a folder.
    async fn mkdir(&mut self, path: RemotePath) -> Result<(), Self::Error>;
}

/// What a removal took away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Files and links deleted.
    pub files: u64,
    /// Folders removed, the top one included.
    pub folders: u64,
}

/// Whether `path` names the server's root or the working folder (`/`, `.`, nothing):
/// never the folder a removal should start from.
pub fn names_root(path: &[u8]) -> bool {
    path.iter().all(|&b| b == b'/') || path == b"." || path == b"./"
}

/// `dir/name`, with one slash between.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = dir.to_vec();
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// Removes the folder `path` and everything in it, files first, then each folder once
/// it is empty.
pub async fn remove_tree<R: Remote>(remote: &mut R, path: &[u8]) -> Result<Removed, R::Error> {
    let mut removed = Removed::default();
    // (folder, depth, listed): a folder is listed and emptied, then removed.
    let mut stack = vec![(path.to_vec(), 0usize, false)];
    while let Some((dir, depth, listed)) = stack.pop() {
        if listed {
            remote.rmdir(RemotePath::Bytes(dir)).await?;
            removed.folders += 1;
            continue;
        }
        let entries = remote.list(RemotePath::Bytes(dir.clone())).await?;
        stack.push((dir.clone(), depth, true));
        for entry in entries {
            let name = entry.name_bytes.as_slice();
            if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
                continue;
            }
            let child = join(&dir, name);
            match entry.kind {
                Kind::Dir if depth < MAX_DEPTH => stack.push((child, depth + 1, false)),
                Kind::Dir | Kind::Unknown => {}
                Kind::File | Kind::Link | Kind::Other => {
                    remote.delete(RemotePath::Bytes(child)).await?;
                    removed.files += 1;
                }
            }
        }
    }
    Ok(removed)
}

/// A file or folder found below the folder a walk started from.
#[derive(Clone, Debug)]
pub struct Found {
    /// Its path on the server, as the server's bytes.
    pub path: Vec<u8>,
    /// Its names below the starting folder, one per level, as the server's bytes.
    pub rel: Vec<Vec<u8>>,
    /// Its listing entry (a file or a folder).
    pub entry: Entry,
}

/// What a walk found: files and folders (each folder before what is in it), and how
/// many links and other entries it left alone (never followed).
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Files and folders below the start.
    pub found: Vec<Found>,
    /// Links, special files and unread lines, not followed and not listed.
    pub skipped: u64,
}

/// Every file and folder below the folder `path`, at most [`MAX_DEPTH`] deep.
pub async fn walk<R: Remote>(remote: &mut R, path: &[u8]) -> Result<Walk, R::Error> {
    let mut walk = Walk::default();
    let mut stack = vec![(path.to_vec(), Vec::<Vec<u8>>::new())];
    while let Some((dir, rel)) = stack.pop() {
        for entry in remote.list(RemotePath::Bytes(dir.clone())).await? {
            let name = entry.name_bytes.as_slice();
            if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
                continue;
            }
            let child = join(&dir, name);
            let mut below = rel.clone();
            below.push(name.to_vec());
            match entry.kind {
                Kind::Dir => {
                    if below.len() < MAX_DEPTH {
                        stack.push((child.clone(), below.clone()));
                    }
                    walk.found.push(Found { path: child, rel: below, entry });
                }
                Kind::File => walk.found.push(Found { path: child, rel: below, entry }),
                Kind::Link | Kind::Other | Kind::Unknown => walk.skipped += 1,
            }
        }
    }
    Ok(walk)
}

/// Makes the folder `path` and the folders above it that are missing. A folder that
/// cannot be made but is there already (the server's listing says so) is fine; any
/// other refusal is the error. Returns how many folders were made.
pub async fn make_dirs<R: Remote>(remote: &mut R, path: &[u8]) -> Result<u32, R::Error> {
    let mut made = 0;
    let mut prefix: Vec<u8> = if path.starts_with(b"/") { b"/".to_vec() } else { Vec::new() };
    for part in path.split(|&b| b == b'/').filter(|part| !part.is_empty() && *part != b".") {
        let parent = prefix.clone();
        prefix = if prefix.is_empty() { part.to_vec() } else { join(&prefix, part) };
        match remote.mkdir(RemotePath::Bytes(prefix.clone())).await {
            Ok(()) => made += 1,
            Err(error) => {
                let listing = if parent.is_empty() { b".".to_vec() } else { parent };
                let there = match remote.list(RemotePath::Bytes(listing)).await {
                    Ok(entries) => entries
                        .iter()
                        .any(|e| e.name_bytes == part && matches!(e.kind, Kind::Dir | Kind::Link)),
                    Err(_) => false,
                };
                if !there {
                    return Err(error);
                }
            }
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A server's tree in memory: paths to "dir" or "file".
    #[derive(Default)]
    struct Fake {
        tree: BTreeMap<Vec<u8>, Kind>,
        calls: Vec<String>,
    }

    fn path(p: RemotePath) -> Vec<u8> {
        match p {
            RemotePath::Bytes(b) => b,
            RemotePath::Text(t) => t.into_bytes(),
        }
    }

    fn entry(name: &[u8], kind: Kind) -> Entry {
        let mut e = Entry::unknown(name, ftpbridge_engine::listing::Encoding::UTF_8);
        e.name_bytes = name.to_vec();
        e.kind = kind;
        e
    }

    impl Remote for Fake {
        type Error = String;
        async fn list(&mut self, p: RemotePath) -> Result<Vec<Entry>, String> {
            let dir = path(p);
            let dir = if dir == b"." { Vec::new() } else { dir };
            if !dir.is_empty() && dir != b"/" && self.tree.get(&dir) != Some(&Kind::Dir) {
                return Err(format!("550 {}", String::from_utf8_lossy(&dir)));
            }
            let prefix = if dir.is_empty() { Vec::new() } else { join(&dir, b"") };
            Ok(self
                .tree
                .iter()
                .filter_map(|(k, kind)| {
                    let rest = k.strip_prefix(prefix.as_slice())?;
                    (!rest.is_empty() && !rest.contains(&b'/')).then(|| entry(rest, *kind))
                })
                .collect())
        }
        async fn delete(&mut self, p: RemotePath) -> Result<(), String> {
            let p = path(p);
            self.calls.push(format!("DELE {}", String::from_utf8_lossy(&p)));
            self.tree.remove(&p).map(|_| ()).ok_or_else(|| "550".into())
        }
        async fn rmdir(&mut self, p: RemotePath) -> Result<(), String> {
            let p = path(p);
            self.calls.push(format!("RMD {}", String::from_utf8_lossy(&p)));
            let inside = join(&p, b"");
            if self.tree.keys().any(|k| k.starts_with(&inside)) {
                return Err("550 not empty".into());
            }
            self.tree.remove(&p).map(|_| ()).ok_or_else(|| "550".into())
        }
        async fn mkdir(&mut self, p: RemotePath) -> Result<(), String> {
            let p = path(p);
            self.calls.push(format!("MKD {}", String::from_utf8_lossy(&p)));
            if self.tree.contains_key(&p) {
                return Err("550 exists".into());
            }
            self.tree.insert(p, Kind::Dir);
            Ok(())
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        // The fake never waits: one poll finishes it.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the fake server never waits"),
        }
    }

    fn fake(paths: &[(&[u8], Kind)]) -> Fake {
        Fake { tree: paths.iter().map(|(p, k)| (p.to_vec(), *k)).collect(), calls: Vec::new() }
    }

    #[test]
    fn removes_a_tree_depth_first_with_names_as_bytes() {
        let mut server = fake(&[
            (b"/a", Kind::Dir),
            (b"/a/f.txt", Kind::File),
            (b"/a/caf\xe9", Kind::File),
            (b"/a/sub", Kind::Dir),
            (b"/a/sub/deep", Kind::Dir),
            (b"/a/sub/deep/x", Kind::File),
            (b"/a/link", Kind::Link),
            (b"/keep", Kind::File),
        ]);
        let removed = block_on(remove_tree(&mut server, b"/a")).unwrap();
        assert_eq!(removed, Removed { files: 4, folders: 3 });
        assert_eq!(server.tree.keys().collect::<Vec<_>>(), vec![&b"/keep".to_vec()]);
        // The Latin-1 name went back as its bytes.
        assert!(server.calls.iter().any(|c| c == "DELE /a/caf\u{fffd}"), "{:?}", server.calls);
        assert_eq!(server.calls.last().unwrap(), "RMD /a");
    }

    #[test]
    fn a_refusal_stops_the_removal_with_the_servers_error() {
        let mut server = fake(&[(b"/a", Kind::Dir), (b"/a/u", Kind::Unknown)]);
        // A line no parser read is not deleted: the folder is not empty.
        assert_eq!(block_on(remove_tree(&mut server, b"/a")), Err("550 not empty".to_string()));
        assert!(server.tree.contains_key(b"/a/u".as_slice()));
    }

    #[test]
    fn walks_a_tree_folders_first_links_left_alone() {
        let mut server = fake(&[
            (b"/t", Kind::Dir),
            (b"/t/a.txt", Kind::File),
            (b"/t/sub", Kind::Dir),
            (b"/t/sub/b.txt", Kind::File),
            (b"/t/link", Kind::Link),
        ]);
        let walk = block_on(walk(&mut server, b"/t")).unwrap();
        let found: Vec<_> = walk.found.iter().map(|f| f.rel.join(&b'/')).collect();
        assert_eq!(walk.skipped, 1);
        assert_eq!(found.len(), 3);
        let sub = found.iter().position(|f| f == b"sub").unwrap();
        let inside = found.iter().position(|f| f == b"sub/b.txt").unwrap();
        assert!(sub < inside, "a folder comes before what is in it");
        assert_eq!(walk.found[inside].path, b"/t/sub/b.txt");
    }

    #[test]
    fn the_root_is_never_where_a_removal_starts() {
        for root in [&b""[..], b"/", b"//", b".", b"./"] {
            assert!(names_root(root), "{root:?}");
        }
        for folder in [&b"/pub"[..], b"a", b"./a", b".."] {
            assert!(!names_root(folder), "{folder:?}");
        }
    }

    #[test]
    fn makes_only_the_missing_folders() {
        let mut server = fake(&[(b"/pub", Kind::Dir)]);
        assert_eq!(block_on(make_dirs(&mut server, b"/pub/a/b/")), Ok(2));
        assert!(server.tree.contains_key(b"/pub/a/b".as_slice()));
        // All there already: fine, nothing made.
        assert_eq!(block_on(make_dirs(&mut server, b"/pub/a/b")), Ok(0));
        // A file in the way is the server's refusal.
        server.tree.insert(b"/pub/file".to_vec(), Kind::File);
        assert_eq!(block_on(make_dirs(&mut server, b"/pub/file/x")), Err("550 exists".to_string()));
        // Relative paths start from the working folder.
        assert_eq!(block_on(make_dirs(&mut server, b"rel/x")), Ok(2));
        assert!(server.tree.contains_key(b"rel/x".as_slice()));
    }
}
