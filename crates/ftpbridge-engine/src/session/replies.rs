//! Who reads each reply. Commands go out in order and the server answers in order, so
//! the session keeps the replies it is owed in a queue; the front one reads the next
//! reply. Three things break the plain order and are handled here:
//!
//! - **Keep-alives during a transfer.** Some servers answer a NOOP at once, before the
//!   transfer's final reply, with `200` or with a refusal (`500`-`504`, "not during a
//!   transfer"). Such a reply is the keep-alive's, never the transfer's result.
//! - **Unsolicited replies.** A `220` after the greeting (servers that send their
//!   banner twice) answers nothing we sent and is dropped, not taken for the answer
//!   to the next command.
//! - **The drain after ABOR.** Servers differ on whether ABOR gets one reply or a 426
//!   then a 226, and keep-alives may still be owed. The session sends a marker after
//!   ABOR (PWD, whose `257` is like no other reply; NOOP where PWD does not work) and
//!   discards everything until the marker's reply.

use super::login::LoginStep;
use super::timer::Timer;
use super::{Phase, Session};
use crate::Reply;
use crate::command::Command;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, LogLine, Output, SocketId};
use crate::session::task::Outcome;

/// What kind of reply is owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Expect {
    Login(LoginStep),
    /// The running task's command.
    Task,
    /// A command of the data channel's setup (EPSV, PASV, EPRT, PORT).
    Channel,
    /// The running transfer's command: 1xx replies, then the final one.
    Transfer,
    /// A keep-alive NOOP.
    Keepalive,
    /// After ABOR: replies are discarded until the marker answers.
    Drain,
}

/// A reply the server owes, and the command it answers (for messages).
#[derive(Clone, Debug)]
pub(super) struct Owed {
    pub expect: Expect,
    pub command: String,
}

/// What ends the drain after ABOR.
#[derive(Clone, Debug)]
pub(super) struct Drain {
    marker: Marker,
    /// The operation's result once the drain ends: why it was aborted, or (a range
    /// download that got every byte it asked for) its value.
    pub result: Result<crate::event::Value, Error>,
}

#[derive(Clone, Copy, Debug)]
enum Marker {
    /// The 257 of the PWD sent after ABOR.
    Pwd,
    /// This many more `200` replies (keep-alives still owed, then the NOOP after ABOR).
    Noops(u32),
}

/// Whether `code` can be a server's answer to a NOOP it received during a transfer.
fn answers_a_keepalive(code: u16) -> bool {
    matches!(code, 200 | 202 | 500..=504)
}

impl Session {
    /// Sends a command whose reply `expect` reads.
    pub(super) fn send(&mut self, command: Command, expect: Expect) {
        let log = command.to_log();
        self.emit(Event::Log(LogLine::Sent(log.clone())));
        self.outputs.push_back(Output::Send { socket: SocketId::CONTROL, data: command.to_wire() });
        self.owe(expect, log);
        self.timers.stop(Timer::IdleKeepalive);
    }

    /// A reply is owed from now on (for `command`, named in messages).
    pub(super) fn owe(&mut self, expect: Expect, command: String) {
        self.pending.push_back(Owed { expect, command });
        // The server cannot answer before the command arrives: silence counts from now.
        self.timers.set(Timer::Reply, self.now + self.config.timeouts.reply);
    }

    /// What the front of the queue of owed replies is.
    pub(super) fn front_expect(&self) -> Option<Expect> {
        self.pending.front().map(|owed| owed.expect)
    }

