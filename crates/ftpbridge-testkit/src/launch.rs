//! One server's configuration and command line: writes the config files into the
//! server's temporary directory and returns the [`Command`] that runs it in the
//! foreground.
//!
//! Common to all four: listen on 127.0.0.1 only, on the [`PortBlock`]'s control port,
//! passive ports from its range with 127.0.0.1 as the passive address, PORT and EPRT
//! allowed, the test user [`TEST_USER`] / [`TEST_PASSWORD`] with the served directory as
//! its root (chrooted where the server can) and every write permission (upload, append,
//! delete, rename, mkdir, rmdir, SITE CHMOD), no anonymous login.

use crate::certs::Certificates;
use crate::ports::PortBlock;
use crate::system::{Ids, TEST_PASSWORD, TEST_PASSWORD_CRYPT, TEST_USER, existing};
use crate::{ServerKind, TlsMode};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The PAM service that install.sh writes for vsftpd (`pam_unix` only).
pub const VSFTPD_PAM_SERVICE: &str = "ftpbridge-vsftpd";

/// What [`prepare`] found out.
#[derive(Debug)]
pub enum PrepareError {
    /// A file that install.sh provides is missing.
    Missing(PathBuf),
    /// Something else went wrong.
    Failed(String),
}

/// A prepared server: its command and the log files it writes besides its output.
#[derive(Debug)]
pub struct Launch {
    /// Runs the server in the foreground.
    pub command: Command,
    /// Log files in the temporary directory that [`crate::RealServer::log`] includes.
    pub logs: Vec<PathBuf>,
}

