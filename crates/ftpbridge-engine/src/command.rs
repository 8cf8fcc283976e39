//! Commands sent on the control connection, and how they appear in the transcript.

use core::net::{IpAddr, SocketAddr};

/// One command to the server. Arguments are raw bytes already in the server's
/// encoding; [`Command::to_wire`] adds the verb and CRLF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    AuthTls,
    Pbsz,
    ProtP,
    User(Vec<u8>),
    Pass(Vec<u8>),
    Acct(Vec<u8>),
    Feat,
    OptsUtf8On,
    Type,
    Pwd,
    Cwd(Vec<u8>),
    Epsv,
    Pasv,
    Eprt(SocketAddr),
    Port(SocketAddr),
    Rest(u64),
    Retr(Vec<u8>),
    Stor(Vec<u8>),
    Appe(Vec<u8>),
    List { all: bool },
    ListPath(Vec<u8>),
    Mlsd(Option<Vec<u8>>),
    Nlst(Option<Vec<u8>>),
    Mlst(Vec<u8>),
    Size(Vec<u8>),
    Mdtm(Vec<u8>),
    Mkd(Vec<u8>),
    Rmd(Vec<u8>),
    Dele(Vec<u8>),
    Rnfr(Vec<u8>),
    Rnto(Vec<u8>),
    SiteChmod { mode: Vec<u8>, path: Vec<u8> },
    Noop,
    Abor,
    Quit,
    Raw(Vec<u8>),
}

