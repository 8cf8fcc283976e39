//! `ftpbridge`: an FTP client on the ftpbridge engine, over direct TCP or through an
//! ftpbridge relay (`--relay ws://host:port/ws`).
//!
//!
//! TLS (FTPS) runs in this process: `--tls if-available` (the default) uses explicit
//! TLS when the server offers it, else plain FTP for anonymous logins only; `ftps://`
//! is implicit TLS, `ftpes://` explicit TLS required, `--tls plain` no TLS at all.
//!
//! Exit codes: 0 success, 2 usage, 3 connection, 4 login, 5 not found, 6 permission,
//! 7 protocol, 8 timeout, 9 local I/O, 10 refused by the server for another reason,
//! 11 incomplete transfer, 12 aborted (Ctrl-C), 13 TLS (the certificate is not
//! trusted, the handshake failed, TLS is required and not offered, or a downgrade).

mod ask;
mod get;
mod known;
mod local;
mod output;
mod put;
mod safe;
mod segmented;
mod target;
mod tree;

use clap::{Args, Parser, Subcommand};
use ftpbridge_client::{AnyTransport, Client, ClientError, RelayTransport, TcpTransport};
use ftpbridge_engine::listing::{DateTime, Encoding, ListingParser, ParseOptions};
use ftpbridge_engine::{Config, DataMode, ErrorKind, ListOptions, RemotePath, TlsMode, Value};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use target::Target;

