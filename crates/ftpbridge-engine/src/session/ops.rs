//! The queue of operations: each runs alone, in the order it was queued, and ends with
//! exactly one `Done` or `Failed`; a broken control connection fails them all and
//! closes the session.

use super::replies::Expect;
use super::task::{Action, Outcome, Task, TaskContext};
use super::{Phase, Running, Session};
use crate::Reply;
use crate::command::{Command, check_argument};
use crate::error::{Error, ErrorKind};
use crate::event::{Event, OpId, Output, RemotePath, SocketId, Value};

impl Session {
    pub(super) fn allocate_op(&mut self) -> OpId {
        let id = OpId(self.next_op);
        self.next_op += 1;
        id
    }

    pub(super) fn allocate_socket(&mut self) -> SocketId {
        let id = SocketId(self.next_socket);
        self.next_socket += 1;
        id
    }

    /// Encodes a path for the wire, refusing what could inject a command.
    pub(super) fn encode(&self, path: &RemotePath) -> Result<Vec<u8>, Error> {
        let bytes = match path {
            RemotePath::Bytes(bytes) => bytes.clone(),
            RemotePath::Text(text) => match self.config.encoding.encode(text) {
                Some(bytes) => bytes.into_owned(),
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "{text:?} has characters that {} cannot represent",
                            self.config.encoding.name()
                        ),
                    )
                    .with_detail("unencodable"));
                }
            },
        };
        if bytes.is_empty() {
            return Err(Error::new(ErrorKind::InvalidInput, "the path is empty").with_detail("empty_path"));
        }
        check_argument(&bytes).map_err(|c| {
            Error::new(ErrorKind::InvalidInput, format!("a path cannot contain {c:?}"))
                .with_detail("line_break")
        })?;
        Ok(bytes)
    }

    pub(super) fn queue_with_path(&mut self, path: RemotePath, task: impl FnOnce(Vec<u8>) -> Task) -> OpId {
        let id = self.allocate_op();
        match self.encode(&path) {
            Ok(path) => self.enqueue(id, task(path)),
            Err(error) => self.reject(id, error),
        }
        id
    }

    pub(super) fn queue_with_optional_path(
        &mut self,
        path: Option<RemotePath>,
        task: impl FnOnce(Option<Vec<u8>>) -> Task,
    ) -> OpId {
        let id = self.allocate_op();
        match path.map(|p| self.encode(&p)).transpose() {
            Ok(path) => self.enqueue(id, task(path)),
            Err(error) => self.reject(id, error),
        }
        id
    }

    pub(super) fn simple(
        &mut self,
        path: RemotePath,
        command: fn(Vec<u8>) -> Command,
        what: &'static str,
        on_success: fn(&Reply, &mut TaskContext) -> Value,
    ) -> OpId {
        self.queue_with_path(path, |path| Task::Simple { command: Some(command(path)), what, on_success })
    }

    pub(super) fn reject(&mut self, op: OpId, error: Error) {
        self.emit(Event::Failed { op, error });
    }

    pub(super) fn enqueue(&mut self, id: OpId, task: Task) {
        if self.phase == Phase::Closed {
            self.emit(Event::Failed {
                op: id,
                error: Error::new(ErrorKind::Closed, "the session is closed"),
            });
            return;
        }
        self.queue.push_back((id, task));
        self.start_next();
    }

    /// Starts the next queued operation when nothing runs. Replies still owed
    /// (keep-alives) are read first: the queue of owed replies keeps them apart.
    pub(super) fn start_next(&mut self) {
        if self.phase != Phase::Ready || self.current.is_some() {
            return;
        }
        let Some((id, task)) = self.queue.pop_front() else {
            return;
        };
        self.current =
            Some(Running { id, task, channel: None, transfer: None, cancelled: false, drain: None });
        self.advance(Outcome::Start);
    }

    /// The context a task step may read and change.
    pub(super) fn with_task<R>(
        &mut self,
        running: &mut Running,
        step: impl FnOnce(&mut Task, &mut TaskContext) -> R,
    ) -> (R, Vec<ftpbridge_listing::Entry>) {
        let mut entries = Vec::new();
        let mut cx = TaskContext {
            features: &self.features,
            use_mlsd: self.config.use_mlsd,
            mlsd_refused: &mut self.mlsd_refused,
            verify_upload_size: self.config.verify_upload_size,
            encoding: self.config.encoding,
            cwd: &mut self.cwd,
            binary: &mut self.binary,
            max_listing_bytes: self.config.max_listing_bytes,
            entries: &mut entries,
        };
        let result = step(&mut running.task, &mut cx);
        (result, entries)
    }

    /// Gives the task what happened and carries out what it asks next.
    pub(super) fn advance(&mut self, outcome: Outcome) {
        let Some(mut running) = self.current.take() else {
            return;
        };
        let (action, entries) = self.with_task(&mut running, |task, cx| task.step(outcome, cx));
        let id = running.id;
        self.current = Some(running);
        if !entries.is_empty() {
            self.emit(Event::Entries { op: id, entries });
        }
        self.run(action);
    }

    pub(super) fn run(&mut self, action: Action) {
        match action {
            Action::Send(command) => self.send(command, Expect::Task),
            Action::OpenData => self.open_channel(),
            Action::Transfer(spec) => self.start_transfer(spec),
            Action::Done(value) => self.finish(Ok(value)),
            Action::Fail(error) => self.finish(Err(error)),
        }
    }

    /// The machinery failed the running operation: drop its data channel and let the
    /// task clean up.
    pub(super) fn fail_op(&mut self, error: Error) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, false);
        }
        let action = match self.current.as_mut() {
            Some(running) => running.task.on_failure(error),
            None => return,
        };
        self.run(action);
    }

    /// The running operation ended.
    pub(super) fn finish(&mut self, result: Result<Value, Error>) {
        let Some(running) = self.current.take() else {
            return;
        };
        if let Some(channel) = running.channel {
            self.release(channel, result.is_ok());
        }
        let quit = running.task.is_quit();
        match result {
            Ok(value) => self.emit(Event::Done { op: running.id, value }),
            Err(error) => self.emit(Event::Failed { op: running.id, error }),
        }
        if quit {
            self.shut_down(None, Error::new(ErrorKind::Closed, "the session was closed (QUIT)"));
            return;
        }
        self.start_next();
    }

    /// Cancels `op`: dropped from the queue, or aborted while it runs.
    pub(super) fn abort_op(&mut self, op: OpId) {
        if let Some(index) = self.queue.iter().position(|(id, _)| *id == op) {
            self.queue.remove(index);
            self.emit(Event::Failed { op, error: Error::new(ErrorKind::Aborted, "cancelled") });
            return;
        }
        let Some(running) = self.current.as_mut() else {
            return;
        };
        if running.id != op || running.drain.is_some() || running.task.is_quit() {
            return;
        }
        let aborted = Error::new(ErrorKind::Aborted, "cancelled");
        if running.transfer.is_some() {
            self.abort_transfer(aborted);
        } else if self.pending.iter().any(|owed| matches!(owed.expect, Expect::Task | Expect::Channel)) {
            running.cancelled = true;
        } else {
            // Waiting on a data connection only: nothing is owed on the control connection.
            self.fail_op(aborted);
        }
        self.start_next();
    }

    /// A broken control connection: everything fails with `error` and the session closes.
    pub(super) fn fail_session(&mut self, error: Error) {
        self.shut_down(Some(error.clone()), error);
    }

    /// Closes every socket, fails what is running or queued with `op_error`, and
    /// reports the close with `reason`.
    pub(super) fn shut_down(&mut self, reason: Option<Error>, op_error: Error) {
        if self.phase == Phase::Closed {
            return;
        }
        let abrupt = reason.is_some();
        self.phase = Phase::Closed;
        if let Some(running) = self.current.take() {
            if let Some(channel) = running.channel {
                self.release(channel, false);
            }
            self.emit(Event::Failed { op: running.id, error: op_error.clone() });
        }
        while let Some((op, _)) = self.queue.pop_front() {
            self.emit(Event::Failed { op, error: op_error.clone() });
        }
        self.outputs.push_back(if abrupt {
            Output::Reset { socket: SocketId::CONTROL }
        } else {
            Output::Close { socket: SocketId::CONTROL }
        });
        self.pending.clear();
        self.timers.stop_all();
        self.emit(Event::Closed { error: reason });
    }
}
