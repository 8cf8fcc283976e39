//! Running a transfer: the 1xx/final replies, the bytes on the data channel, and
//! the rule that a transfer is complete only when the data reached EOF, the server
//! confirmed it, and the byte count matches the size the server announced.
//!
//! Its deadlines measure silence (see `timer.rs`): while the data moves, the data
//! deadline restarts with every byte received, or every byte the transport reports
//! sent ([`Session::handle_sent`]); an upload's source that has nothing yet, or a
//! download's sink that is slow ([`Session::handle_local_stall`]), stops the clock.
//! The final reply is due only once the data is done.

use super::Session;
use super::channel::Channel;
use super::replies::Expect;
use super::task::{Direction, Outcome, TransferSpec};
use super::timer::Timer;
use crate::Reply;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, SocketId};
use crate::parse;

/// The state of the running transfer.
pub(super) struct Transfer {
    pub direction: Direction,
    /// Bytes this transfer should move, when known from SIZE or MLST.
    pub expected: Option<u64>,
    pub offset: u64,
    /// A range download stops after this many bytes.
    pub limit: Option<u64>,
    /// The transfer command, for messages.
    pub command: String,
    /// A 1xx reply arrived.
    pub preliminary: bool,
    /// The `(N bytes)` of the 1xx reply.
    pub announced: Option<u64>,
    pub final_reply: Option<Reply>,
    /// Bytes received (download, listing) or given to the transport (upload).
    pub bytes: u64,
    /// Upload bytes the transport reported sent.
    pub sent: u64,
    pub upload_ready_sent: bool,
    pub upload_finished: bool,
    /// The local side holds the transfer up (a slow sink).
    pub local_stall: bool,
}

