//! Operations on whole trees: a folder removed with everything in it (`rm -r`), a
//! path of folders made where missing (`mkdir -p`), a folder's tree walked for a
//! download (`get -r`), and what an upload of a tree would replace (`put -r`, the
//! page's replace question). They are written once, over the few calls every shell
//! has ([`Remote`]), so the CLI and the page do the same thing.
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
            let Some(name) = usable_name(&entry) else { continue };
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

/// What a walk found: files and folders (each folder before what is in it), how many
/// links and other entries it left alone (never followed), and the folders below the
/// start that the server would not list.
#[derive(Clone, Debug)]
pub struct Walk<E> {
    /// Files and folders below the start.
    pub found: Vec<Found>,
    /// Links, special files and unread lines, not followed and not listed.
    pub skipped: u64,
    /// Folders below the start whose listing failed, with the error: what is in them
    /// is not in `found` (the shell says so; the folder itself is).
    pub unlisted: Vec<(Vec<u8>, E)>,
}

/// Every file and folder below the folder `path`, at most [`MAX_DEPTH`] deep. The
/// start must list; a folder below it that does not is recorded in
/// [`Walk::unlisted`] and the walk goes on.
pub async fn walk<R: Remote>(remote: &mut R, path: &[u8]) -> Result<Walk<R::Error>, R::Error> {
    let mut walk = Walk { found: Vec::new(), skipped: 0, unlisted: Vec::new() };
    let mut stack = vec![(path.to_vec(), Vec::<Vec<u8>>::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = match remote.list(RemotePath::Bytes(dir.clone())).await {
            Ok(entries) => entries,
            Err(error) if !rel.is_empty() => {
                walk.unlisted.push((dir, error));
                continue;
            }
            Err(error) => return Err(error),
        };
        for entry in entries {
            let Some(name) = usable_name(&entry) else { continue };
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

/// An entry's name as the server's bytes, when it can name a child: not empty, not
/// `.` or `..`, no slash.
fn usable_name(entry: &Entry) -> Option<&[u8]> {
    let name = entry.name_bytes.as_slice();
    (!name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/')).then_some(name)
}

/// What the server holds already where an upload of a tree would go.
#[derive(Clone, Debug)]
pub struct Existing<E> {
    /// For each file asked about, in the order asked: the entry of that name the
    /// server lists in its target folder, if there is one (a file, a folder or a link:
    /// any of them is in the way).
    pub files: Vec<Option<Entry>>,
    /// The folders of the upload that are there already (names below the base, one
    /// per level; the base itself is the empty path): an upload makes only the others.
    pub folders: Vec<Vec<Vec<u8>>>,
    /// Folders of the upload that are there but would not list, with the error: what
    /// is in them is unknown, so files of the upload there may replace others.
    pub unlisted: Vec<(Vec<u8>, E)>,
}

/// What an upload of `folders` and `files` (each a path below `base`, as names one per
/// level, a file's last name its own) would meet on the server. It lists `base`, then each folder of the
/// upload that its parent's listing shows is there, parents first and each once; a
/// folder new to the server is not listed (nothing in it can be replaced), so a fresh
/// tree costs one listing. A `base` that does not list is looked for in the folders
/// above it: one that is not there is new, not unknown.
pub async fn existing<R: Remote>(
    remote: &mut R,
    base: &[u8],
    folders: &[Vec<Vec<u8>>],
    files: &[Vec<Vec<u8>>],
) -> Existing<R::Error> {
    let mut out = Existing { files: vec![None; files.len()], folders: Vec::new(), unlisted: Vec::new() };
    // The folders the upload goes into, each with the files it gets.
    let mut wanted: std::collections::BTreeMap<&[Vec<u8>], Vec<usize>> = Default::default();
    for (index, parts) in files.iter().enumerate() {
        let folder = &parts[..parts.len().saturating_sub(1)];
        for depth in 0..folder.len() {
            wanted.entry(&folder[..depth]).or_default();
        }
        wanted.entry(folder).or_default().push(index);
    }
    for folder in folders {
        for depth in 0..=folder.len() {
            wanted.entry(&folder[..depth]).or_default();
        }
    }
    if wanted.is_empty() {
        wanted.entry(&[]).or_default();
    }
    let listing = match remote.list(RemotePath::Bytes(base.to_vec())).await {
        Ok(entries) => entries,
        Err(error) => {
            if !base_is_missing(remote, base).await {
                out.unlisted.push((base.to_vec(), error));
            }
            return out;
        }
    };
    out.folders.push(Vec::new());
    let mut queue = std::collections::VecDeque::from([(Vec::<Vec<u8>>::new(), listing)]);
    while let Some((rel, entries)) = queue.pop_front() {
        let by_name: std::collections::HashMap<&[u8], &Entry> =
            entries.iter().filter_map(|e| Some((usable_name(e)?, e))).collect();
        for &index in wanted.get(rel.as_slice()).into_iter().flatten() {
            if let Some(name) = files[index].last() {
                out.files[index] = by_name.get(name.as_slice()).map(|e| (*e).clone());
            }
        }
        // The upload's folders directly inside this one that are there already.
        let children: Vec<&[Vec<u8>]> =
            wanted.keys().filter(|k| k.len() == rel.len() + 1 && k.starts_with(&rel)).copied().collect();
        for child in children {
            let name = child[rel.len()].as_slice();
            let Some(entry) = by_name.get(name) else { continue };
            if !matches!(entry.kind, Kind::Dir | Kind::Link) {
                continue; // a file in the way: making the folder fails with the server's reply
            }
            let path = child.iter().fold(base.to_vec(), |path, part| join(&path, part));
            match remote.list(RemotePath::Bytes(path.clone())).await {
                Ok(entries) => {
                    out.folders.push(child.to_vec());
                    queue.push_back((child.to_vec(), entries));
                }
                Err(error) => {
                    out.folders.push(child.to_vec());
                    out.unlisted.push((path, error));
                }
            }
        }
    }
    out
}

/// Whether a folder that would not list is simply not there: the nearest folder above
/// it that lists does not hold it (or a folder between them). False when that cannot
/// be told.
async fn base_is_missing<R: Remote>(remote: &mut R, base: &[u8]) -> bool {
    let mut path = base.to_vec();
    while path.len() > 1 && path.ends_with(b"/") {
        path.pop();
    }
    loop {
        let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
            Some(0) => (b"/".to_vec(), path[1..].to_vec()),
            Some(at) => (path[..at].to_vec(), path[at + 1..].to_vec()),
            None if path.is_empty() || names_root(&path) => return false,
            None => (b".".to_vec(), path.clone()),
        };
        if name.is_empty() || name == b"." || name == b".." {
            return false;
        }
        match remote.list(RemotePath::Bytes(parent.clone())).await {
            Ok(entries) => return !entries.iter().any(|e| e.name_bytes == name),
            Err(_) if parent == b"/" || parent == b"." => return false,
            Err(_) => path = parent,
        }
    }
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
        /// Folders that are there but refuse to be listed.
        unlistable: Vec<Vec<u8>>,
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
            self.calls.push(format!("LIST {}", String::from_utf8_lossy(&dir)));
            let dir = if dir == b"." { Vec::new() } else { dir };
            if self.unlistable.contains(&dir) {
                return Err(format!("550 {}: permission denied", String::from_utf8_lossy(&dir)));
            }
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
        Fake {
            tree: paths.iter().map(|(p, k)| (p.to_vec(), *k)).collect(),
            calls: Vec::new(),
            unlistable: Vec::new(),
        }
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
        server.tree.insert(b"/t/locked".to_vec(), Kind::Dir);
        server.tree.insert(b"/t/locked/secret".to_vec(), Kind::File);
        server.unlistable.push(b"/t/locked".to_vec());
        let walk = block_on(walk(&mut server, b"/t")).unwrap();
        let found: Vec<_> = walk.found.iter().map(|f| f.rel.join(&b'/')).collect();
        assert_eq!(walk.skipped, 1);
        assert_eq!(found.len(), 4, "{found:?}");
        // A folder below the start that does not list is recorded, and the walk goes on.
        assert_eq!(walk.unlisted.len(), 1);
        assert_eq!(walk.unlisted[0].0, b"/t/locked");
        assert!(!found.iter().any(|f| f == b"locked/secret"));
        // The start itself must list.
        server.unlistable.push(b"/t".to_vec());
        assert!(block_on(super::walk(&mut server, b"/t")).is_err());
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

    fn rels(paths: &[&str]) -> Vec<Vec<Vec<u8>>> {
        paths.iter().map(|p| p.split('/').map(|part| part.as_bytes().to_vec()).collect()).collect()
    }

    #[test]
    fn existing_finds_what_an_upload_would_replace_at_every_depth() {
        let mut server = fake(&[
            (b"/up", Kind::Dir),
            (b"/up/a.txt", Kind::File),
            (b"/up/sub", Kind::Dir),
            (b"/up/sub/b.txt", Kind::File),
            (b"/up/sub/deeper", Kind::Dir),
            (b"/up/other.txt", Kind::File),
            (b"/up/empty", Kind::Dir),
            (b"/up/empty/inside", Kind::Dir),
        ]);
        let files =
            rels(&["a.txt", "new.txt", "sub/b.txt", "sub/c.txt", "fresh/x/y.txt", "sub/deeper/z.txt"]);
        let found = block_on(existing(&mut server, b"/up", &rels(&["empty/inside", "new folder"]), &files));
        let present: Vec<bool> = found.files.iter().map(Option::is_some).collect();
        assert_eq!(present, [true, false, true, false, false, false]);
        assert!(found.unlisted.is_empty());
        let folders: Vec<Vec<u8>> = found.folders.iter().map(|f| f.join(&b'/')).collect();
        let want: [&[u8]; 5] = [b"", b"empty", b"sub", b"empty/inside", b"sub/deeper"];
        assert_eq!(folders, want);
        // Each folder that is there is listed once; a new one ("fresh") never.
        let lists: Vec<&String> = server.calls.iter().filter(|c| c.starts_with("LIST")).collect();
        assert_eq!(
            lists,
            ["LIST /up", "LIST /up/empty", "LIST /up/sub", "LIST /up/empty/inside", "LIST /up/sub/deeper"]
        );
    }

    #[test]
    fn existing_tells_a_new_target_from_one_that_does_not_list() {
        let mut server = fake(&[(b"/pub", Kind::Dir), (b"/pub/box", Kind::Dir), (b"/pub/box/in", Kind::Dir)]);
        // A target that is not there yet (nor the folder above it): new, nothing to replace.
        let found = block_on(existing(&mut server, b"/pub/new/deeper", &[], &rels(&["a.txt"])));
        assert!(found.unlisted.is_empty() && found.folders.is_empty());
        assert_eq!(found.files, [None]);
        // A drop box: there, but it will not list. Unknown, and said so.
        server.unlistable.push(b"/pub/box".to_vec());
        let found = block_on(existing(&mut server, b"/pub/box", &[], &rels(&["a.txt"])));
        assert_eq!(found.unlisted.len(), 1);
        assert_eq!(found.unlisted[0].0, b"/pub/box");
        // A folder of the upload that is there but will not list, below a base that lists.
        server.unlistable = vec![b"/pub/box/in".to_vec()];
        let found = block_on(existing(&mut server, b"/pub/box", &[], &rels(&["in/a.txt", "b.txt"])));
        assert_eq!(found.unlisted.len(), 1);
        assert_eq!(found.unlisted[0].0, b"/pub/box/in");
        assert_eq!(found.files, [None, None]);
    }
}