/// Where a server runs and whom it serves.
#[derive(Debug)]
pub struct Setup<'a> {
    /// The install prefix.
    pub prefix: &'a Path,
    /// The server's temporary directory (configs, logs).
    pub dir: &'a Path,
    /// The directory the test user sees as `/`.
    pub root: &'a Path,
    /// The ports.
    pub ports: &'a PortBlock,
    /// The system user that owns the files the server writes (`None`: this process's).
    pub owner: Option<Ids>,
    /// pyftpdlib only: the fault to inject (its name and byte count, see
    /// `tests/servers/pyftpdlib_faults.py`).
    pub fault: Option<(&'static str, u64)>,
    /// TLS: the mode and the certificate files.
    pub tls: Option<(TlsMode, &'a Certificates)>,
}

/// Writes `kind`'s configuration into `setup.dir` and returns its command line.
pub fn prepare(kind: ServerKind, setup: &Setup<'_>) -> Result<Launch, PrepareError> {
    match kind {
        ServerKind::Vsftpd => vsftpd(setup),
        ServerKind::Proftpd => proftpd(setup),
        ServerKind::PureFtpd => pure_ftpd(setup),
        ServerKind::Pyftpdlib => pyftpdlib(setup),
    }
}

fn write(path: &Path, contents: &str) -> Result<(), PrepareError> {
    std::fs::write(path, contents)
        .map_err(|e| PrepareError::Failed(format!("cannot write {}: {e}", path.display())))
}

fn needs_owner(setup: &Setup<'_>) -> Result<Ids, PrepareError> {
    setup.owner.ok_or_else(|| {
        PrepareError::Failed(format!(
            "needs root and the system user {TEST_USER:?} (run tests/servers/install.sh as root, tests as root)"
        ))
    })
}

fn vsftpd(setup: &Setup<'_>) -> Result<Launch, PrepareError> {
    let binary = existing(setup.prefix.join("vsftpd/usr/sbin/vsftpd")).map_err(PrepareError::Missing)?;
    existing(Path::new("/etc/pam.d").join(VSFTPD_PAM_SERVICE)).map_err(PrepareError::Missing)?;
    needs_owner(setup)?;
    // secure_chroot_dir: empty, owned by root, not writable by the ftp user.
    let empty = setup.dir.join("empty");
    if !empty.is_dir() {
        // (It exists when the server is restarted.)
        std::fs::create_dir(&empty).map_err(|e| PrepareError::Failed(format!("{}: {e}", empty.display())))?;
    }
    let log = setup.dir.join("vsftpd.log");
    let conf = setup.dir.join("vsftpd.conf");
    let passive = setup.ports.passive();
    let mut text = String::new();
    for (key, value) in [
        ("listen", "YES"),
        ("listen_ipv6", "NO"),
        ("listen_address", "127.0.0.1"),
        ("listen_port", &setup.ports.control().to_string()),
        ("background", "NO"),
        ("anonymous_enable", "NO"),
        ("local_enable", "YES"),
        ("write_enable", "YES"),
        ("local_umask", "022"),
        ("chmod_enable", "YES"),
        ("chroot_local_user", "YES"),
        ("allow_writeable_chroot", "YES"),
        ("local_root", &path_str(setup.root)?),
        // With the default seccomp sandbox, RETR/STOR/REST fail with
        // "500 OOPS: priv_sock_get_cmd" here.
        ("seccomp_sandbox", "NO"),
        ("pam_service_name", VSFTPD_PAM_SERVICE),
        ("secure_chroot_dir", &path_str(&empty)?),
        ("pasv_enable", "YES"),
        ("pasv_min_port", &passive.start().to_string()),
        ("pasv_max_port", &passive.end().to_string()),
        ("pasv_address", "127.0.0.1"),
        ("port_enable", "YES"),
        ("connect_from_port_20", "NO"),
        ("utf8_filesystem", "YES"),
        ("xferlog_enable", "YES"),
        ("vsftpd_log_file", &path_str(&log)?),
        ("log_ftp_protocol", "YES"),
    ] {
        let _ = writeln!(text, "{key}={value}");
    }
    if let Some((mode, files)) = setup.tls {
        for (key, value) in [
            ("ssl_enable", "YES"),
            ("rsa_cert_file", &path_str(&files.cert)?),
            ("rsa_private_key_file", &path_str(&files.key)?),
            ("implicit_ssl", if mode == TlsMode::Implicit { "YES" } else { "NO" }),
            // Plain sessions still work in explicit mode.
            ("force_local_logins_ssl", if mode == TlsMode::Implicit { "YES" } else { "NO" }),
            ("force_local_data_ssl", if mode == TlsMode::Implicit { "YES" } else { "NO" }),
            // The default: data connections must resume the control connection's session.
            ("require_ssl_reuse", "YES"),
            // The default list is DES-CBC3-SHA alone, which no modern client offers.
            ("ssl_ciphers", "HIGH"),
            ("ssl_tlsv1", "YES"),
            ("debug_ssl", "YES"),
        ] {
            let _ = writeln!(text, "{key}={value}");
        }
    }
    write(&conf, &text)?;
    let mut command = Command::new(binary);
    command.arg(conf);
    Ok(Launch { command, logs: vec![log] })
}

fn proftpd(setup: &Setup<'_>) -> Result<Launch, PrepareError> {
    let binary = existing(setup.prefix.join("proftpd/usr/sbin/proftpd")).map_err(PrepareError::Missing)?;
    let modules = setup.prefix.join("proftpd/usr/lib/proftpd");
    let ids = needs_owner(setup)?;
    let dir = setup.dir;
    // mod_auth_file: a virtual user with the test user's ids and the served directory
    // as its home; `DefaultRoot ~` chroots it there.
    let passwd = dir.join("auth.passwd");
    let group = dir.join("auth.group");
    write(
        &passwd,
        &format!(
            "{TEST_USER}:{TEST_PASSWORD_CRYPT}:{}:{}::{}:/bin/sh\n",
            ids.uid,
            ids.gid,
            path_str(setup.root)?
        ),
    )?;
    write(&group, &format!("{TEST_USER}:x:{}:\n", ids.gid))?;
    for file in [&passwd, &group] {
        set_mode(file, 0o600)?;
    }
    let system_log = dir.join("proftpd.log");
    let command_log = dir.join("commands.log");
    let passive = setup.ports.passive();
    let conf = dir.join("proftpd.conf");
    write(
        &conf,
        &format!(
            r#"ServerName "ftpbridge test proftpd"
ServerType standalone
DefaultServer on
Port {port}
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
PassivePorts {low} {high}
MasqueradeAddress 127.0.0.1
User nobody
Group nogroup
PidFile {dir}/proftpd.pid
ScoreboardFile {dir}/proftpd.scoreboard
DelayTable {dir}/proftpd.delay
DelayEngine off
ModulePath {modules}
AuthOrder mod_auth_file.c
AuthUserFile {passwd}
AuthGroupFile {group}
RequireValidShell off
UseFtpUsers off
DefaultRoot ~
WtmpLog off
UseReverseDNS off
SystemLog {system_log}
ExtendedLog {command_log} ALL
MaxInstances 50
Umask 022
AllowOverwrite on
AllowStoreRestart on
AllowRetrieveRestart on
<Limit SITE_CHMOD>
  AllowAll
</Limit>
{tls}"#,
            port = setup.ports.control(),
            low = passive.start(),
            high = passive.end(),
            dir = path_str(dir)?,
            modules = path_str(&modules)?,
            passwd = path_str(&passwd)?,
            group = path_str(&group)?,
            system_log = path_str(&system_log)?,
            command_log = path_str(&command_log)?,
            tls = proftpd_tls(setup, dir)?,
        ),
    )?;
    let mut command = Command::new(binary);
    command.arg("-n").arg("-c").arg(conf);
    let mut logs = vec![system_log, command_log];
    if setup.tls.is_some() {
        logs.push(dir.join("tls.log"));
    }
    Ok(Launch { command, logs })
}

/// mod_tls: the certificate (ECDSA, as rcgen makes it), TLS 1.2 and 1.3, session reuse
/// required on data connections (its default), implicit when asked.
fn proftpd_tls(setup: &Setup<'_>, dir: &Path) -> Result<String, PrepareError> {
    let Some((mode, files)) = setup.tls else { return Ok(String::new()) };
    let implicit = if mode == TlsMode::Implicit { "TLSOptions UseImplicitSSL\n" } else { "" };
    Ok(format!(
        "LoadModule mod_tls.c\n<IfModule mod_tls.c>\nTLSEngine on\nTLSLog {log}\nTLSProtocol TLSv1.2 TLSv1.3\n\
         TLSECCertificateFile {cert}\nTLSECCertificateKeyFile {key}\nTLSRequired off\nTLSVerifyClient off\n\
         {implicit}</IfModule>\n",
        log = path_str(&dir.join("tls.log"))?,
        cert = path_str(&files.cert)?,
        key = path_str(&files.key)?,
    ))
}

fn pure_ftpd(setup: &Setup<'_>) -> Result<Launch, PrepareError> {
    let binary =
        existing(setup.prefix.join("pure-ftpd/usr/sbin/pure-ftpd")).map_err(PrepareError::Missing)?;
    let pure_pw = existing(setup.prefix.join("pure-ftpd/usr/bin/pure-pw")).map_err(PrepareError::Missing)?;
    let ids = needs_owner(setup)?;
    // A puredb virtual user; "/./" in the home makes pure-ftpd chroot there.
    let passwd = setup.dir.join("pureftpd.passwd");
    let db = setup.dir.join("pureftpd.pdb");
    write(
        &passwd,
        &format!(
            "{TEST_USER}:{TEST_PASSWORD_CRYPT}:{}:{}::{}/./::::::::::::\n",
            ids.uid,
            ids.gid,
            path_str(setup.root)?
        ),
    )?;
    set_mode(&passwd, 0o600)?;
    let output = Command::new(pure_pw)
        .arg("mkdb")
        .arg(&db)
        .arg("-f")
        .arg(&passwd)
        .output()
        .map_err(|e| PrepareError::Failed(format!("pure-pw mkdb: {e}")))?;
    if !output.status.success() {
        return Err(PrepareError::Failed(format!(
            "pure-pw mkdb failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let transfers = setup.dir.join("transfers.log");
    let passive = setup.ports.passive();
    let mut command = Command::new(binary);
    command
        .arg("-S")
        .arg(format!("127.0.0.1,{}", setup.ports.control()))
        .arg("-p")
        .arg(format!("{}:{}", passive.start(), passive.end()))
        .args(["-P", "127.0.0.1"])
        .arg("-l")
        .arg(format!("puredb:{}", path_str(&db)?))
        // No anonymous logins, chroot everyone, no DNS, IPv4 only, room for parallel
        // sessions from 127.0.0.1.
        .args(["-E", "-A", "-H", "-4", "-c", "50", "-C", "50"])
        .arg("-O")
        .arg(format!("clf:{}", path_str(&transfers)?));
    if let Some((_, files)) = setup.tls {
        // -Y 1: TLS accepted, plain still allowed (pure-ftpd has no implicit TLS).
        command.args(["-Y", "1"]).arg("-2").arg(format!(
            "{},{}",
            path_str(&files.cert)?,
            path_str(&files.key)?
        ));
    }
    // pure-ftpd logs sessions to syslog only.
    Ok(Launch { command, logs: vec![transfers] })
}

/// The pyftpdlib launcher: the command-line `python -m pyftpdlib` has no MLSD-safe
/// permission set for a user, no masquerade address and no log level to choose.
const PYFTPDLIB_LAUNCHER: &str = r#""""pyftpdlib for ftpbridge's tests (written by ftpbridge-testkit)."""
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

TLS_CERT = os.environ.get("FTPBRIDGE_TLS_CERT")
if TLS_CERT:
    # Explicit TLS (pyftpdlib has no implicit mode), not required.
    from pyftpdlib.handlers import TLS_FTPHandler as FTPHandler


def main():
    port, low, high, user, password, root = sys.argv[1:7]
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    authorizer = DummyAuthorizer()
    # e: CWD, l: LIST/MLSD, r: RETR, a: APPE, d: DELE/RMD, f: RNFR/RNTO, m: MKD,
    # w: STOR, M: SITE CHMOD, T: MFMT
    authorizer.add_user(user, password, root, perm="elradfmwMT")

    class Handler(FTPHandler):
        pass

    if TLS_CERT:
        Handler.certfile = TLS_CERT
        Handler.keyfile = os.environ["FTPBRIDGE_TLS_KEY"]
    Handler.authorizer = authorizer
    Handler.passive_ports = list(range(int(low), int(high) + 1))
    Handler.masquerade_address = "127.0.0.1"
    server = FTPServer(("127.0.0.1", int(port)), Handler)
    server.serve_forever()


main()
"#;

/// pyftpdlib with a fault injected into its data connections (the fault's name, the
/// byte count and how many transfers to cut follow the launcher's arguments).
const PYFTPDLIB_FAULTS: &str = include_str!("../../../tests/servers/pyftpdlib_faults.py");

fn pyftpdlib(setup: &Setup<'_>) -> Result<Launch, PrepareError> {
    let python = existing(setup.prefix.join("pyftpdlib/bin/python")).map_err(PrepareError::Missing)?;
    let script = setup.dir.join("pyftpdlib_server.py");
    write(&script, if setup.fault.is_some() { PYFTPDLIB_FAULTS } else { PYFTPDLIB_LAUNCHER })?;
    let passive = setup.ports.passive();
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(&script)
        .arg(setup.ports.control().to_string())
        .arg(passive.start().to_string())
        .arg(passive.end().to_string())
        .arg(TEST_USER)
        .arg(TEST_PASSWORD)
        .arg(setup.root);
    if let Some((_, files)) = setup.tls {
        command.env("FTPBRIDGE_TLS_CERT", &files.cert).env("FTPBRIDGE_TLS_KEY", &files.key);
    }
    if let Some((fault, after)) = setup.fault {
        // Once: a client can resume after the fault.
        command.arg(fault).arg(after.to_string()).arg("1");
    }
    if let Some(ids) = setup.owner {
        // Runs as the test user, so that what it writes belongs to that user as with
        // the other servers (std drops supplementary groups when changing the uid).
        use std::os::unix::process::CommandExt;
        command.uid(ids.uid).gid(ids.gid);
    }
    Ok(Launch { command, logs: Vec::new() })
}

fn path_str(path: &Path) -> Result<String, PrepareError> {
    let s = path
        .to_str()
        .ok_or_else(|| PrepareError::Failed(format!("path is not UTF-8: {}", path.display())))?;
    if s.contains(['\n', '"', ' ']) {
        return Err(PrepareError::Failed(format!(
            "path unfit for a server config (space, quote or newline): {s}"
        )));
    }
    Ok(s.to_owned())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PrepareError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| PrepareError::Failed(format!("chmod {}: {e}", path.display())))
}