impl Command {
    /// The bytes to send, CRLF included.
    pub(crate) fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        self.write(&mut out, false);
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The command as the transcript shows it: passwords and accounts masked.
    pub(crate) fn to_log(&self) -> String {
        let mut out = Vec::new();
        self.write(&mut out, true);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn write(&self, out: &mut Vec<u8>, masked: bool) {
        let with = |out: &mut Vec<u8>, verb: &str, arg: &[u8]| {
            out.extend_from_slice(verb.as_bytes());
            out.push(b' ');
            out.extend_from_slice(arg);
        };
        match self {
            Command::AuthTls => out.extend_from_slice(b"AUTH TLS"),
            Command::Pbsz => out.extend_from_slice(b"PBSZ 0"),
            Command::ProtP => out.extend_from_slice(b"PROT P"),
            Command::User(user) => with(out, "USER", user),
            Command::Pass(_) if masked => out.extend_from_slice(b"PASS ****"),
            Command::Pass(pass) => with(out, "PASS", pass),
            Command::Acct(_) if masked => out.extend_from_slice(b"ACCT ****"),
            Command::Acct(account) => with(out, "ACCT", account),
            Command::Feat => out.extend_from_slice(b"FEAT"),
            Command::OptsUtf8On => out.extend_from_slice(b"OPTS UTF8 ON"),
            Command::Type => out.extend_from_slice(b"TYPE I"),
            Command::Pwd => out.extend_from_slice(b"PWD"),
            Command::Cwd(path) => with(out, "CWD", path),
            Command::Epsv => out.extend_from_slice(b"EPSV"),
            Command::Pasv => out.extend_from_slice(b"PASV"),
            Command::Eprt(addr) => {
                let family = if addr.is_ipv4() { 1 } else { 2 };
                with(out, "EPRT", format!("|{family}|{}|{}|", addr.ip(), addr.port()).as_bytes());
            }
            Command::Port(addr) => {
                let ip = match addr.ip() {
                    IpAddr::V4(ip) => ip.octets(),
                    IpAddr::V6(ip) => ip.to_ipv4_mapped().map(|v4| v4.octets()).unwrap_or_default(),
                };
                let p = addr.port();
                let arg = format!("{},{},{},{},{},{}", ip[0], ip[1], ip[2], ip[3], p >> 8, p & 0xff);
                with(out, "PORT", arg.as_bytes());
            }
            Command::Rest(offset) => with(out, "REST", offset.to_string().as_bytes()),
            Command::Retr(path) => with(out, "RETR", path),
            Command::Stor(path) => with(out, "STOR", path),
            Command::Appe(path) => with(out, "APPE", path),
            Command::List { all: true } => out.extend_from_slice(b"LIST -a"),
            Command::List { all: false } => out.extend_from_slice(b"LIST"),
            Command::ListPath(path) => with(out, "LIST", path),
            Command::Mlsd(None) => out.extend_from_slice(b"MLSD"),
            Command::Mlsd(Some(path)) => with(out, "MLSD", path),
            Command::Nlst(None) => out.extend_from_slice(b"NLST"),
            Command::Nlst(Some(path)) => with(out, "NLST", path),
            Command::Mlst(path) => with(out, "MLST", path),
            Command::Size(path) => with(out, "SIZE", path),
            Command::Mdtm(path) => with(out, "MDTM", path),
            Command::Mkd(path) => with(out, "MKD", path),
            Command::Rmd(path) => with(out, "RMD", path),
            Command::Dele(path) => with(out, "DELE", path),
            Command::Rnfr(path) => with(out, "RNFR", path),
            Command::Rnto(path) => with(out, "RNTO", path),
            Command::SiteChmod { mode, path } => {
                out.extend_from_slice(b"SITE CHMOD ");
                out.extend_from_slice(mode);
                out.push(b' ');
                out.extend_from_slice(path);
            }
            Command::Noop => out.extend_from_slice(b"NOOP"),
            Command::Abor => out.extend_from_slice(b"ABOR"),
            Command::Quit => out.extend_from_slice(b"QUIT"),
            Command::Raw(line) if masked && is_secret(line) => {
                let verb_len = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
                out.extend_from_slice(&line[..verb_len]);
                out.extend_from_slice(b" ****");
            }
            Command::Raw(line) => out.extend_from_slice(line),
        }
    }
}

/// Whether a raw command line carries a secret (PASS or ACCT) to mask in logs.
fn is_secret(line: &[u8]) -> bool {
    let verb = line.split(|&b| b == b' ').next().unwrap_or_default();
    verb.eq_ignore_ascii_case(b"PASS") || verb.eq_ignore_ascii_case(b"ACCT")
}

/// Why an argument cannot be sent: it would end the command line early and let the
/// rest be read as another command.
pub(crate) fn check_argument(arg: &[u8]) -> Result<(), char> {
    match arg.iter().find(|&&b| b == b'\r' || b == b'\n' || b == 0) {
        Some(&b) => Err(b as char),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(Command::Retr(b"a b.txt".to_vec()).to_wire(), b"RETR a b.txt\r\n");
        assert_eq!(
            Command::Eprt("127.0.0.1:5282".parse().unwrap()).to_wire(),
            b"EPRT |1|127.0.0.1|5282|\r\n"
        );
        assert_eq!(Command::Eprt("[::1]:5282".parse().unwrap()).to_wire(), b"EPRT |2|::1|5282|\r\n");
        assert_eq!(Command::Port("10.0.0.7:5282".parse().unwrap()).to_wire(), b"PORT 10,0,0,7,20,162\r\n");
        assert_eq!(
            Command::SiteChmod { mode: b"644".to_vec(), path: b"x".to_vec() }.to_wire(),
            b"SITE CHMOD 644 x\r\n"
        );
        assert_eq!(Command::Rest(42).to_wire(), b"REST 42\r\n");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(Command::Pass(b"hunter2".to_vec()).to_log(), "PASS ****");
        assert_eq!(Command::Acct(b"acct".to_vec()).to_log(), "ACCT ****");
        assert_eq!(Command::Raw(b"pass hunter2".to_vec()).to_log(), "pass ****");
        assert_eq!(Command::Raw(b"SYST".to_vec()).to_log(), "SYST");
        assert!(!Command::Pass(b"hunter2".to_vec()).to_log().contains("hunter2"));
    }

    #[test]
    fn arguments_cannot_inject_commands() {
        assert_eq!(check_argument(b"ok name"), Ok(()));
        assert_eq!(check_argument(b"x\r\nDELE y"), Err('\r'));
        assert_eq!(check_argument(b"x\nDELE y"), Err('\n'));
        assert_eq!(check_argument(b"x\0"), Err('\0'));
    }
}
