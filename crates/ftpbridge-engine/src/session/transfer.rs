//! Running a transfer: the 1xx/final replies, the bytes on the data channel, and
//! the rule that a transfer is complete only when the data reached EOF, the server
//! confirmed it, and the byte count matches the size the server announced.

use super::channel::Channel;
use super::task::{Direction, Outcome, TaskContext, TransferSpec};
use super::{Expect, Session};
use crate::Reply;
use crate::command::Command;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, SocketId};
use crate::parse;
use crate::time::Instant;
use core::time::Duration;

/// The state of the running transfer.
pub(super) struct Transfer {
    pub direction: Direction,
    /// Bytes this transfer should move, when known from SIZE.
    pub expected: Option<u64>,
    pub offset: u64,
    pub command_sent: bool,
    /// A 1xx reply arrived.
    pub preliminary: bool,
    /// The `(N bytes)` of the 1xx reply.
    pub announced: Option<u64>,
    pub final_reply: Option<Reply>,
    pub bytes: u64,
    pub upload_ready_sent: bool,
    pub upload_finished: bool,
    /// While waiting on the data connection: when it counts as stalled.
    pub data_deadline: Option<Instant>,
    /// When the next keep-alive NOOP is due.
    pub keepalive_at: Option<Instant>,
}

impl Transfer {
    /// Data moved or the connection progressed: the stall timer restarts.
    pub fn touch(&mut self, now: Instant, idle: Duration) {
        if self.data_deadline.is_some() {
            self.data_deadline = Some(now + idle);
        }
    }

    /// Whether the data connection is still carrying this transfer (the reply timer
    /// rests meanwhile: the final reply comes when the data is done).
    pub fn moving_data(&self, _channel: Option<&Channel>) -> bool {
        self.data_deadline.is_some()
    }

    /// The earliest timer of this transfer.
    pub fn next_deadline(&self) -> Option<Instant> {
        let keepalive = self.keepalive_at.filter(|_| self.data_deadline.is_some());
        [self.data_deadline, keepalive].into_iter().flatten().min()
    }

    /// Whether the data side is over: EOF or a failure received, or every upload byte given.
    fn data_done(&self, channel: Option<&Channel>) -> bool {
        let Some(channel) = channel else { return true };
        if channel.error.is_some() {
            return true;
        }
        match self.direction {
            Direction::Download | Direction::Listing => channel.eof,
            Direction::Upload => self.upload_finished,
        }
    }

    fn context(&self) -> &'static str {
        match self.direction {
            Direction::Download => "the download failed",
            Direction::Upload => "the upload failed",
            Direction::Listing => "the listing failed",
        }
    }
}

impl Session {
    pub(super) fn start_transfer(&mut self, spec: TransferSpec) {
        let now = self.now;
        let keepalive_at = self.config.transfer_keepalive.map(|every| now + every);
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = Some(Transfer {
            direction: spec.direction,
            expected: spec.expected,
            offset: spec.offset,
            command_sent: true,
            preliminary: false,
            announced: None,
            final_reply: None,
            bytes: 0,
            upload_ready_sent: false,
            upload_finished: false,
            data_deadline: Some(now + self.config.timeouts.data_idle),
            keepalive_at,
        });
        self.send(spec.command, Expect::Transfer);
    }

