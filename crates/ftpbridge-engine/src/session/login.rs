//! Logging in: the greeting, USER/PASS/ACCT, then FEAT, `OPTS UTF8 ON`, `TYPE I` and
//! PWD, after which the session is ready.

use super::replies::Expect;
use super::{Phase, Session};
use crate::Reply;
use crate::command::Command;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, ServerInfo};
use crate::parse::{self, Features};

/// The login step whose reply is awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LoginStep {
    Greeting,
    User,
    Pass,
    Acct,
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
                let user = self.config.user.clone().unwrap_or_else(|| "anonymous".into());
                self.send_login(Command::User(user.into_bytes()), LoginStep::User);
            }
            LoginStep::User | LoginStep::Pass | LoginStep::Acct => match reply.code() {
                230 | 202 => self.send_login(Command::Feat, LoginStep::Feat),
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
                };
                self.emit(Event::Ready(info));
                self.start_next();
            }
        }
    }

    fn send_login(&mut self, command: Command, step: LoginStep) {
        self.send(command, Expect::Login(step));
    }
}
