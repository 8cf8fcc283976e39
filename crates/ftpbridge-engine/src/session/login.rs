//! Logging in: the greeting, TLS (`AUTH TLS` and its handshake, unless the session is
//! plain or implicit), USER/PASS/ACCT, `PBSZ 0` and `PROT P` when the control
//! connection is in TLS, then FEAT, `OPTS UTF8 ON`, `TYPE I` and PWD, after which the
//! session is ready.
//!
//! ```text
//!  220 ─► AUTH TLS ─234─► (handshake) ─► USER ─► PASS ─► PBSZ 0 ─► PROT P ─► FEAT ─► ...
//!            └─ refused: plain only when the mode allows it (anonymous, never seen in TLS)
//! ```

use super::replies::Expect;
use super::{Phase, Session};
use crate::Reply;
use crate::command::Command;
use crate::config::TlsMode;
use crate::error::{Error, ErrorKind, says_busy};
use crate::event::{Event, Output, ServerInfo, SocketId};
use crate::parse::{self, Features};

/// The login step whose reply is awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LoginStep {
    Greeting,
    Auth,
    User,
    Pass,
    Acct,
    Pbsz,
    Prot,
    Feat,
    Utf8,
    Type,
    Pwd,
}

impl Session {
    /// A reply to a login step (never a preliminary one).
    pub(super) fn login_reply(&mut self, step: LoginStep, reply: Reply) {
        let login_error =
            |what: &str, reply: Reply| Error::from_reply(what.to_string(), reply).with_kind(ErrorKind::Login);
        match step {
            LoginStep::Greeting => {
                if reply.code() != 220 {
                    let kind = if reply.is_failure() { ErrorKind::Connection } else { ErrorKind::Protocol };
                    self.fail_session(
                        Error::from_reply("the server refused the connection", reply).with_kind(kind),
                    );
                    return;
                }
                self.greeting = Some(reply);
                match self.config.tls {
                    TlsMode::Require | TlsMode::IfAvailable => {
                        self.send_login(Command::AuthTls, LoginStep::Auth)
                    }
                    TlsMode::Implicit => self.send_user(),
                    TlsMode::Plain => {
                        if self.config.user.is_some() {
                            self.note(
                                "plain FTP, as asked: the password and the files go unencrypted".into(),
                            );
                        }
                        self.send_user();
                    }
                }
            }
            LoginStep::Auth => {
                if reply.code() == 234 {
                    self.tls = super::ControlTls::Handshaking;
                    self.outputs.push_back(Output::StartTls { socket: SocketId::CONTROL });
                    return;
                }
                self.tls_refused(reply);
            }
            LoginStep::Pbsz => self.send_login(Command::ProtP, LoginStep::Prot),
            LoginStep::Prot => {
                if reply.is_completion() {
                    self.data_protected = true;
                } else if self.config.tls == TlsMode::IfAvailable {
                    self.note(format!(
                        "the server refused to protect data connections ({reply}): listings and files go unencrypted"
                    ));
                } else {
                    self.fail_session(
                        Error::from_reply(
                            "the server refused to protect data connections with TLS (PROT P)",
                            reply,
                        )
                        .with_kind(ErrorKind::TlsUnavailable)
                        .with_detail("data"),
                    );
                    return;
                }
                self.send_login(Command::Feat, LoginStep::Feat);
            }
            LoginStep::User | LoginStep::Pass | LoginStep::Acct => match reply.code() {
                230 | 202 => self.logged_in(),
                331 if step == LoginStep::User => {
                    let password = match (&self.config.password, &self.config.user) {
                        (Some(password), _) => password.clone(),
                        (None, None) => "anonymous@".into(),
                        (None, Some(_)) => String::new(),
                    };
                    self.send_login(Command::Pass(password.into_bytes()), LoginStep::Pass);
                }
                332 if step != LoginStep::Acct => match self.config.account.clone() {
                    Some(account) => self.send_login(Command::Acct(account.into_bytes()), LoginStep::Acct),
                    None => self.fail_session(login_error(
                        "the server asks for an account (ACCT) and none was given",
                        reply,
                    )),
                },
                _ if says_busy(&reply) => {
                    // Not the password: the server takes no more sessions now (the
                    // reply's detail says server_busy).
                    let error = Error::from_reply("the server takes no more sessions now", reply)
                        .with_kind(ErrorKind::Connection);
                    self.fail_session(error);
                }
                _ => {
                    let anonymous = self.config.user.is_none();
                    let what = match step {
                        LoginStep::User if anonymous => "the server refused anonymous login",
                        LoginStep::User => "the server refused the user name",
                        LoginStep::Pass if anonymous => "the server refused anonymous login",
                        LoginStep::Pass => "the server refused the user name or password",
                        _ => "the server refused the account",
                    };
                    self.fail_session(login_error(what, reply));
                }
            },
            LoginStep::Feat => {
                if reply.code() == 211 {
                    self.features = Features::from_reply(&reply);
                }
                if self.features.has("UTF8") && self.config.encoding.is_utf8() {
                    self.send_login(Command::OptsUtf8On, LoginStep::Utf8);
                } else {
                    self.send_login(Command::Type, LoginStep::Type);
                }
            }
            LoginStep::Utf8 => self.send_login(Command::Type, LoginStep::Type),
            LoginStep::Type => {
                self.binary = reply.is_completion();
                if !self.binary {
                    self.note(format!(
                        "the server refused binary mode ({reply}); listings work, file transfers will ask again"
                    ));
                }
                self.send_login(Command::Pwd, LoginStep::Pwd);
            }
            LoginStep::Pwd => {
                self.cwd = parse::quoted_path(&reply).filter(|_| reply.code() == 257);
                self.pwd_works = self.cwd.is_some();
                self.phase = Phase::Ready;
                let info = ServerInfo {
                    greeting: self.greeting.clone().unwrap_or_else(|| Reply::new(220, Vec::new())),
                    features: self.features.clone(),
                    home: self.working_directory(),
                    tls: self.tls_info().cloned(),
                    data_protected: self.data_protected,
                };
                self.emit(Event::Ready(info));
                self.start_next();
            }
        }
    }

