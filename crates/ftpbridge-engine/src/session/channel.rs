//! Opening data channels: passive (EPSV, falling back to PASV) and active (EPRT,
//! falling back to PORT), and auto mode's switch from passive to active.

use super::Session;
use super::replies::Expect;
use super::timer::Timer;
use crate::Reply;
use crate::command::Command;
use crate::config::DataMode;
use crate::error::{Error, ErrorKind, SocketError};
use crate::event::{Host, Output, Purpose, SocketId};
use crate::parse;
use crate::session::task::{Direction, Outcome};
use core::net::{IpAddr, SocketAddr};

/// The data connection of the running operation.
pub(super) struct Channel {
    pub socket: SocketId,
    pub step: Step,
    /// Passive: connected. Active: the server's connection was accepted.
    pub connected: bool,
    /// The server finished sending (FIN).
    pub eof: bool,
    /// The connection failed after it opened.
    pub error: Option<SocketError>,
    /// Its TLS handshake finished, or it needs none (data not protected).
    pub secured: bool,
    /// Where a passive connection goes, for messages.
    pub target: String,
    /// The socket was already released (closed at the server's EOF).
    pub released: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Epsv,
    Pasv,
    Connecting,
    Listening,
    Eprt(SocketAddr),
    Port,
    Ready,
}

impl Channel {
    /// Whether the connection is still being opened (the open deadline runs).
    pub fn opening(&self) -> bool {
        matches!(self.step, Step::Connecting | Step::Listening)
    }
}

impl Session {
    /// Lets go of a data channel's socket: a graceful close, or an abort.
    pub(super) fn release(&mut self, channel: Channel, graceful: bool) {
        if channel.released {
            return;
        }
        let socket = channel.socket;
        self.outputs.push_back(if graceful { Output::Close { socket } } else { Output::Reset { socket } });
    }

    fn channel_mut(&mut self, socket: SocketId) -> Option<&mut Channel> {
        self.current.as_mut()?.channel.as_mut().filter(|c| c.socket == socket)
    }

    fn set_channel(&mut self, channel: Channel) {
        if let Some(running) = self.current.as_mut()
            && let Some(old) = running.channel.replace(channel)
        {
            self.release(old, false);
        }
    }

    /// Starts opening a data channel in the session's current mode.
    pub(super) fn open_channel(&mut self) {
        let active = match self.config.mode {
            DataMode::Passive => false,
            DataMode::Active => true,
            DataMode::Auto => self.active_fallback,
        };
        let socket = self.allocate_socket();
        let mut channel = Channel {
            socket,
            step: Step::Epsv,
            connected: false,
            eof: false,
            error: None,
            secured: !self.data_protected,
            target: String::new(),
            released: false,
        };
        if active {
            channel.step = Step::Listening;
            self.set_channel(channel);
            let peer = self.control_peer.map(|p| p.ip().to_canonical());
            self.outputs.push_back(Output::Listen { socket, peer });
        } else if !self.epsv_refused {
            self.set_channel(channel);
            self.send(Command::Epsv, Expect::Channel);
        } else if self.control_peer.is_some_and(|p| p.ip().to_canonical().is_ipv6()) {
            self.passive_failed(Error::new(
                ErrorKind::Rejected,
                "the server refused EPSV, and PASV cannot work over IPv6",
            ));
        } else {
            channel.step = Step::Pasv;
            self.set_channel(channel);
            self.send(Command::Pasv, Expect::Channel);
        }
    }

    /// The host passive data connections go to: the control connection's server.
    fn data_host(&self) -> Host {
        match self.control_peer {
            Some(peer) => Host::Ip(peer.ip().to_canonical()),
            None => Host::Name(self.config.host.clone()),
        }
    }

    fn connect_data(&mut self, host: Host, port: u16) {
        let Some(channel) = self.current.as_mut().and_then(|r| r.channel.as_mut()) else {
            return;
        };
        channel.step = Step::Connecting;
        channel.target = format!("{host}:{port}");
        let socket = channel.socket;
        self.outputs.push_back(Output::Connect { socket, host, port, purpose: Purpose::Data });
    }

