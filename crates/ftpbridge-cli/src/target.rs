//! `ftp://user:password@host:port/path` URLs, and `ftps://` (implicit TLS, port 990)
//! and `ftpes://` (explicit TLS required), as FileZilla names them.
//!
//! As in RFC 1738 and curl, the path is relative to the directory the server puts
//! the user in at login: `ftp://host/pub/a.txt` is `pub/a.txt` there. An absolute path
//! starts with an encoded slash: `ftp://host/%2Fetc/motd` is `/etc/motd`.

use url::Url;

/// Where to go and as whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Control port.
    pub port: u16,
    /// User name, when the URL names one.
    pub user: Option<String>,
    /// Password, when the URL carries one.
    pub password: Option<String>,
    /// The path, percent-decoded; `None` for the login directory.
    pub path: Option<String>,
    /// Whether the URL's path ends with `/` (a directory).
    pub trailing_slash: bool,
    /// The TLS the scheme asks for: `ftps` implicit, `ftpes` explicit and required,
    /// `ftp` none in particular.
    pub scheme_tls: Option<ftpbridge_engine::TlsMode>,
    /// Whether the URL names its port.
    pub explicit_port: bool,
}

/// Reads an `ftp://` URL.
pub fn parse(text: &str) -> Result<Target, String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let (scheme_tls, default_port) = match url.scheme() {
        "ftp" => (None, 21),
        "ftps" => (Some(ftpbridge_engine::TlsMode::Implicit), 990),
        "ftpes" => (Some(ftpbridge_engine::TlsMode::Require), 21),
        _ => return Err(format!("{text:?} is not an ftp://, ftps:// or ftpes:// URL")),
    };
    let host = match url.host() {
        Some(url::Host::Domain(name)) => name.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(format!("{text:?} names no host")),
    };
    let decode = |part: &str| -> Result<String, String> {
        percent_decode(part).ok_or_else(|| format!("{text:?} has a percent-encoded part that is not UTF-8"))
    };
    let user = match url.username() {
        "" => None,
        name => Some(decode(name)?),
    };
    let password = url.password().map(decode).transpose()?;
    let raw_path = url.path();
    let trailing_slash = raw_path.len() > 1 && raw_path.ends_with('/');
    let relative = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let path = match decode(relative)? {
        p if p.is_empty() => None,
        p => Some(p),
    };
    let port = url.port().unwrap_or(default_port);
    Ok(Target {
        host,
        port,
        user,
        password,
        path,
        trailing_slash,
        scheme_tls,
        explicit_port: url.port().is_some(),
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls() {
        let t = parse("ftp://alice:p%40ss@example.com:2121/pub/a%20b.txt").unwrap();
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 2121);
        assert_eq!(t.user.as_deref(), Some("alice"));
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!(t.path.as_deref(), Some("pub/a b.txt"));

        let t = parse("ftp://[::1]/").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.user, t.path), ("::1", 21, None, None));

        let t = parse("ftp://h/%2Fetc/motd").unwrap();
        assert_eq!(t.path.as_deref(), Some("/etc/motd"));

        let t = parse("ftp://h/dir/").unwrap();
        assert!(t.trailing_slash);
        assert_eq!(t.path.as_deref(), Some("dir/"));

        let t = parse("ftp://h/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.txt").unwrap();
        assert_eq!(t.path.as_deref(), Some("привет.txt"));
    }

    #[test]
    fn tls_schemes() {
        let t = parse("ftps://h/x").unwrap();
        assert_eq!((t.port, t.scheme_tls), (990, Some(ftpbridge_engine::TlsMode::Implicit)));
        let t = parse("ftpes://h:2121/").unwrap();
        assert_eq!((t.port, t.scheme_tls), (2121, Some(ftpbridge_engine::TlsMode::Require)));
        assert_eq!(parse("ftp://h/").unwrap().scheme_tls, None);
    }

    #[test]
    fn refuses_other_schemes() {
        assert!(parse("http://example.com/").is_err());
        assert!(parse("not a url").is_err());
    }
}
