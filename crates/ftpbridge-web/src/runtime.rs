//! The runtime behind an `FtpClient`: the driver (the engine with its TLS layer), the
//! wire crate's socket table, the WebSocket to the relay and one timer, driven by the
//! browser's event loop.
//!
//! Every input (a WebSocket message, the timer, a call from JavaScript) borrows the
//! runtime, feeds the session, and loops until neither the session nor the socket
//! table has anything left; JavaScript callbacks (log, progress) run only after the
//! borrow ends, so they may call back into the client.

use crate::js;
use ftpbridge_driver::relay::{self, RelayEvent};
use ftpbridge_driver::{Driver, Input, Trust};
use ftpbridge_engine::listing::Entry;
use ftpbridge_engine::{
    Config, Error, ErrorKind, Event, Instant, LogLine, OpId, Output, ServerInfo, SocketId, Value,
};
use ftpbridge_wire::{CloseReason, SocketEvent, Sockets};
use futures_channel::oneshot;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::task::Waker;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// A download's bytes on their way to a `ReadableStream`.
#[derive(Default)]
pub struct DownloadShared {
    /// Received chunks, each with the socket and the bytes of it (ciphertext, in TLS)
    /// to credit when the page takes it.
    pub chunks: VecDeque<(SocketId, Vec<u8>, usize)>,
    /// Set when the operation ended.
    pub end: Option<Result<(), Error>>,
    /// The stream's reader waits here.
    pub waker: Option<Waker>,
    /// The file's size, when known.
    pub total: Option<u64>,
    /// Where the transfer started in the file.
    pub offset: u64,
}

/// An upload's state, shared with the task that feeds it.
#[derive(Default)]
pub struct UploadShared {
    /// Where to start reading and the data socket, once the server is ready.
    pub ready: Option<(u64, SocketId)>,
    /// Set when the operation ended.
    pub end: Option<Result<u64, Error>>,
    /// The feeding task waits here.
    pub waker: Option<Waker>,
}

/// What an operation's result feeds.
enum Waiter {
    Call(oneshot::Sender<Result<Value, Error>>),
    List(Vec<Entry>, oneshot::Sender<Result<Vec<Entry>, Error>>),
    Download(Rc<RefCell<DownloadShared>>),
    Upload(Rc<RefCell<UploadShared>>),
}

/// JavaScript to call once the runtime is no longer borrowed.
enum Effect {
    Log(LogLine),
}

/// Resolves when login finished (or failed).
pub type Login = oneshot::Receiver<Result<ServerInfo, Error>>;

/// See the module docs.
pub struct Runtime {
    pub driver: Driver,
    sockets: Sockets<SocketId>,
    ws: WebSocket,
    ws_open: bool,
    /// Frames produced before the WebSocket opened.
    outbox: VecDeque<Vec<u8>>,
    origin: f64,
    /// The armed browser timer and the deadline it was armed for.
    timer: Option<(Instant, gloo_timers::callback::Timeout)>,
    waiters: HashMap<OpId, Waiter>,
    ready: Option<oneshot::Sender<Result<ServerInfo, Error>>>,
    pub log: Option<js_sys::Function>,
    pub closed: Option<Error>,
    /// The socket whose bytes the session is reading right now, and whether a
    /// download took them (then they are credited when the page reads them).
    feeding: Option<(SocketId, bool)>,
    /// The chunk of a download that the bytes being read ended in: the bytes are
    /// credited when the page takes it.
    fed_chunk: Option<Rc<RefCell<DownloadShared>>>,
    /// An upload task waiting for room on its socket.
    writable: Option<Waker>,
    effects: Vec<Effect>,
    me: Weak<RefCell<Runtime>>,
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// The bytes the browser may hold unsent in the WebSocket before uploads wait.
pub const WS_BUFFER_LIMIT: u32 = 8 * 1024 * 1024;

impl Runtime {
    /// Opens the WebSocket and starts the session; the receiver resolves at login.
    /// `log`, when given, gets the transcript from the first line (the greeting, the
    /// login), which a callback set after `connect` resolved would miss.
    pub fn start(
        relay: &str,
        ticket: Option<&str>,
        config: Config,
        trust: Trust,
        log: Option<js_sys::Function>,
    ) -> Result<(Rc<RefCell<Runtime>>, Login), Error> {
        let protocols = js_sys::Array::of1(&JsValue::from_str(ftpbridge_wire::SUBPROTOCOL));
        if let Some(ticket) = ticket {
            protocols.push(&JsValue::from_str(&format!("ticket.{ticket}")));
        }
        let ws = WebSocket::new_with_str_sequence(relay, &protocols).map_err(|e| {
            Error::new(ErrorKind::InvalidInput, format!("cannot open {relay}: {}", js::describe(&e)))
                .with_detail("relay_url")
        })?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let origin = js::now();
        let (ready_tx, ready_rx) = oneshot::channel();
        let runtime = Rc::new_cyclic(|me: &Weak<RefCell<Runtime>>| {
            RefCell::new(Runtime {
                driver: Driver::new(config, trust, Instant::ZERO),
                sockets: Sockets::new(),
                ws,
                ws_open: false,
                outbox: VecDeque::new(),
                origin,
                timer: None,
                waiters: HashMap::new(),
                ready: Some(ready_tx),
                log,
                closed: None,
                feeding: None,
                fed_chunk: None,
                writable: None,
                effects: Vec::new(),
                me: me.clone(),
                handlers: Vec::new(),
            })
        });
        Runtime::attach(&runtime);
        Runtime::run(&runtime, |_| {});
        Ok((runtime, ready_rx))
    }