    /// A reply to EPSV, PASV, EPRT or PORT.
    pub(super) fn channel_reply(&mut self, reply: Reply) {
        let cancelled = self.current.as_mut().map(|r| std::mem::take(&mut r.cancelled)).unwrap_or(false);
        if cancelled {
            self.fail_op(Error::new(ErrorKind::Aborted, "cancelled"));
            return;
        }
        let Some(step) = self.current.as_ref().and_then(|r| r.channel.as_ref()).map(|c| c.step) else {
            return;
        };
        match step {
            Step::Epsv => match reply.code() {
                229 => match parse::extended_passive_port(&reply) {
                    Ok(port) => self.connect_data(self.data_host(), port),
                    Err(e) => {
                        self.fail_op(Error::from_reply(e.to_string(), reply).with_kind(ErrorKind::Protocol))
                    }
                },
                500..=599 => {
                    self.epsv_refused = true;
                    self.note(format!("EPSV refused ({reply}); using PASV from now on"));
                    if let Some(channel) = self.current.as_mut().and_then(|r| r.channel.as_mut()) {
                        channel.step = Step::Pasv;
                    }
                    if self.control_peer.is_some_and(|p| p.ip().to_canonical().is_ipv6()) {
                        self.passive_failed(Error::from_reply(
                            "the server refused EPSV, and PASV cannot work over IPv6",
                            reply,
                        ));
                    } else {
                        self.send(Command::Pasv, Expect::Channel);
                    }
                }
                _ => self.passive_failed(Error::from_reply("the server refused passive mode (EPSV)", reply)),
            },
            Step::Pasv => match reply.code() {
                227 => {
                    match parse::passive_address(&reply) {
                        Ok((ip, port)) => {
                            let named = IpAddr::V4(ip);
                            let host = if self.config.trust_passive_address && !ip.is_unspecified() {
                                Host::Ip(named)
                            } else {
                                let host = self.data_host();
                                if host != Host::Ip(named) {
                                    self.note(format!("the server named {named} in its 227 reply; connecting to {host} instead"));
                                }
                                host
                            };
                            self.connect_data(host, port);
                        }
                        Err(e) => self
                            .fail_op(Error::from_reply(e.to_string(), reply).with_kind(ErrorKind::Protocol)),
                    }
                }
                _ => self.passive_failed(Error::from_reply("the server refused passive mode (PASV)", reply)),
            },
            Step::Eprt(addr) => match reply.code() {
                200..=299 => self.channel_ready(),
                500..=599 => {
                    self.eprt_refused = true;
                    match addr.ip().to_canonical() {
                        IpAddr::V4(v4) => {
                            self.note(format!("EPRT refused ({reply}); using PORT from now on"));
                            if let Some(channel) = self.current.as_mut().and_then(|r| r.channel.as_mut()) {
                                channel.step = Step::Port;
                            }
                            self.send(
                                Command::Port(SocketAddr::new(IpAddr::V4(v4), addr.port())),
                                Expect::Channel,
                            );
                        }
                        IpAddr::V6(_) => self.fail_op(Error::from_reply(
                            "the server refused EPRT, and PORT cannot work over IPv6",
                            reply,
                        )),
                    }
                }
                _ => self.fail_op(Error::from_reply("the server refused active mode (EPRT)", reply)),
            },
            Step::Port => match reply.code() {
                200..=299 => self.channel_ready(),
                _ => self.fail_op(Error::from_reply("the server refused active mode (PORT)", reply)),
            },
            Step::Connecting | Step::Listening | Step::Ready => {
                self.note(format!("ignoring an unexpected reply: {reply}"));
            }
        }
    }

    /// The channel can carry a transfer: tell the task.
    fn channel_ready(&mut self) {
        if let Some(channel) = self.current.as_mut().and_then(|r| r.channel.as_mut()) {
            channel.step = Step::Ready;
        }
        self.advance(Outcome::DataReady);
    }

    /// Passive mode failed: in auto mode switch to active, else fail the operation.
    fn passive_failed(&mut self, error: Error) {
        if let Some(channel) = self.current.as_mut().and_then(|r| r.channel.take()) {
            self.release(channel, false);
        }
        if self.config.mode == DataMode::Auto && !self.active_fallback {
            self.active_fallback = true;
            self.note(format!("passive mode failed ({error}); using active mode from now on"));
            self.open_channel();
        } else {
            self.fail_op(error);
        }
    }

