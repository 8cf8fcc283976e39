//! The session's timers in one table (as quinn-proto's `connection/timer.rs`): each
//! entry names the silence it measures, and [`TimerTable::next`] is what
//! `poll_timeout` reports.
//!
//! Every deadline measures silence, never the length of an exchange: a reply deadline
//! restarts whenever the server speaks and starts only once the reply is due (the
//! final reply of a transfer is due when the data is done, not when the command
//! left); the data deadline restarts with every byte the server sends or takes, and
//! rests while the local side (a slow disk, a paused pipe) holds the transfer up.

use super::replies::Expect;
use super::{Phase, Session};
use crate::command::Command;
use crate::error::{Error, ErrorKind};
use crate::event::Event;
use crate::time::Instant;

/// What a deadline measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    /// The control connection has not opened.
    Connect,
    /// The control connection's TLS handshake has not finished.
    Handshake,
    /// A reply is due and the server has said nothing since it became due.
    Reply,
    /// A data connection has not opened (passive connect, or the transport's listener).
    DataOpen,
    /// The running transfer's data connection: nothing received (download), nothing
    /// taken of what was given (upload), or the server's side not closed after its
    /// final reply.
    DataIdle,
    /// A keep-alive NOOP is due on the control connection during a transfer.
    TransferKeepalive,
    /// A keep-alive NOOP is due while the session is idle.
    IdleKeepalive,
}

impl Timer {
    /// Every timer, in the order they fire when several are due at once.
    pub(super) const ALL: [Timer; 7] = [
        Timer::Connect,
        Timer::Handshake,
        Timer::Reply,
        Timer::DataOpen,
        Timer::DataIdle,
        Timer::TransferKeepalive,
        Timer::IdleKeepalive,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// One optional deadline per [`Timer`].
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TimerTable {
    deadlines: [Option<Instant>; Timer::ALL.len()],
}

impl TimerTable {
    /// Arms `timer` for `at`, replacing an earlier deadline.
    pub(super) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    /// Arms `timer` for `at` unless it is armed already.
    pub(super) fn keep_or_set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()].get_or_insert(at);
    }

    /// Disarms `timer`.
    pub(super) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    /// Disarms every timer.
    pub(super) fn stop_all(&mut self) {
        self.deadlines = Default::default();
    }

    /// The deadline of `timer`, if armed.
    pub(super) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// Whether `timer` is armed and due at `now`.
    pub(super) fn is_expired(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|at| at <= now)
    }

    /// The earliest deadline.
    pub(super) fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
}

impl Session {
    /// Arms every timer whose condition holds now (a running deadline is kept: it
    /// measures a silence that started earlier) and disarms the others. Called at the
    /// end of every input and command.
    pub(super) fn sync_timers(&mut self) {
        if self.phase == Phase::Closed {
            self.timers.stop_all();
            return;
        }
        let now = self.now;
        let limits = self.config.timeouts;
        self.arm(Timer::Connect, self.phase == Phase::Connecting, now + limits.connect);
        let handshaking = self.tls == super::ControlTls::Handshaking;
        self.arm(Timer::Handshake, handshaking, now + limits.connect);
        self.arm(Timer::Reply, self.reply_due(), now + limits.reply);
        let opening = self.current.as_ref().and_then(|r| r.channel.as_ref()).is_some_and(|c| c.opening());
        self.arm(Timer::DataOpen, opening, now + limits.connect);
        let (watch_data, keepalive) = self.transfer_watch();
        self.arm(Timer::DataIdle, watch_data, now + limits.data_idle);
        match self.config.transfer_keepalive {
            Some(every) if keepalive => self.timers.keep_or_set(Timer::TransferKeepalive, now + every),
            _ => self.timers.stop(Timer::TransferKeepalive),
        }
        let idle = self.phase == Phase::Ready && self.is_idle() && self.pending.is_empty();
        match self.config.idle_keepalive {
            Some(every) if idle => self.timers.keep_or_set(Timer::IdleKeepalive, now + every),
            _ => self.timers.stop(Timer::IdleKeepalive),
        }
    }

    fn arm(&mut self, timer: Timer, on: bool, at: Instant) {
        if on {
            self.timers.keep_or_set(timer, at);
        } else {
            self.timers.stop(timer);
        }
    }