    /// Installs the WebSocket handlers; they hold only weak references.
    fn attach(runtime: &Rc<RefCell<Runtime>>) {
        let weak = Rc::downgrade(runtime);
        let on_open = {
            let weak = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(rt) = weak.upgrade() {
                    Runtime::run(&rt, |rt| {
                        rt.ws_open = true;
                        while let Some(frame) = rt.outbox.pop_front() {
                            let _ = rt.ws.send_with_u8_array(&frame);
                        }
                    });
                }
            })
        };
        let on_message = {
            let weak = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(rt) = weak.upgrade() else { return };
                let Ok(event) = event.dyn_into::<MessageEvent>() else { return };
                let data = event.data();
                let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() else {
                    Runtime::run(&rt, |rt| {
                        rt.lose_relay("relay_protocol", "the relay sent a text message".into())
                    });
                    return;
                };
                let bytes = js_sys::Uint8Array::new(buffer).to_vec();
                Runtime::run(&rt, move |rt| {
                    if let Err(error) = rt.sockets.handle_message(&bytes) {
                        rt.lose_relay("relay_protocol", format!("the relay broke the protocol: {error}"));
                    }
                });
            })
        };
        let on_close = {
            let weak = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let Some(rt) = weak.upgrade() else { return };
                let (detail, why) = match event.dyn_into::<CloseEvent>() {
                    Ok(close) => {
                        let detail = relay::close_code_detail(Some(close.code()));
                        let why = match (close.code(), close.reason()) {
                            (1008, _) => "the relay refused this page or this server (policy)".to_string(),
                            (1001, _) => "the relay is shutting down".to_string(),
                            (code, reason) if !reason.is_empty() => {
                                format!("the relay closed the connection ({code} {reason})")
                            }
                            (code, _) => format!("the relay connection closed (code {code})"),
                        };
                        (detail, why)
                    }
                    Err(_) => (relay::close_code_detail(None), "the relay connection closed".to_string()),
                };
                Runtime::run(&rt, |rt| rt.lose_relay(detail, why));
            })
        };
        let rt = runtime.borrow();
        rt.ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        rt.ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        rt.ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        drop(rt);
        runtime.borrow_mut().handlers = vec![on_open, on_message, on_close];
    }

    /// Runs `f` on the runtime, then everything it set in motion, then the effects.
    pub fn run(runtime: &Rc<RefCell<Runtime>>, f: impl FnOnce(&mut Runtime) + 'static) {
        let effects = {
            let Ok(mut rt) = runtime.try_borrow_mut() else {
                // Re-entered from a callback: do it once the current turn ends.
                let weak = Rc::downgrade(runtime);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(rt) = weak.upgrade() {
                        Runtime::run(&rt, f);
                    }
                });
                return;
            };
            f(&mut rt);
            rt.settle();
            std::mem::take(&mut rt.effects)
        };
        let log = runtime.borrow().log.clone();
        for effect in effects {
            match effect {
                Effect::Log(line) => {
                    if let Some(callback) = &log {
                        let _ = callback.call1(&JsValue::NULL, &js::log_line(&line));
                    }
                }
            }
        }
    }

    /// The session's clock: milliseconds since the runtime started.
    pub fn now(&self) -> Instant {
        Instant::from_millis((js::now() - self.origin).max(0.0) as u64)
    }

    /// Loops until the session and the socket table are both quiet, then arms the timer.
    fn settle(&mut self) {
        loop {
            let mut busy = false;
            while let Some(output) = self.driver.poll_output() {
                busy = true;
                self.carry_out(output);
            }
            while let Some(frame) = self.sockets.poll_transmit() {
                busy = true;
                if !self.ws_open {
                    self.outbox.push_back(frame);
                } else if self.ws.ready_state() == WebSocket::OPEN {
                    let _ = self.ws.send_with_u8_array(&frame);
                }
                // Closing or closed: nobody is left to read the frame (and sending
                // would make the browser log an error).
            }
            while let Some(event) = self.sockets.poll_event() {
                busy = true;
                self.socket_event(event);
            }
            if !busy {
                break;
            }
        }
        self.arm_timer();
    }

    /// Keeps one browser timer at or before the session's next deadline. A deadline
    /// that moved later (data keeps arriving) keeps the armed timer: when it fires
    /// early, nothing is due and it is armed again. That saves two JavaScript calls per
    /// received frame.
    fn arm_timer(&mut self) {
        let Some(due) = self.driver.poll_timeout() else {
            self.timer = None;
            return;
        };
        if let Some((armed, _)) = &self.timer
            && *armed <= due
        {
            return;
        }
        let wait = due.saturating_since(self.now()).as_millis().min(u128::from(u32::MAX)) as u32;
        let weak = self.me.clone();
        let timeout = gloo_timers::callback::Timeout::new(wait, move || {
            if let Some(rt) = weak.upgrade() {
                Runtime::run(&rt, |rt| {
                    rt.timer = None;
                    let now = rt.now();
                    rt.driver.handle_timeout(now);
                });
            }
        });
        self.timer = Some((due, timeout));
    }

    fn carry_out(&mut self, output: Output) {
        match output {
            Output::Connect { socket, host, port, .. } => self.sockets.open(socket, &host.to_string(), port),
            Output::Listen { socket, .. } => self.sockets.listen(socket),
            Output::Send { socket, data } => self.sockets.send(socket, data),
            Output::Shutdown { socket } => self.sockets.shutdown(socket),
            Output::Close { socket } => self.sockets.close(socket),
            Output::Reset { socket } => self.sockets.reset(socket),
            // The driver does TLS itself; this never comes out of it.
            Output::StartTls { .. } => {}
            Output::Event(event) => self.event(event),
        }
    }

    fn socket_event(&mut self, event: SocketEvent<SocketId>) {
        let now = self.now();
        match relay::translate(event) {
            RelayEvent::Input(Input::Data { socket, data }) => {
                let n = data.len();
                self.feeding = Some((socket, false));
                self.driver.handle(now, Input::Data { socket, data });
                // Drain now, so a download can claim these bytes before they are credited.
                while let Some(output) = self.driver.poll_output() {
                    self.carry_out(output);
                }
                match (self.feeding.take(), self.fed_chunk.take()) {
                    (Some((_, true)), Some(shared)) => {
                        // Credited when the page takes the last chunk they made.
                        if let Some(last) = shared.borrow_mut().chunks.back_mut() {
                            last.2 += n;
                        }
                    }
                    _ => self.sockets.consumed(socket, n),
                }
            }
            RelayEvent::Input(Input::Writable) => {
                if let Some(waker) = self.writable.take() {
                    waker.wake();
                }
            }
            RelayEvent::Input(input) => self.driver.handle(now, input),
            RelayEvent::SessionReset(reason) => {
                let detail = relay::session_reset_detail(reason);
                self.lose_relay(detail, format!("the relay ended the session: {reason}"))
            }
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Ready(info) => {
                if let Some(ready) = self.ready.take() {
                    let _ = ready.send(Ok(info));
                }
            }
            Event::Closed { error } => {
                let error = error.unwrap_or_else(|| Error::new(ErrorKind::Closed, "the session is closed"));
                if let Some(ready) = self.ready.take() {
                    let _ = ready.send(Err(error.clone()));
                }
                self.closed = Some(error);
                let _ = self.ws.close();
            }
            Event::Log(line) => self.effects.push(Effect::Log(line)),
            Event::Data { op, data } => {
                if let Some(Waiter::Download(download)) = self.waiters.get(&op) {
                    let Some((socket, taken)) = self.feeding.as_mut() else { return };
                    *taken = true;
                    self.fed_chunk = Some(download.clone());
                    let mut shared = download.borrow_mut();
                    let was_empty = shared.chunks.is_empty();
                    shared.chunks.push_back((*socket, data, 0));
                    if let Some(waker) = shared.waker.take() {
                        waker.wake();
                    }
                    drop(shared);
                    if was_empty {
                        // Until the page takes these bytes, the page holds the transfer
                        // up, not the server.
                        let now = self.now();
                        self.driver.handle_local_stall(now, true);
                    }
                }
            }
            Event::Entries { op, entries } => {
                if let Some(Waiter::List(all, _)) = self.waiters.get_mut(&op) {
                    all.extend(entries);
                }
            }
            Event::TransferStarted { op, size, offset } => {
                if let Some(Waiter::Download(shared)) = self.waiters.get(&op) {
                    let mut shared = shared.borrow_mut();
                    shared.total = size;
                    shared.offset = offset;
                }
            }
            Event::UploadReady { op, offset, socket } => {
                if let Some(Waiter::Upload(shared)) = self.waiters.get(&op) {
                    let mut shared = shared.borrow_mut();
                    shared.ready = Some((offset, socket));
                    if let Some(waker) = shared.waker.take() {
                        waker.wake();
                    }
                }
            }
            Event::Done { op, value } => self.finish(op, Ok(value)),
            Event::Failed { op, error } => self.finish(op, Err(error)),
        }
    }

    fn finish(&mut self, op: OpId, result: Result<Value, Error>) {
        match self.waiters.remove(&op) {
            Some(Waiter::Call(tx)) => {
                let _ = tx.send(result);
            }
            Some(Waiter::List(entries, tx)) => {
                let _ = tx.send(result.map(|_| entries));
            }
            Some(Waiter::Download(shared)) => {
                let mut shared = shared.borrow_mut();
                shared.end = Some(result.map(|_| ()));
                if let Some(waker) = shared.waker.take() {
                    waker.wake();
                }
            }
            Some(Waiter::Upload(shared)) => {
                let mut shared = shared.borrow_mut();
                shared.end = Some(result.map(|value| match value {
                    Value::Transferred { bytes } => bytes,
                    _ => 0,
                }));
                if let Some(waker) = shared.waker.take() {
                    waker.wake();
                }
                // A feed waiting for room must hear that there is nothing left to feed.
                if let Some(waker) = self.writable.take() {
                    waker.wake();
                }
            }
            None => {}
        }
    }

    /// Whether the upload `op` still runs (it may take more bytes).
    pub fn upload_running(&self, op: OpId) -> bool {
        self.closed.is_none() && matches!(self.waiters.get(&op), Some(Waiter::Upload(_)))
    }

    /// The WebSocket is gone: every socket fails, so the session closes with `why`.
    fn lose_relay(&mut self, detail: &'static str, why: String) {
        let now = self.now();
        self.sockets.fail_all(CloseReason::NetworkError);
        while let Some(event) = self.sockets.poll_event() {
            if let SocketEvent::Reset { key, .. } = event {
                let error = relay::relay_gone(detail, why.clone());
                self.driver.handle(now, Input::Error { socket: key, error });
            }
        }
        if !self.driver.session().is_closed() {
            self.driver.session_mut(now).close(now);
        }
        if self.closed.is_none() {
            self.closed = Some(Error::new(ErrorKind::Connection, why).with_detail(detail));
        }
    }

    /// Registers a plain operation; the receiver gets its result.
    pub fn call(&mut self, op: OpId) -> oneshot::Receiver<Result<Value, Error>> {
        let (tx, rx) = oneshot::channel();
        self.waiters.insert(op, Waiter::Call(tx));
        rx
    }

    /// Registers a listing.
    pub fn list(&mut self, op: OpId) -> oneshot::Receiver<Result<Vec<Entry>, Error>> {
        let (tx, rx) = oneshot::channel();
        self.waiters.insert(op, Waiter::List(Vec::new(), tx));
        rx
    }

    /// Registers a download.
    pub fn download(&mut self, op: OpId, shared: Rc<RefCell<DownloadShared>>) {
        self.waiters.insert(op, Waiter::Download(shared));
    }

    /// Registers an upload.
    pub fn upload(&mut self, op: OpId, shared: Rc<RefCell<UploadShared>>) {
        self.waiters.insert(op, Waiter::Upload(shared));
    }

    /// `n` downloaded bytes of `socket` reached the page: the relay may send more.
    pub fn consumed(&mut self, socket: SocketId, n: usize) {
        self.sockets.consumed(socket, n);
    }

    /// The page took every waiting byte of a download: the transfer waits on the
    /// server again.
    pub fn caught_up(&mut self) {
        let now = self.now();
        self.driver.handle_local_stall(now, false);
    }

    /// Whether an upload may put more bytes on `socket` now; if not, `waker` is woken
    /// when it may (or the caller polls again after a short wait for the browser's own
    /// WebSocket buffer, which has no drain event).
    pub fn upload_room(&mut self, socket: SocketId, waker: &Waker) -> Room {
        if !self.sockets.can_send(socket) {
            self.writable = Some(waker.clone());
            return Room::WaitForCredit;
        }
        if self.ws.buffered_amount() > WS_BUFFER_LIMIT {
            return Room::WaitForBrowser;
        }
        Room::Ready
    }

    /// Closes the WebSocket.
    pub fn close_socket(&self) {
        let _ = self.ws.close();
    }
}

/// Whether an upload may send now.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// Yes.
    Ready,
    /// The relay's credit is used up: wait for the waker.
    WaitForCredit,
    /// The browser's WebSocket buffer is full: wait a moment.
    WaitForBrowser,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