#[derive(Parser)]
#[command(
    name = "ftpbridge",
    version,
    about = "FTP client: browse, download and upload",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List a directory.
    Ls {
        #[command(flatten)]
        common: Common,
        /// Print one JSON object per entry.
        #[arg(long)]
        json: bool,
        /// Include hidden (dot) files.
        #[arg(long, short = 'a')]
        all: bool,
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
    },
    /// Download a file.
    Get {
        #[command(flatten)]
        common: Common,
        /// Where to save it (`-` for standard output); default: the file's name here.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Continue a partial download from the local file's size.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Replace the local file if it exists (without this, an existing file is
        /// replaced only when you say so on the terminal).
        #[arg(long)]
        force: bool,
        /// Download the folder the URL names, with everything in it, into `-o DIR`
        /// (default: the folder's name here); links are not followed.
        #[arg(long, short = 'r', conflicts_with = "segments")]
        recursive: bool,
        /// Download the file over up to N sessions at once, each fetching a range of it
        /// (at least 4 MiB each), as lftp's pget does: faster from servers that cap each
        /// connection. A server that cannot send ranges gets the file in one piece.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16), conflicts_with = "resume")]
        segments: u32,
        /// ftp://[user[:password]@]host[:port]/path/to/file
        url: String,
    },
    /// Upload a file, or (with -r) a folder and everything in it.
    Put {
        #[command(flatten)]
        common: Common,
        /// Continue a partial upload from the remote file's size.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// With -r: replace files the server holds already (without this, they are
        /// replaced only when you say so on the terminal), and go on past folders the
        /// server will not list.
        #[arg(long, requires = "recursive")]
        force: bool,
        /// Upload the local folder FILE with everything in it (links are not
        /// followed): into the URL's folder when the URL ends in `/`, else as the
        /// folder the URL names.
        #[arg(long, short = 'r')]
        recursive: bool,
        /// The local file (with -r a folder); `-` reads standard input (name the remote
        /// file in the URL).
        file: PathBuf,
        /// Where to: a file URL, or a directory URL ending in `/`.
        url: String,
    },
    /// Create a directory.
    Mkdir {
        #[command(flatten)]
        common: Common,
        /// Make the folders above it too, where missing; no error if it exists.
        #[arg(long, short = 'p')]
        parents: bool,
        /// The directory's URL.
        url: String,
    },
    /// Remove an empty directory.
    Rmdir {
        #[command(flatten)]
        common: Common,
        /// The directory's URL.
        url: String,
    },
    /// Delete a file, or (with -r) a folder and everything in it.
    Rm {
        #[command(flatten)]
        common: Common,
        /// Remove the folder the URL names, with everything in it (links are removed,
        /// never followed).
        #[arg(long, short = 'r')]
        recursive: bool,
        /// The file's (or with -r the folder's) URL.
        url: String,
    },
    /// Rename or move a file or directory.
    Mv {
        #[command(flatten)]
        common: Common,
        /// The file's URL.
        url: String,
        /// The new name or path (relative to the file's directory unless it starts with `/`).
        new_name: String,
    },
    /// Send a raw command and print the reply.
    Quote {
        #[command(flatten)]
        common: Common,
        /// The server's URL (its path is entered first, when given).
        url: String,
        /// The command, e.g. `SYST` or `SITE HELP`.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true)]
        command: Vec<String>,
    },
    /// Parse raw LIST or MLSD output from standard input; print one JSON object per entry.
    ParseListing {
        /// The current time for dates without a year (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
        /// The encoding of names (latin1, windows-1251, shift_jis, gbk, ...).
        #[arg(long, default_value = "utf-8")]
        encoding: String,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Passive data connections only (EPSV, then PASV).
    #[arg(long, conflicts_with = "active")]
    passive: bool,
    /// Active data connections only (EPRT, then PORT).
    #[arg(long)]
    active: bool,
    /// Print the control-connection transcript (passwords masked) on stderr.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// The encoding of names on the server (latin1, windows-1251, shift_jis, gbk, ...).
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Seconds of silence to wait for: a connection, a reply, the next data byte.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Send a NOOP on the control connection this often during a transfer, so that
    /// firewalls keep it open (0: never).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    keepalive: u64,
    /// Connect to the address in the server's 227 reply instead of its control address.
    #[arg(long)]
    trust_pasv_address: bool,
    /// Passive mode with PASV only (skip EPSV).
    #[arg(long)]
    no_epsv: bool,
    /// Active mode with PORT only (skip EPRT).
    #[arg(long)]
    no_eprt: bool,
    /// List with LIST even when the server offers MLSD.
    #[arg(long)]
    no_mlsd: bool,
    /// Go through an ftpbridge relay (ws://host:port/ws) instead of connecting directly.
    #[arg(long, env = "FTPBRIDGE_RELAY")]
    relay: Option<String>,
    /// TLS: `if-available` (explicit TLS when offered; otherwise plain only for an
    /// anonymous login), `require` (explicit TLS or nothing), `implicit` (TLS from the
    /// first byte, as ftps://) or `plain` (no TLS: the password goes readable).
    #[arg(long, value_name = "MODE", env = "FTPBRIDGE_TLS")]
    tls: Option<TlsArg>,
    /// Trust the CA certificates in this PEM file instead of the built-in roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Accept the server key with this SHA-256 (of its public key, hex, as the
    /// self-signed error prints it) in place of an authority, and remember it.
    #[arg(long = "pin", value_name = "SHA256")]
    pins: Vec<String>,
    /// Accept and remember the key of a server no authority vouches for, the first
    /// time (trust on first use); a later change of key is refused.
    #[arg(long)]
    trust_first_use: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TlsArg {
    IfAvailable,
    Require,
    Implicit,
    Plain,
}

/// A failure with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: message.into() }
    }

    fn local(error: std::io::Error, what: &Path) -> Failure {
        Failure { code: 9, message: format!("{}: {error}", what.display()) }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Local(error) => Failure { code: 9, message: format!("local file: {error}") },
            ClientError::Ftp(error) => Failure::from(error),
        }
    }
}