    /// Bytes on the control connection.
    pub(super) fn control_data(&mut self, data: &[u8]) {
        self.reader.feed(data);
        // The server spoke: the silence a reply deadline measures starts again.
        self.timers.set(Timer::Reply, self.now + self.config.timeouts.reply);
        loop {
            match self.reader.next_reply() {
                Ok(Some(reply)) => {
                    self.on_reply(reply);
                    if self.phase == Phase::Closed {
                        return;
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    self.fail_session(Error::new(ErrorKind::Protocol, error.to_string()));
                    return;
                }
            }
        }
        self.start_next();
    }

    fn on_reply(&mut self, reply: Reply) {
        for line in reply.lines() {
            self.emit(Event::Log(LogLine::Received(String::from_utf8_lossy(line).into_owned())));
        }
        if reply.code() == 421 {
            self.fail_session(
                Error::from_reply("the server closed the session", reply).with_kind(ErrorKind::Connection),
            );
            return;
        }
        let Some(expect) = self.front_expect() else {
            self.note(format!("ignoring an unexpected reply: {reply}"));
            return;
        };
        if reply.code() == 220 && expect != Expect::Login(LoginStep::Greeting) {
            self.note(format!("ignoring an unsolicited reply: {reply}"));
            return;
        }
        if expect == Expect::Transfer
            && answers_a_keepalive(reply.code())
            && let Some(i) = self.pending.iter().position(|owed| owed.expect == Expect::Keepalive)
        {
            self.pending.remove(i);
            if !reply.is_completion() {
                self.note(format!("the server refused the keep-alive during the transfer ({reply})"));
            }
            return;
        }
        let keep_waiting = reply.is_preliminary() && expect != Expect::Drain;
        if !keep_waiting {
            self.pending.pop_front();
        }
        match expect {
            Expect::Login(_) if keep_waiting => {} // 120 "ready in n minutes": the 220 follows
            Expect::Login(step) => self.login_reply(step, reply),
            Expect::Keepalive => {}
            Expect::Drain => self.drain_reply(reply),
            Expect::Transfer => self.transfer_reply(reply),
            Expect::Channel if !keep_waiting => self.channel_reply(reply),
            Expect::Task if !keep_waiting => {
                let cancelled =
                    self.current.as_mut().map(|r| std::mem::take(&mut r.cancelled)).unwrap_or(false);
                if cancelled {
                    self.fail_op(Error::new(ErrorKind::Aborted, "cancelled"));
                } else {
                    self.advance(Outcome::Reply(reply));
                }
            }
            Expect::Channel | Expect::Task => {}
        }
    }

    /// Sends ABOR and the marker, and makes every reply until the marker's a drain
    /// reply; the operation then ends with `result`.
    pub(super) fn start_drain(&mut self, result: Result<crate::event::Value, Error>) {
        let keepalives = self.pending.iter().filter(|owed| owed.expect == Expect::Keepalive).count() as u32;
        let marker = if self.pwd_works { Marker::Pwd } else { Marker::Noops(keepalives + 1) };
        if let Some(running) = self.current.as_mut() {
            running.drain = Some(Drain { marker, result });
        }
        self.pending.clear();
        self.send(Command::Abor, Expect::Drain);
        self.pending.clear();
        match marker {
            Marker::Pwd => self.send(Command::Pwd, Expect::Drain),
            Marker::Noops(_) => self.send(Command::Noop, Expect::Drain),
        }
    }

    fn drain_reply(&mut self, reply: Reply) {
        let Some(drain) = self.current.as_mut().and_then(|r| r.drain.as_mut()) else {
            return;
        };
        let done = match &mut drain.marker {
            Marker::Pwd => reply.code() == 257,
            Marker::Noops(left) => {
                if reply.code() == 200 {
                    *left = left.saturating_sub(1);
                }
                *left == 0
            }
        };
        if !done {
            self.owe(Expect::Drain, "ABOR".into());
            return;
        }
        if let Some(cwd) = crate::parse::quoted_path(&reply).filter(|_| reply.code() == 257) {
            self.cwd = Some(cwd);
        }
        match self.current.as_mut().and_then(|r| r.drain.take()).map(|drain| drain.result) {
            Some(Ok(value)) => self.finish(Ok(value)),
            Some(Err(error)) => self.fail_op(error),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::answers_a_keepalive;

    #[test]
    fn keepalive_answers_are_not_transfer_results() {
        for code in [200, 202, 500, 501, 502, 503, 504] {
            assert!(answers_a_keepalive(code), "{code}");
        }
        for code in [150, 226, 250, 425, 426, 451, 452, 550, 551, 552] {
            assert!(!answers_a_keepalive(code), "{code}");
        }
    }
}