    /// Whether a reply is due: one is owed, and it is not the final reply of a transfer
    /// whose data is still moving (the data deadline watches that).
    fn reply_due(&self) -> bool {
        match self.front_expect() {
            None => false,
            Some(Expect::Transfer) => !self.transfer_moving(),
            Some(_) => true,
        }
    }

    /// Fires what is due at `self.now`, one timer at a time; each disarms itself first.
    pub(super) fn fire_timers(&mut self) {
        let now = self.now;
        for timer in Timer::ALL {
            if self.phase == Phase::Closed {
                return;
            }
            if !self.timers.is_expired(timer, now) {
                continue;
            }
            self.timers.stop(timer);
            match timer {
                Timer::Connect => {
                    let message = format!(
                        "cannot connect to {}:{}: no answer within {} s",
                        self.config.host,
                        self.config.port,
                        self.config.timeouts.connect.as_secs()
                    );
                    self.fail_session(Error::new(ErrorKind::Timeout, message));
                }
                Timer::Handshake => {
                    let message = format!(
                        "the TLS handshake with {}:{} did not finish within {} s",
                        self.config.host,
                        self.config.port,
                        self.config.timeouts.connect.as_secs()
                    );
                    self.fail_session(Error::new(ErrorKind::Tls, message).with_detail("handshake"));
                }
                Timer::Reply => self.reply_timeout(),
                Timer::DataOpen => self.channel_timeout(),
                Timer::DataIdle => self.transfer_timeout(),
                Timer::TransferKeepalive | Timer::IdleKeepalive => {
                    self.send(Command::Noop, Expect::Keepalive);
                    if let (Timer::TransferKeepalive, Some(every)) = (timer, self.config.transfer_keepalive) {
                        self.timers.set(Timer::TransferKeepalive, now + every);
                    }
                }
            }
        }
    }

    /// No reply came within the limit, though one was due.
    fn reply_timeout(&mut self) {
        let seconds = self.config.timeouts.reply.as_secs();
        let command = self.pending.front().map(|owed| owed.command.clone()).unwrap_or_default();
        let message = match (self.front_expect(), self.transfer_left_to_send()) {
            (Some(Expect::Transfer), Some(left)) if left > 0 => {
                format!(
                    "the server took no data for {seconds} s, with {left} bytes of the upload still to send"
                )
            }
            (Some(Expect::Transfer), _) => {
                format!(
                    "the server did not confirm the transfer ({command}) within {seconds} s of the end of its data"
                )
            }
            _ => format!("the server did not answer {command} within {seconds} s"),
        };
        let error = Error::new(ErrorKind::Timeout, message);
        // An abort that gets no answer: the operation failed for its own cause.
        match self.current.as_mut().and_then(|running| running.drain.take()).map(|drain| drain.result) {
            Some(Err(cause)) => {
                let cause = cause.with_note("the server did not answer the abort either");
                self.shut_down(Some(error), cause);
            }
            Some(Ok(value)) => {
                // A range that got every byte it asked for succeeded; the session, whose
                // replies are now out of step, cannot go on.
                if let Some(running) = self.current.take() {
                    if let Some(channel) = running.channel {
                        self.release(channel, false);
                    }
                    self.emit(Event::Done { op: running.id, value });
                }
                self.fail_session(error.with_note("the server did not answer the abort that ended a range"));
            }
            None => self.fail_session(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    #[test]
    fn earliest_deadline_wins() {
        let mut table = TimerTable::default();
        assert_eq!(table.next(), None);
        let at = |s| Instant::from_duration(Duration::from_secs(s));
        table.set(Timer::Reply, at(30));
        table.set(Timer::DataIdle, at(10));
        assert_eq!(table.next(), Some(at(10)));
        table.keep_or_set(Timer::DataIdle, at(50));
        assert_eq!(table.get(Timer::DataIdle), Some(at(10)));
        assert!(table.is_expired(Timer::DataIdle, at(10)));
        assert!(!table.is_expired(Timer::Reply, at(10)));
        table.stop(Timer::DataIdle);
        assert_eq!(table.next(), Some(at(30)));
        table.stop_all();
        assert_eq!(table.next(), None);
    }
}