impl From<ftpbridge_engine::Error> for Failure {
    fn from(error: ftpbridge_engine::Error) -> Self {
        let code = match error.kind() {
            ErrorKind::Connection | ErrorKind::Closed => 3,
            ErrorKind::Login => 4,
            ErrorKind::NotFound => 5,
            ErrorKind::Permission => 6,
            ErrorKind::Protocol => 7,
            ErrorKind::Timeout => 8,
            ErrorKind::Rejected | ErrorKind::InvalidInput => 10,
            ErrorKind::Incomplete | ErrorKind::RestartIgnored => 11,
            ErrorKind::Aborted => 12,
            ErrorKind::Tls | ErrorKind::Certificate | ErrorKind::TlsUnavailable | ErrorKind::TlsDowngrade => {
                13
            }
            _ => 1,
        };
        Failure { code, message: error.to_string() }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ftpbridge: cannot start: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // The message quotes the server's reply and names: escaped on a terminal.
            let message = safe::for_stream(&failure.message, std::io::stderr().is_terminal());
            eprintln!("ftpbridge: {message}");
            ExitCode::from(failure.code)
        }
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::ParseListing { now, encoding } => parse_listing(now, &encoding),
        Command::Ls { common, json, all, url } => {
            let target = target::parse(&url).map_err(Failure::usage)?;
            let mut client = connect(&common, &target).await?;
            let options = ListOptions { all, now: wall_clock() };
            let entries = client.list(target.path.clone().map(RemotePath::from), options).await?;
            output::print_entries(&entries, json);
            client.quit().await;
            Ok(())
        }
        Command::Get { common, output, resume, force, recursive: true, url, .. } => {
            get::get_tree(&common, &url, output, resume, force).await
        }
        Command::Get { common, output, resume, force, url, segments, .. } => {
            let target = target::parse(&url).map_err(Failure::usage)?;
            let Some(path) = target.path.clone().filter(|_| !target.trailing_slash) else {
                return Err(Failure::usage("the URL names no file to download"));
            };
            let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or(&path).to_string();
            let output = output.unwrap_or_else(|| PathBuf::from(&name));
            if output.as_os_str() != "-" && !resume && !force {
                ask::check_replace(&output)?;
            }
            if segments > 1 {
                if output.as_os_str() == "-" {
                    return Err(Failure::usage("--segments writes a file: name it with -o FILE"));
                }
                return segmented::get_segments(&common, &target, &path, &name, output, segments).await;
            }
            let mut client = connect(&common, &target).await?;
            let result = get::get(&mut client, RemotePath::from(path.as_str()), &name, output, resume).await;
            client.quit().await;
            result
        }
        Command::Put { common, resume, force, recursive: true, file, url } => {
            put::put_tree(&common, &file, &url, resume, force).await
        }
        Command::Put { common, resume, file, url, .. } => put::put_file(&common, &file, &url, resume).await,
        Command::Mkdir { common, url, parents: true } => tree(&common, &url, Tree::MakeDirs).await,
        Command::Mkdir { common, url, .. } => simple(&common, &url, |s, now, p| s.mkdir(now, p)).await,
        Command::Rmdir { common, url } => simple(&common, &url, |s, now, p| s.rmdir(now, p)).await,
        Command::Rm { common, url, recursive: true } => tree(&common, &url, Tree::Remove).await,
        Command::Rm { common, url, .. } => simple(&common, &url, |s, now, p| s.delete(now, p)).await,
        Command::Mv { common, url, new_name } => {
            let target = target::parse(&url).map_err(Failure::usage)?;
            let Some(from) = target.path.clone() else {
                return Err(Failure::usage("the URL names nothing to rename"));
            };
            let to = if new_name.starts_with('/') || !from.contains('/') {
                new_name
            } else {
                let dir = from.trim_end_matches('/').rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                format!("{dir}/{new_name}")
            };
            let mut client = connect(&common, &target).await?;
            let result = client.call(|s, now| s.rename(now, from.as_str(), to.as_str())).await;
            client.quit().await;
            result.map(|_| ()).map_err(Failure::from)
        }
        Command::Quote { common, url, command } => {
            let target = target::parse(&url).map_err(Failure::usage)?;
            let mut client = connect(&common, &target).await?;
            if let Some(path) = target.path.clone() {
                client.call(|s, now| s.cd(now, path.as_str())).await?;
            }
            let line = command.join(" ");
            let result = client.call(|s, now| s.raw(now, &line)).await;
            client.quit().await;
            match result? {
                Value::Reply(reply) => {
                    let text = reply.to_wire_string();
                    println!("{}", safe::for_stream(&text, std::io::stdout().is_terminal()));
                    if reply.is_failure() {
                        return Err(Failure::from(ftpbridge_engine::Error::from_reply(
                            "the command failed",
                            reply,
                        )));
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        }
    }
}

async fn simple(
    common: &Common,
    url: &str,
    queue: impl FnOnce(
        &mut ftpbridge_engine::Session,
        ftpbridge_engine::Instant,
        RemotePath,
    ) -> ftpbridge_engine::OpId,
) -> Result<(), Failure> {
    let target = target::parse(url).map_err(Failure::usage)?;
    let Some(path) = target.path.clone() else { return Err(Failure::usage("the URL names no path")) };
    let path = path.trim_end_matches('/').to_string();
    let mut client = connect(common, &target).await?;
    let result = client.call(|s, now| queue(s, now, RemotePath::from(path))).await;
    client.quit().await;
    result.map(|_| ()).map_err(Failure::from)
}

/// A tree operation of the driver's.
enum Tree {
    Remove,
    MakeDirs,
}

/// `rm -r` and `mkdir -p`.
async fn tree(common: &Common, url: &str, op: Tree) -> Result<(), Failure> {
    let target = target::parse(url).map_err(Failure::usage)?;
    let Some(path) = target.path.clone() else { return Err(Failure::usage("the URL names no path")) };
    let path = path.trim_end_matches('/').to_string();
    let bytes = common.path_bytes(&path)?;
    if matches!(op, Tree::Remove) && ftpbridge_client::tree::names_root(&bytes) {
        return Err(Failure::usage("refusing to remove the server's root or working folder: name a folder"));
    }
    let mut client = connect(common, &target).await?;
    let mut session = tree::Session { client: &mut client, now: wall_clock() };
    let result = match op {
        Tree::Remove => ftpbridge_client::tree::remove_tree(&mut session, &bytes).await.map(drop),
        Tree::MakeDirs => ftpbridge_client::tree::make_dirs(&mut session, &bytes).await.map(drop),
    };
    client.quit().await;
    result.map_err(Failure::from)
}

impl Common {
    /// The server's file-name encoding, as `--encoding` names it.
    fn encoding(&self) -> Result<Encoding, Failure> {
        Encoding::for_label(&self.encoding)
            .ok_or_else(|| Failure::usage(format!("unknown encoding {:?}", self.encoding)))
    }

    /// A path as the server's bytes, in that encoding.
    fn path_bytes(&self, path: &str) -> Result<Vec<u8>, Failure> {
        let encoding = self.encoding()?;
        let bytes = encoding
            .encode(path)
            .ok_or_else(|| Failure::usage(format!("{path:?} cannot be written in {}", encoding.name())))?;
        Ok(bytes.into_owned())
    }
}

async fn connect(common: &Common, target: &Target) -> Result<Client<AnyTransport>, Failure> {
    let encoding = common.encoding()?;
    let tls = match (common.tls, target.scheme_tls) {
        (Some(flag), Some(scheme)) if tls_mode(flag) != scheme => {
            return Err(Failure::usage(
                "--tls contradicts the URL's scheme (ftps:// is implicit, ftpes:// require)",
            ));
        }
        (Some(flag), _) => tls_mode(flag),
        (None, Some(scheme)) => scheme,
        (None, None) => TlsMode::IfAvailable,
    };
    let port = match (tls, target.scheme_tls) {
        // --tls implicit on an ftp:// URL without a port: the implicit port.
        (TlsMode::Implicit, None) if !target.explicit_port => 990,
        _ => target.port,
    };
    let known_hosts = known::KnownHosts::open();
    let known = known_hosts.get(&target.host, port);
    let mut config = Config::new(target.host.clone(), port);
    config.tls = tls;
    config.expect_tls = known.tls;
    let trust = trust(common, &known)?;
    config.user = target.user.clone();
    config.password = match (&target.user, &target.password) {
        (_, Some(password)) => Some(password.clone()),
        (Some(user), None) => Some(password_for(user)?),
        (None, None) => None,
    };
    config.mode = match (common.passive, common.active) {
        (true, _) => DataMode::Passive,
        (_, true) => DataMode::Active,
        _ => DataMode::Auto,
    };
    config.encoding = encoding;
    config.trust_passive_address = common.trust_pasv_address;
    config.use_epsv = !common.no_epsv;
    config.use_eprt = !common.no_eprt;
    config.use_mlsd = !common.no_mlsd;
    let seconds = Duration::from_secs(common.timeout.max(1));
    config.timeouts.connect = seconds;
    config.timeouts.reply = seconds;
    config.timeouts.data_idle = seconds;
    config.transfer_keepalive = (common.keepalive > 0).then(|| Duration::from_secs(common.keepalive));
    let transport = match &common.relay {
        Some(url) => AnyTransport::Relay(Box::new(
            RelayTransport::connect(url).await.map_err(|message| Failure { code: 3, message })?,
        )),
        None => AnyTransport::Tcp(TcpTransport::new()),
    };
    let log: Option<ftpbridge_client::LogSink> = common.verbose.then(|| {
        let terminal = std::io::stderr().is_terminal();
        Box::new(move |line: &ftpbridge_engine::LogLine| {
            let (mark, text) = match line {
                ftpbridge_engine::LogLine::Sent(text) => ('>', text),
                ftpbridge_engine::LogLine::Received(text) => ('<', text),
                ftpbridge_engine::LogLine::Note(text) => ('*', text),
            };
            eprintln!("{mark} {}", safe::for_stream(text, terminal));
        }) as ftpbridge_client::LogSink
    });
    let host = target.host.clone();
    let client = Client::connect_trusting(config, trust, transport, log).await;
    let mut client = client.map_err(|error| {
        let mut failure = Failure::from(error.clone());
        if error.detail() == Some("key_changed") {
            failure.message.push_str(&format!(
                " (to trust the new key, remove the line for {} from {})",
                known::KnownHosts::display_key(&host, port),
                known_hosts.path()
            ));
        } else if error.detail() == Some("self_signed") {
            failure.message.push_str(" (to trust this key: --pin SHA256, or --trust-first-use)");
        } else if error.detail() == Some("password") {
            failure.message.push_str(" (--tls plain)");
        }
        failure
    })?;
    remember(&known_hosts, &host, port, &known, &client);
    client.set_interruptible(true);
    Ok(client)
}

fn tls_mode(flag: TlsArg) -> TlsMode {
    match flag {
        TlsArg::IfAvailable => TlsMode::IfAvailable,
        TlsArg::Require => TlsMode::Require,
        TlsArg::Implicit => TlsMode::Implicit,
        TlsArg::Plain => TlsMode::Plain,
    }
}

/// The trust settings: the CA file or the built-in roots, the pins given and the one
/// remembered, and trust on first use.
fn trust(common: &Common, known: &known::Known) -> Result<ftpbridge_client::Trust, Failure> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let roots = match &common.ca_file {
        Some(path) => {
            let mut ders = Vec::new();
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?
            {
                ders.push(cert.map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?.to_vec());
            }
            if ders.is_empty() {
                return Err(Failure::usage(format!("{}: no certificate in it", path.display())));
            }
            ftpbridge_client::Roots::Certificates(ders)
        }
        None => ftpbridge_client::Roots::Webpki,
    };
    let mut pins = Vec::new();
    for pin in common.pins.iter().chain(known.pin.iter()) {
        pins.push(ftpbridge_client::parse_pin(pin).ok_or_else(|| {
            Failure::usage(format!("--pin {pin:?}: expected the SHA-256 of a key (64 hex digits)"))
        })?);
    }
    Ok(ftpbridge_client::Trust { roots, pins, trust_on_first_use: common.trust_first_use })
}

/// After a TLS login: remember that the host does TLS, and the key the user accepted
/// (given with --pin, or on first use).
fn remember(
    hosts: &known::KnownHosts,
    host: &str,
    port: u16,
    known: &known::Known,
    client: &Client<AnyTransport>,
) {
    let Some(tls) = client.server_info().and_then(|info| info.tls.as_ref()) else { return };
    let key = tls.certificate.as_ref().map(|c| c.key_sha256.clone());
    let pin = match tls.trusted_by.as_deref() {
        Some("first_use") | Some("pin") => key.clone(),
        _ => known.pin.clone(),
    };
    if tls.trusted_by.as_deref() == Some("first_use") {
        let key = key.clone().unwrap_or_default();
        eprintln!(
            "ftpbridge: warning: {host}:{port}: no authority vouches for this server; its key (SHA-256 {key}) is now remembered: a change of key will be refused"
        );
    }
    let updated = known::Known { tls: true, pin };
    if &updated != known
        && let Err(error) = hosts.set(host, port, &updated)
    {
        eprintln!("ftpbridge: warning: cannot remember {host}:{port} in {}: {error}", hosts.path());
    }
}

/// The password: `FTPBRIDGE_PASSWORD`, else a prompt when there is a terminal.
fn password_for(user: &str) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("FTPBRIDGE_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "no password for {user}: put it in the URL, in FTPBRIDGE_PASSWORD, or run on a terminal to be asked"
        )));
    }
    rpassword::prompt_password(format!("Password for {user}: "))
        .map_err(|e| Failure { code: 9, message: e.to_string() })
}

