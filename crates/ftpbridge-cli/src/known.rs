//! What the CLI remembers about servers, like SSH's `known_hosts` and HSTS: which
//! hosts did TLS (a later plain session to them is refused as a downgrade) and the keys
//! the user accepted for hosts no authority vouches for (pins).
//!
//! One file, `known_hosts` in the config directory (`$FTPBRIDGE_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/ftpbridge`, else `~/.config/ftpbridge`), one line per server:
//! `host:port tls [key-sha256-hex]`. Lines it does not understand are kept as they are.

use std::path::PathBuf;

/// What is remembered about one server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// It did TLS before.
    pub tls: bool,
    /// The key the user accepted (SHA-256 of its SubjectPublicKeyInfo, hex).
    pub pin: Option<String>,
}

/// The `known_hosts` file.
pub struct KnownHosts {
    path: Option<PathBuf>,
}

impl KnownHosts {
    /// The user's file (which may not exist yet).
    pub fn open() -> KnownHosts {
        let dir = std::env::var_os("FTPBRIDGE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("ftpbridge")))
            .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".config/ftpbridge")));
        KnownHosts { path: dir.map(|d| d.join("known_hosts")) }
    }

    /// Where the file is, for messages.
    pub fn path(&self) -> String {
        self.path.as_ref().map_or_else(|| "known_hosts".into(), |p| p.display().to_string())
    }

    /// How a server is named in the file.
    pub fn display_key(host: &str, port: u16) -> String {
        KnownHosts::key(host, port)
    }

    fn key(host: &str, port: u16) -> String {
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
    }

    fn lines(&self) -> Vec<String> {
        self.path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// What is known about `host:port`.
    pub fn get(&self, host: &str, port: u16) -> Known {
        let key = KnownHosts::key(host, port);
        for line in self.lines() {
            let mut words = line.split_whitespace();
            if words.next() == Some(key.as_str()) && words.next() == Some("tls") {
                return Known { tls: true, pin: words.next().map(str::to_string) };
            }
        }
        Known::default()
    }

    /// Remembers `known` for `host:port` (replacing what was there).
    pub fn set(&self, host: &str, port: u16, known: &Known) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let key = KnownHosts::key(host, port);
        let mut lines: Vec<String> =
            self.lines().into_iter().filter(|l| l.split_whitespace().next() != Some(key.as_str())).collect();
        if known.tls {
            lines.push(match &known.pin {
                Some(pin) => format!("{key} tls {pin}"),
                None => format!("{key} tls"),
            });
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_tls_and_pins_per_server() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = KnownHosts { path: Some(dir.path().join("sub/known_hosts")) };
        assert_eq!(hosts.get("ftp.example.com", 21), Known::default());
        hosts.set("ftp.example.com", 21, &Known { tls: true, pin: None }).unwrap();
        hosts.set("::1", 990, &Known { tls: true, pin: Some("ab".repeat(32)) }).unwrap();
        assert_eq!(hosts.get("ftp.example.com", 21), Known { tls: true, pin: None });
        assert_eq!(hosts.get("ftp.example.com", 2121), Known::default());
        assert_eq!(hosts.get("::1", 990).pin, Some("ab".repeat(32)));
        hosts.set("ftp.example.com", 21, &Known { tls: true, pin: Some("cd".repeat(32)) }).unwrap();
        assert_eq!(hosts.get("ftp.example.com", 21).pin, Some("cd".repeat(32)));
        let text = std::fs::read_to_string(dir.path().join("sub/known_hosts")).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
    }
}
