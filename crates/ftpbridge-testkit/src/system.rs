//! What the testkit needs from the machine: where `tests/servers/install.sh` put the
//! servers, the test user's uid and gid, and whether this process runs as root.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The environment variable that overrides the install prefix (as for `install.sh`).
pub const PREFIX_ENV: &str = "FTPBRIDGE_SERVERS_PREFIX";

/// Where `tests/servers/install.sh` installs the servers by default.
pub const DEFAULT_PREFIX: &str = "/opt/ftpbridge-servers";

/// The system user that install.sh creates and the servers map logins to.
pub const TEST_USER: &str = "ftpbridge";

/// The test user's password (install.sh sets it with `chpasswd`).
pub const TEST_PASSWORD: &str = "ftpbridge-test";

/// SHA-512 crypt(3) hash of [`TEST_PASSWORD`] (fixed salt), for the password files of
/// proftpd's mod_auth_file and pure-ftpd's puredb: made with
/// `openssl passwd -6 -salt ftpbridgetestkit ftpbridge-test`.
pub const TEST_PASSWORD_CRYPT: &str = "$6$ftpbridgetestkit$25o4U5BfCw/Mp.b/MlEn3Lc0dbr/0tctRlulbZHv4VLrZ3pvbj2NMySjpS1ViR1OfWMQ2yRfUfuZp7vMJTtXo0";

/// The install prefix: `$FTPBRIDGE_SERVERS_PREFIX` if set and not empty, else
/// [`DEFAULT_PREFIX`].
pub fn prefix() -> PathBuf {
    match std::env::var_os(PREFIX_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_PREFIX),
    }
}

/// A user's numeric ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    /// The user id.
    pub uid: u32,
    /// The primary group id.
    pub gid: u32,
}

/// Looks `name` up in `/etc/passwd`.
pub fn user_ids(name: &str) -> Option<Ids> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    parse_passwd(&passwd, name)
}

fn parse_passwd(passwd: &str, name: &str) -> Option<Ids> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some(Ids { uid, gid })
    })
}

/// Whether this process runs as root (the owner of `/proc/self` is the effective uid).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `path` if it is a file, for error messages that say what is missing.
pub fn existing(path: PathBuf) -> Result<PathBuf, PathBuf> {
    if path.is_file() { Ok(path) } else { Err(path) }
}

/// Joins a `/`-separated relative path below `base`, refusing `..` and absolute parts
/// (a leading `/` is dropped: `"/a/b"` is `"a/b"`).
pub fn join_relative(base: &Path, rel: &str) -> PathBuf {
    let mut path = base.to_path_buf();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        assert!(part != "..", "path {rel:?} leaves the server's root");
        path.push(part);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_user_in_passwd() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      ftpbridge:x:1001:1002:ftpbridge tests:/home/ftpbridge:/usr/sbin/nologin\n";
        assert_eq!(parse_passwd(passwd, "ftpbridge"), Some(Ids { uid: 1001, gid: 1002 }));
        assert_eq!(parse_passwd(passwd, "ftp"), None);
        assert_eq!(parse_passwd("ftpbridge:x:bad:1\n", "ftpbridge"), None);
    }

    #[test]
    fn joins_relative_paths() {
        let base = Path::new("/srv/root");
        assert_eq!(join_relative(base, "a/b.txt"), Path::new("/srv/root/a/b.txt"));
        assert_eq!(join_relative(base, "/a//./b"), Path::new("/srv/root/a/b"));
        assert_eq!(join_relative(base, ""), Path::new("/srv/root"));
    }

    #[test]
    #[should_panic(expected = "leaves the server's root")]
    fn refuses_dot_dot() {
        join_relative(Path::new("/srv/root"), "a/../../etc");
    }
}