fn parse_listing(now: Option<String>, encoding: &str) -> Result<(), Failure> {
    use std::io::{BufRead, Write};
    let encoding = Encoding::for_label(encoding)
        .ok_or_else(|| Failure::usage(format!("unknown encoding {encoding:?}")))?;
    let now = match now {
        Some(text) => DateTime::parse_rfc3339(&text)
            .ok_or_else(|| Failure::usage(format!("{text:?} is not an RFC 3339 time")))?,
        None => wall_clock(),
    };
    let mut parser = ListingParser::new(ParseOptions { now, encoding });
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure { code: 9, message: format!("stdin: {e}") })?;
        if n == 0 {
            break;
        }
        let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if let Some(entry) = parser.parse_line(trimmed) {
            let json = serde_json::to_string(&entry).unwrap_or_default();
            if writeln!(out, "{json}").is_err() {
                return Ok(()); // a closed pipe (`| head`) is not an error
            }
        }
    }
    // Entries the parser still holds (a VMS name whose details never came).
    while let Some(entry) = parser.finish() {
        let json = serde_json::to_string(&entry).unwrap_or_default();
        if writeln!(out, "{json}").is_err() {
            return Ok(());
        }
    }
    let _ = out.flush();
    Ok(())
}

/// The current UTC time, for dates without a year.
fn wall_clock() -> DateTime {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    DateTime::from_unix_seconds(seconds)
}

mod progress {
    //! A progress bar on stderr when it is a terminal; nothing otherwise.

    use indicatif::{ProgressBar, ProgressStyle};
    use std::io::IsTerminal;

    /// A transfer's progress bar.
    pub struct Bar {
        bar: Option<ProgressBar>,
    }

    impl Bar {
        /// A bar labelled `name`, hidden unless stderr is a terminal.
        pub fn new(name: &str) -> Bar {
            if !std::io::stderr().is_terminal() {
                return Bar { bar: None };
            }
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(name.to_string());
            Bar { bar: Some(bar) }
        }

        /// Bytes done so far (offset included) and the total when known.
        pub fn update(&mut self, done: u64, total: Option<u64>) {
            if let Some(bar) = &self.bar {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }
        }

        /// Removes the bar.
        pub fn finish(&mut self) {
            if let Some(bar) = self.bar.take() {
                bar.finish_and_clear();
            }
        }
    }
}