    /// A reply to the transfer command.
    pub(super) fn transfer_reply(&mut self, reply: Reply) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let op = running.id;
        let Some(transfer) = running.transfer.as_mut() else {
            return;
        };
        if reply.is_preliminary() {
            if !transfer.preliminary {
                transfer.preliminary = true;
                transfer.announced = parse::announced_size(&reply);
                let size = transfer.expected.map(|e| e + transfer.offset).or(transfer.announced);
                let offset = transfer.offset;
                self.emit(Event::TransferStarted { op, size, offset });
            }
            self.transfer_progress();
            return;
        }
        if reply.is_failure() && !transfer.preliminary {
            // Refused before any data: the task decides. It may retry on the same data
            // connection (REST + STOR after APPE) or open another; the channel closes
            // when the operation ends.
            running.transfer = None;
            self.advance(Outcome::Reply(reply));
            return;
        }
        transfer.final_reply = Some(reply);
        self.check_transfer();
    }

    /// After a 1xx or an accepted connection: an upload may start.
    pub(super) fn transfer_progress(&mut self) {
        let now = self.now;
        let idle = self.config.timeouts.data_idle;
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let op = running.id;
        let connected = running.channel.as_ref().is_some_and(|c| c.connected);
        let socket = running.channel.as_ref().map_or(SocketId::CONTROL, |c| c.socket);
        let Some(transfer) = running.transfer.as_mut() else {
            return;
        };
        if transfer.direction == Direction::Upload
            && transfer.preliminary
            && connected
            && !transfer.upload_ready_sent
        {
            transfer.upload_ready_sent = true;
            transfer.touch(now, idle);
            let offset = transfer.offset;
            self.emit(Event::UploadReady { op, offset, socket });
        }
    }

    /// Bytes on a data socket.
    pub(super) fn transfer_data(&mut self, socket: SocketId, data: impl Into<Vec<u8>> + AsRef<[u8]>) {
        let now = self.now;
        let idle = self.config.timeouts.data_idle;
        let Some(mut running) = self.current.take() else {
            return;
        };
        let mine = running.channel.as_ref().is_some_and(|c| c.socket == socket);
        let mut entries = Vec::new();
        if let (true, Some(transfer)) = (mine, running.transfer.as_mut()) {
            transfer.bytes += data.as_ref().len() as u64;
            transfer.touch(now, idle);
            match transfer.direction {
                Direction::Download => self.emit(Event::Data { op: running.id, data: data.into() }),
                Direction::Listing => {
                    let mut cx = TaskContext {
                        features: &self.features,
                        use_mlsd: self.config.use_mlsd,
                        mlsd_refused: &mut self.mlsd_refused,
                        verify_upload_size: self.config.verify_upload_size,
                        encoding: self.config.encoding,
                        cwd: &mut self.cwd,
                        entries: &mut entries,
                    };
                    running.task.on_listing_data(data.as_ref(), &mut cx);
                }
                Direction::Upload => {}
            }
        }
        let op = running.id;
        self.current = Some(running);
        if !entries.is_empty() {
            self.emit(Event::Entries { op, entries });
        }
    }

    /// A listing's data ended: its last line may have had no line ending.
    pub(super) fn listing_end(&mut self) {
        let Some(mut running) = self.current.take() else {
            return;
        };
        let mut entries = Vec::new();
        if running.transfer.as_ref().is_some_and(|t| t.direction == Direction::Listing) {
            let mut cx = TaskContext {
                features: &self.features,
                use_mlsd: self.config.use_mlsd,
                mlsd_refused: &mut self.mlsd_refused,
                verify_upload_size: self.config.verify_upload_size,
                encoding: self.config.encoding,
                cwd: &mut self.cwd,
                entries: &mut entries,
            };
            running.task.on_listing_end(&mut cx);
        }
        let op = running.id;
        self.current = Some(running);
        if !entries.is_empty() {
            self.emit(Event::Entries { op, entries });
        }
    }

    /// Ends the transfer when everything it needs has happened, failing it when the
    /// bytes do not add up.
    pub(super) fn check_transfer(&mut self) {
        let now = self.now;
        let idle = self.config.timeouts.data_idle;
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let Some(transfer) = running.transfer.as_mut() else {
            return;
        };
        let channel = running.channel.as_ref();
        let data_done = transfer.data_done(channel);
        if data_done && transfer.direction != Direction::Upload {
            transfer.data_deadline = None;
        }
        let Some(reply) = transfer.final_reply.clone() else {
            if data_done && transfer.direction == Direction::Upload {
                transfer.data_deadline = None;
            }
            return;
        };
        if reply.is_failure() {
            let error = Error::from_reply(transfer.context(), reply);
            self.fail_op(error);
            return;
        }
        if !reply.is_completion() {
            let error = Error::from_reply("the server ended the transfer with an unexpected reply", reply)
                .with_kind(ErrorKind::Protocol);
            self.fail_op(error);
            return;
        }
        let bytes = transfer.bytes;
        let connected = channel.is_some_and(|c| c.connected);
        let broken = channel.and_then(|c| c.error.clone());
        let eof = channel.is_none_or(|c| c.eof);
        match transfer.direction {
            Direction::Download | Direction::Listing => {
                let nothing_came = !transfer.preliminary && !connected;
                if !data_done && !nothing_came {
                    // 226 before the data's EOF: wait for the EOF (bounded by the stall timer).
                    if transfer.data_deadline.is_none() {
                        transfer.data_deadline = Some(now + idle);
                    }
                    return;
                }
                if let Some(error) = broken
                    && transfer.expected != Some(bytes)
                {
                    let message = format!("the data connection failed after {bytes} bytes: {error}");
                    self.fail_op(Error::new(ErrorKind::Incomplete, message));
                    return;
                }
                if let Some(problem) = size_mismatch(transfer) {
                    self.fail_op(Error::new(ErrorKind::Incomplete, problem));
                    return;
                }
            }
            Direction::Upload => {
                if !transfer.upload_finished {
                    let message = format!(
                        "the server ended the upload after {bytes} bytes, before every byte was sent"
                    );
                    self.fail_op(Error::from_reply(message, reply).with_kind(ErrorKind::Incomplete));
                    return;
                }
                if !eof && broken.is_none() && transfer.data_deadline.is_some_and(|d| now < d) {
                    // Keep reading until the server closes its side (TLS sends tickets then).
                    return;
                }
                if !eof && broken.is_none() && transfer.data_deadline.is_none() {
                    transfer.data_deadline = Some(now + idle);
                    return;
                }
            }
        }
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, true);
        }
        self.advance(Outcome::Transferred { bytes });
    }

    /// Fires the transfer's stall timer and keep-alive.
    pub(super) fn transfer_timeout(&mut self, now: Instant) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let Some(transfer) = running.transfer.as_mut() else {
            return;
        };
        if transfer.data_deadline.is_some() && transfer.keepalive_at.is_some_and(|t| now >= t) {
            transfer.keepalive_at = self.config.transfer_keepalive.map(|every| now + every);
            self.send(Command::Noop, Expect::Keepalive);
            return self.transfer_timeout(now);
        }
        if transfer.data_deadline.is_none_or(|d| now < d) {
            return;
        }
        let final_ok = transfer.final_reply.as_ref().is_some_and(Reply::is_completion);
        if final_ok && transfer.direction == Direction::Upload && transfer.upload_finished {
            // The server confirmed and holds the bytes; it just never closed its side.
            transfer.data_deadline = None;
            let bytes = transfer.bytes;
            running.transfer = None;
            if let Some(channel) = running.channel.take() {
                self.release(channel, true);
            }
            self.advance(Outcome::Transferred { bytes });
            return;
        }
        let seconds = self.config.timeouts.data_idle.as_secs();
        let message = if final_ok {
            format!("the server confirmed the transfer but its data connection stayed open for {seconds} s")
        } else {
            format!("the data connection was idle for {seconds} s after {} bytes", transfer.bytes)
        };
        self.abort_transfer(Error::new(ErrorKind::Timeout, message));
        self.start_next();
    }

    /// Aborts the running transfer: reset the data connection, send ABOR and a NOOP,
    /// and discard replies until that NOOP answers (servers differ on whether ABOR
    /// gets one reply or a 426 then a 226), then fail the operation with `error`.
    pub(super) fn abort_transfer(&mut self, error: Error) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, false);
        }
        let keepalives = self.pending.iter().filter(|e| **e == Expect::Keepalive).count() as u32;
        if let Some(running) = self.current.as_mut() {
            running.drain = Some((keepalives + 1, error));
        }
        self.pending.clear();
        self.send(Command::Abor, Expect::Drain);
        self.pending.clear();
        self.send(Command::Noop, Expect::Drain);
    }
}

/// Why the byte count does not match what the server announced, if it does not.
fn size_mismatch(transfer: &Transfer) -> Option<String> {
    let bytes = transfer.bytes;
    if let Some(expected) = transfer.expected {
        if bytes != expected {
            return Some(format!("received {bytes} of {expected} bytes"));
        }
        return None;
    }
    match transfer.announced {
        Some(announced) if bytes != announced && bytes + transfer.offset != announced => {
            Some(format!("received {bytes} bytes but the server announced {announced}"))
        }
        _ => None,
    }
}