    pub(super) fn channel_connected(&mut self, socket: SocketId) {
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        channel.connected = true;
        if !channel.secured {
            // Protected data: TLS as soon as it opens. The server may start its side
            // only once it has the transfer command (vsftpd does), so the command is
            // not held back for the handshake; an upload's bytes are.
            self.outputs.push_back(Output::StartTls { socket });
        }
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        if channel.step == Step::Connecting {
            self.channel_ready();
        } else {
            // The server connected to the active-mode listener: the transfer is alive.
            self.timers.set(Timer::DataIdle, self.now + self.config.timeouts.data_idle);
            self.transfer_progress();
        }
    }

    /// A data connection's TLS handshake finished: an upload may start.
    pub(super) fn channel_secured(&mut self, socket: SocketId) {
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        channel.secured = true;
        self.timers.set(Timer::DataIdle, self.now + self.config.timeouts.data_idle);
        self.transfer_progress();
    }

    pub(super) fn channel_listening(&mut self, socket: SocketId, advertise: SocketAddr) {
        let eprt_refused = self.eprt_refused;
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        if channel.step != Step::Listening {
            return;
        }
        if !eprt_refused {
            channel.step = Step::Eprt(advertise);
            self.send(Command::Eprt(advertise), Expect::Channel);
            return;
        }
        match advertise.ip().to_canonical() {
            IpAddr::V4(v4) => {
                channel.step = Step::Port;
                self.send(Command::Port(SocketAddr::new(IpAddr::V4(v4), advertise.port())), Expect::Channel);
            }
            IpAddr::V6(_) => self.fail_op(Error::new(
                ErrorKind::Rejected,
                "the server refused EPRT, and PORT cannot work over IPv6",
            )),
        }
    }

    pub(super) fn channel_eof(&mut self, socket: SocketId) {
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        channel.eof = true;
        // A download or listing is over on the data side: close ours now. Some servers
        // (proftpd) wait for the client's close before they send the final reply.
        let uploading = self
            .current
            .as_ref()
            .and_then(|r| r.transfer.as_ref())
            .is_some_and(|t| t.direction == Direction::Upload);
        if !uploading {
            if let Some(channel) = self.channel_mut(socket) {
                channel.released = true;
            }
            self.outputs.push_back(Output::Close { socket });
        }
        self.listing_end();
        self.check_transfer();
        self.start_next();
    }

    pub(super) fn channel_error(&mut self, socket: SocketId, error: SocketError) {
        let Some(channel) = self.channel_mut(socket) else {
            return;
        };
        match channel.step {
            Step::Connecting => {
                let message = format!("cannot open the data connection to {}: {error}", channel.target);
                self.passive_failed(data_failure(error, message));
            }
            Step::Listening => {
                let message = format!("cannot listen for an active-mode data connection: {error}");
                self.fail_op(data_failure(error, message));
            }
            _ => {
                channel.error = Some(error);
                self.check_transfer();
            }
        }
        self.start_next();
    }

    /// A data channel's connect or listen deadline passed.
    pub(super) fn channel_timeout(&mut self) {
        let Some(channel) = self.current.as_ref().and_then(|r| r.channel.as_ref()) else {
            return;
        };
        let seconds = self.config.timeouts.connect.as_secs();
        match channel.step {
            Step::Connecting => {
                let message = format!(
                    "cannot open the data connection to {}: no answer within {seconds} s",
                    channel.target
                );
                self.passive_failed(Error::new(ErrorKind::Timeout, message));
            }
            _ => {
                let message =
                    format!("the transport did not open an active-mode listener within {seconds} s");
                self.fail_op(Error::new(ErrorKind::Timeout, message));
            }
        }
        self.start_next();
    }
}

/// A data connection's failure: its own code for TLS and a relay's refusal of the port,
/// `data_connection` for the rest.
fn data_failure(error: SocketError, message: String) -> Error {
    let detail = match &error {
        SocketError::Tls { detail, .. } => detail,
        SocketError::Blocked(_) => "relay_policy",
        SocketError::TimedOut => "timed_out",
        _ => "data_connection",
    };
    Error::new(error.kind(), message).with_certificate(error.certificate()).with_detail(detail)
}