impl Transfer {
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
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = Some(Transfer {
            direction: spec.direction,
            expected: spec.expected,
            offset: spec.offset,
            limit: spec.limit,
            command: spec.command.to_log(),
            preliminary: false,
            announced: None,
            final_reply: None,
            bytes: 0,
            sent: 0,
            upload_ready_sent: false,
            upload_finished: false,
            local_stall: false,
        });
        self.timers.set(Timer::DataIdle, self.now + self.config.timeouts.data_idle);
        self.send(spec.command, Expect::Transfer);
    }

    /// Whether the running transfer's data is still moving (its final reply is not due).
    pub(super) fn transfer_moving(&self) -> bool {
        self.current
            .as_ref()
            .and_then(|r| r.transfer.as_ref().map(|t| !t.data_done(r.channel.as_ref())))
            .unwrap_or(false)
    }

    /// Upload bytes given but not yet sent, while an upload runs.
    pub(super) fn transfer_left_to_send(&self) -> Option<u64> {
        let transfer = self.current.as_ref()?.transfer.as_ref()?;
        (transfer.direction == Direction::Upload).then(|| transfer.bytes.saturating_sub(transfer.sent))
    }

    /// Which of the data deadline and the keep-alive should run now.
    pub(super) fn transfer_watch(&self) -> (bool, bool) {
        let Some(running) = self.current.as_ref() else { return (false, false) };
        let Some(transfer) = running.transfer.as_ref() else { return (false, false) };
        let channel = running.channel.as_ref();
        let done = transfer.data_done(channel);
        let keepalive = transfer.preliminary && !done;
        let watch = if done {
            // After the data, only an upload the server confirmed waits on the data
            // connection: for the server to close its side (TLS sends tickets then).
            transfer.direction == Direction::Upload
                && transfer.final_reply.as_ref().is_some_and(Reply::is_completion)
                && channel.is_some_and(|c| !c.eof && c.error.is_none())
        } else if transfer.local_stall {
            false
        } else {
            match transfer.direction {
                // Before the 1xx the server owes the start; after it, only bytes given
                // and not yet taken wait for the server.
                Direction::Upload => !transfer.upload_ready_sent || transfer.bytes > transfer.sent,
                Direction::Download | Direction::Listing => true,
            }
        };
        (watch, keepalive)
    }

    /// The data deadline starts again: the server showed life on the data side.
    fn data_alive(&mut self) {
        self.timers.set(Timer::DataIdle, self.now + self.config.timeouts.data_idle);
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
            self.data_alive();
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
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let op = running.id;
        let connected = running.channel.as_ref().is_some_and(|c| c.connected && c.secured);
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
            let offset = transfer.offset;
            self.emit(Event::UploadReady { op, offset, socket });
        }
    }

    /// Bytes on a data socket.
    pub(super) fn transfer_data(&mut self, socket: SocketId, data: impl Into<Vec<u8>> + AsRef<[u8]>) {
        let Some(mut running) = self.current.take() else {
            return;
        };
        let mine = running.channel.as_ref().is_some_and(|c| c.socket == socket);
        let Some(transfer) = running.transfer.as_mut().filter(|_| mine) else {
            self.current = Some(running);
            return;
        };
        let n = data.as_ref().len() as u64;
        if let (Direction::Download, Some(expected)) = (transfer.direction, transfer.expected)
            && transfer.offset > 0
            && transfer.bytes + n > expected
        {
            // More than what is left after the restart offset: the server sent the file
            // from its start. Nothing more of it goes to the user.
            let offset = transfer.offset;
            self.current = Some(running);
            let message = format!(
                "the server accepted the restart at byte {offset} but sent more than the {expected} bytes \
                 left after it: it ignored the restart offset and sent the file from its start, so only \
                 the first {offset} bytes of the local copy are good and this server cannot resume downloads"
            );
            self.abort_transfer(Error::new(ErrorKind::RestartIgnored, message).with_valid_length(offset));
            return;
        }
        if let (Direction::Download, Some(limit)) = (transfer.direction, transfer.limit)
            && transfer.bytes + n >= limit
        {
            // The range is whole: the rest of the file is not wanted. The data
            // connection is reset and the transfer aborted; the range succeeds once the
            // abort's replies are drained and the session is in step again.
            let wanted = (limit - transfer.bytes) as usize;
            let mut data: Vec<u8> = data.into();
            data.truncate(wanted);
            transfer.bytes = limit;
            let op = running.id;
            running.transfer = None;
            let channel = running.channel.take();
            self.current = Some(running);
            if !data.is_empty() {
                self.emit(Event::Data { op, data });
            }
            if let Some(channel) = channel {
                self.release(channel, false);
            }
            self.start_drain(Ok(crate::event::Value::Transferred { bytes: limit }));
            return;
        }
        transfer.bytes += n;
        let total = transfer.bytes;
        let mut entries = Vec::new();
        let mut over = Ok(());
        match transfer.direction {
            Direction::Download => self.emit(Event::Data { op: running.id, data: data.into() }),
            Direction::Listing => {
                (over, entries) =
                    self.with_task(&mut running, |task, cx| task.on_listing_data(data.as_ref(), total, cx));
            }
            Direction::Upload => {}
        }
        let op = running.id;
        self.current = Some(running);
        if !entries.is_empty() {
            self.emit(Event::Entries { op, entries });
        }
        if let Err(error) = over {
            self.abort_transfer(error);
            return;
        }
        self.data_alive();
    }

    /// Upload bytes were given to the transport.
    pub(super) fn transfer_given(&mut self, n: u64) {
        if let Some(transfer) = self.current.as_mut().and_then(|r| r.transfer.as_mut()) {
            transfer.bytes += n;
        }
    }

    /// Every upload byte was given.
    pub(super) fn transfer_finished_giving(&mut self) {
        if let Some(transfer) = self.current.as_mut().and_then(|r| r.transfer.as_mut()) {
            transfer.upload_finished = true;
        }
        self.check_transfer();
    }

    /// The transport reports upload bytes sent on `socket`.
    pub(super) fn transfer_sent(&mut self, socket: SocketId, n: u64) {
        let Some(running) = self.current.as_mut() else { return };
        if running.channel.as_ref().is_none_or(|c| c.socket != socket) {
            return;
        }
        let Some(transfer) = running.transfer.as_mut() else { return };
        if transfer.direction != Direction::Upload || n == 0 {
            return;
        }
        transfer.sent = (transfer.sent + n).min(transfer.bytes);
        let finished = transfer.upload_finished;
        self.data_alive();
        if finished && self.front_expect() == Some(Expect::Transfer) {
            // The server is still taking the last bytes: not silent.
            self.timers.set(Timer::Reply, self.now + self.config.timeouts.reply);
        }
    }

    /// The local side holds the transfer up, or no longer does.
    pub(super) fn transfer_local_stall(&mut self, stalled: bool) {
        let Some(transfer) = self.current.as_mut().and_then(|r| r.transfer.as_mut()) else { return };
        if transfer.local_stall == stalled {
            return;
        }
        transfer.local_stall = stalled;
        if !stalled {
            self.data_alive();
        }
    }

    /// A listing's data ended: its last line may have had no line ending.
    pub(super) fn listing_end(&mut self) {
        let Some(mut running) = self.current.take() else {
            return;
        };
        let mut entries = Vec::new();
        if running.transfer.as_ref().is_some_and(|t| t.direction == Direction::Listing) {
            entries = self.with_task(&mut running, |task, cx| task.on_listing_end(cx)).1;
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
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let Some(transfer) = running.transfer.as_mut() else {
            return;
        };
        let channel = running.channel.as_ref();
        let data_done = transfer.data_done(channel);
        let Some(reply) = transfer.final_reply.clone() else {
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
                    // 226 before the data's EOF: wait for the EOF (the data deadline watches).
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
                if !eof && broken.is_none() {
                    // Keep reading until the server closes its side (TLS sends tickets
                    // then); the data deadline bounds the wait.
                    return;
                }
            }
        }
        self.end_transfer(bytes);
    }

    /// The transfer is complete: release its connection and tell the task.
    fn end_transfer(&mut self, bytes: u64) {
        let Some(running) = self.current.as_mut() else { return };
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, true);
        }
        self.advance(Outcome::Transferred { bytes });
    }

    /// The data deadline passed: the data side was silent for the whole limit.
    pub(super) fn transfer_timeout(&mut self) {
        let Some(running) = self.current.as_ref() else {
            return;
        };
        let Some(transfer) = running.transfer.as_ref() else {
            return;
        };
        let seconds = self.config.timeouts.data_idle.as_secs();
        let final_ok = transfer.final_reply.as_ref().is_some_and(Reply::is_completion);
        if final_ok && transfer.direction == Direction::Upload && transfer.upload_finished {
            // The server confirmed and holds the bytes; it just never closed its side.
            let bytes = transfer.bytes;
            self.end_transfer(bytes);
            return;
        }
        let bytes = transfer.bytes;
        let message = if final_ok {
            format!("the server confirmed the transfer but its data connection stayed open for {seconds} s")
        } else if !transfer.preliminary && bytes == 0 {
            format!(
                "the server did not start the transfer: no answer to {} within {seconds} s",
                transfer.command
            )
        } else if transfer.direction == Direction::Upload {
            format!("the server took no data for {seconds} s after {} bytes", transfer.sent)
        } else {
            format!("the data connection was idle for {seconds} s after {bytes} bytes")
        };
        self.abort_transfer(Error::new(ErrorKind::Timeout, message));
        self.start_next();
    }

    /// Aborts the running transfer: reset the data connection, send ABOR and a marker,
    /// and discard replies until the marker's (see `replies.rs`), then fail the
    /// operation with `error`.
    pub(super) fn abort_transfer(&mut self, error: Error) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, false);
        }
        self.start_drain(Err(error));
    }
}

/// Why the byte count does not match what the server announced, if it does not.
fn size_mismatch(transfer: &Transfer) -> Option<String> {
    let bytes = transfer.bytes;
    if let Some(limit) = transfer.limit {
        // A range that reached its limit has ended already: here, the data ended first.
        return Some(format!("the data ended after {bytes} of the range's {limit} bytes"));
    }
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