    fn send_login(&mut self, command: Command, step: LoginStep) {
        self.send(command, Expect::Login(step));
    }

    fn send_user(&mut self) {
        let user = self.config.user.clone().unwrap_or_else(|| "anonymous".into());
        self.send_login(Command::User(user.into_bytes()), LoginStep::User);
    }

    /// The control connection's handshake finished (explicit TLS): log in.
    pub(super) fn login_secured(&mut self) {
        if self.phase == Phase::LoggingIn && self.pending.is_empty() && self.greeting.is_some() {
            self.send_user();
        }
    }

    /// The user is in: protect data connections when the control connection has TLS,
    /// then learn what the server offers.
    fn logged_in(&mut self) {
        if matches!(self.tls, super::ControlTls::On(_)) {
            self.send_login(Command::Pbsz, LoginStep::Pbsz);
        } else {
            self.send_login(Command::Feat, LoginStep::Feat);
        }
    }

    /// `AUTH TLS` was refused: go on in plain only where the mode allows it.
    fn tls_refused(&mut self, reply: Reply) {
        let anonymous = self.config.user.is_none();
        let error = match self.config.tls {
            TlsMode::IfAvailable if self.config.expect_tls => Some(
                Error::from_reply(
                    "this server did TLS before and now refuses it: something between may be stripping it \
                     (connect in plain FTP only if you trust the path)",
                    reply.clone(),
                )
                .with_kind(ErrorKind::TlsDowngrade),
            ),
            TlsMode::IfAvailable if !anonymous => Some(
                Error::from_reply(
                    "the server does not offer TLS, so the password would go unencrypted \
                     (choose plain FTP to send it anyway)",
                    reply.clone(),
                )
                .with_kind(ErrorKind::TlsUnavailable)
                .with_detail("password"),
            ),
            TlsMode::IfAvailable => None,
            _ => Some(
                Error::from_reply(
                    "the server does not offer TLS (AUTH TLS), which this session requires",
                    reply.clone(),
                )
                .with_kind(ErrorKind::TlsUnavailable)
                .with_detail("required"),
            ),
        };
        match error {
            Some(error) => self.fail_session(error),
            None => {
                self.note(format!("the server does not offer TLS ({reply}): this session is not encrypted"));
                self.send_user();
            }
        }
    }
}
