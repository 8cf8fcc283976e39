//! The FTP helper: a narrow filter on each session's control stream, as a firewall's
//! FTP connection-tracking helper has (RFC 2577). It reads the client's command lines
//! and the server's reply lines of the control connection only; it never sees a data
//! connection's bytes.
//!
//! ```text
//!  client lines ──► PORT/EPRT/LPRT: must name a listener this session holds, else refused
//!               └─► AUTH ... (and the server's 234): the stream turns to TLS
//!  server lines ──► 227/229: the port joins the ports a data OPEN may go to (once each)
//!  first bytes  ──► the client speaks first with a TLS record, and the server answers
//!                   with one: implicit TLS on a port not configured as such
//!  TLS (after AUTH + 234, or from the start on an implicit-TLS port): nothing can be read;
//!      the client's bytes must be TLS records, data OPENs fall back to the data-port
//!      policy, and no listener is offered
//! ```
//!
//! What it guarantees on a readable (plain) control stream: the server never receives
//! a PORT or EPRT that names anything but an active-mode listener the relay issued to
//! this very session and still holds (no FTP bounce, no aiming the server at another
//! session's listener), and data connections go only to ports the server announced on
//! this session's control stream. On a TLS control stream it guarantees only that the
//! client's bytes are TLS records (a page cannot pretend to speak TLS to send plain
//! commands the filter does not read); see the relay README's threat model for what
//! the server may then be told inside TLS.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The longest command or reply line read; a client line longer than this is refused.
pub const MAX_LINE: usize = 16 * 1024;
/// Announced data ports remembered at once (the oldest is forgotten first).
const MAX_ANNOUNCED: usize = 8;
/// The largest TLS record a client may send (2^14 plus the largest expansion).
const MAX_TLS_RECORD: usize = (1 << 14) + 2048;

/// What the filter can read of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Plain FTP: every line is read.
    Plain,
    /// TLS: nothing can be read; the client's bytes are checked to be TLS records.
    Tls,
}

/// Why client bytes may not reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// PORT, EPRT or LPRT that names no listener this session holds (FTP bounce).
    Bounce,
    /// A command line longer than [`MAX_LINE`].
    LineTooLong,
    /// Bytes that are no TLS record on a TLS control stream.
    NotTls,
}

impl Refusal {
    /// The `reason` label of the denial metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Bounce => "ftp_bounce",
            Refusal::LineTooLong => "control_line_too_long",
            Refusal::NotTls => "not_tls",
        }
    }
}

/// One session's control-stream filter.
#[derive(Debug)]
pub struct ControlFilter {
    mode: Mode,
    /// The client's bytes since its last line end.
    up: Vec<u8>,
    /// The server's bytes since its last line end (capped; a longer line is skipped).
    down: Vec<u8>,
    /// The server's current line was too long: its rest is skipped.
    skipping: bool,
    /// An AUTH was sent: the server's 234 turns the stream to TLS.
    awaiting_auth: bool,
    /// Data ports the server announced and no data OPEN used yet.
    announced: VecDeque<u16>,
    /// Active-mode listeners issued to this session and still held (advertised addresses).
    listeners: Vec<SocketAddr>,
    /// In TLS mode: bytes of the client's current record still to come, or the header
    /// bytes read so far.
    record_left: usize,
    header: Vec<u8>,
    /// What the first bytes of each side showed, for implicit TLS on any port.
    opening: Opening,
}

/// How the stream opened, while that can still turn it to TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opening {
    /// Neither side has sent anything.
    Silent,
    /// The client spoke first, with TLS records, before any byte of the server: an
    /// implicit-TLS handshake if the server answers with a record too. Until then its
    /// bytes are checked both as TLS records and as command lines, so that a "record"
    /// sent to a plain server carries no command the filter would refuse.
    ClientTls,
    /// Decided: the mode stays what it is unless AUTH and 234 change it.
    Decided,
}

impl ControlFilter {
    /// A filter for a new control stream; `implicit_tls` when the port speaks TLS from
    /// the first byte (990).
    pub fn new(implicit_tls: bool) -> ControlFilter {
        ControlFilter {
            mode: if implicit_tls { Mode::Tls } else { Mode::Plain },
            up: Vec::new(),
            down: Vec::new(),
            skipping: false,
            awaiting_auth: false,
            announced: VecDeque::new(),
            listeners: Vec::new(),
            record_left: 0,
            header: Vec::new(),
            opening: if implicit_tls { Opening::Decided } else { Opening::Silent },
        }
    }

    /// What the filter can read.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Checks bytes the client sends toward the server; `Err` means they must not reach
    /// it (the control stream is then reset).
    pub fn client_bytes(&mut self, data: &[u8]) -> Result<(), Refusal> {
        if self.opening == Opening::Silent && !data.is_empty() {
            // A handshake record (22) with major version 3: a TLS ClientHello.
            self.opening = if data[0] == 22 && data.get(1).is_none_or(|&m| m == 3) {
                Opening::ClientTls
            } else {
                Opening::Decided
            };
        }
        if self.opening == Opening::ClientTls {
            self.tls_records(data)?;
            return self.command_lines(data);
        }
        match self.mode {
            Mode::Tls => self.tls_records(data),
            Mode::Plain => self.command_lines(data),
        }
    }

    /// Reads the client's command lines in `data`.
    fn command_lines(&mut self, data: &[u8]) -> Result<(), Refusal> {
        let mut rest = data;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (piece, after) = rest.split_at(end + 1);
            rest = after;
            if self.up.len() + piece.len() > MAX_LINE {
                return Err(Refusal::LineTooLong);
            }
            let mut line = std::mem::take(&mut self.up);
            line.extend_from_slice(piece);
            self.command(&line)?;
        }
        if self.up.len() + rest.len() > MAX_LINE {
            return Err(Refusal::LineTooLong);
        }
        self.up.extend_from_slice(rest);
        Ok(())
    }

    /// Reads bytes the server sends toward the client (before they are forwarded, so
    /// the client cannot act on a reply the filter has not seen).
    pub fn server_bytes(&mut self, data: &[u8]) {
        if let Some(&first) = data.first() {
            if self.opening == Opening::ClientTls && (20..=24).contains(&first) {
                // The server answered the client's TLS with TLS: implicit TLS.
                self.mode = Mode::Tls;
                self.up.clear();
            }
            self.opening = Opening::Decided;
        }
        if self.mode == Mode::Tls {
            return;
        }
        let mut rest = data;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (piece, after) = rest.split_at(end + 1);
            rest = after;
            if self.skipping {
                self.skipping = false;
                self.down.clear();
                continue;
            }
            if self.down.len() + piece.len() > MAX_LINE {
                self.down.clear();
                continue;
            }
            let mut line = std::mem::take(&mut self.down);
            line.extend_from_slice(piece);
            self.reply_line(&line);
            if self.mode == Mode::Tls {
                return;
            }
        }
        if !self.skipping {
            if self.down.len() + rest.len() > MAX_LINE {
                self.down.clear();
                self.skipping = true;
            } else {
                self.down.extend_from_slice(rest);
            }
        }
    }

    /// Whether a data connection may go to `port`; a port the server announced is
    /// used up by it. Only on a plain stream (the caller applies the data-port policy
    /// on a TLS one).
    pub fn take_data_port(&mut self, port: u16) -> bool {
        match self.announced.iter().position(|&p| p == port) {
            Some(i) => {
                self.announced.remove(i);
                true
            }
            None => false,
        }
    }

    /// A listener at `address` (as advertised to the server) now belongs to the session.
    pub fn issue_listener(&mut self, address: SocketAddr) {
        self.listeners.push(address);
    }

    /// The listener at `address` is gone (accepted, timed out or closed).
    pub fn release_listener(&mut self, address: SocketAddr) {
        self.listeners.retain(|a| *a != address);
    }

    fn command(&mut self, line: &[u8]) -> Result<(), Refusal> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // The verb, after anything that is not a letter (Telnet IAC sequences, blanks):
        // servers differ in what they skip, so the filter skips it all.
        let start = line.iter().position(u8::is_ascii_alphabetic).unwrap_or(line.len());
        let line = &line[start..];
        let verb_len = line.iter().position(|b| !b.is_ascii_alphabetic()).unwrap_or(line.len());
        let (verb, argument) = line.split_at(verb_len);
        let verb = verb.to_ascii_uppercase();
        match verb.as_slice() {
            b"PORT" => self.check_listener(parse_port(argument)),
            b"EPRT" => self.check_listener(parse_eprt(argument)),
            // Long-address forms the relay never issues listeners for.
            b"LPRT" | b"SPRT" => Err(Refusal::Bounce),
            b"AUTH" => {
                self.awaiting_auth = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_listener(&self, address: Option<SocketAddr>) -> Result<(), Refusal> {
        match address {
            Some(address) if self.listeners.iter().any(|l| same_address(*l, address)) => Ok(()),
            _ => Err(Refusal::Bounce),
        }
    }

    fn reply_line(&mut self, line: &[u8]) {
        let code = line.get(..3).filter(|c| c.iter().all(u8::is_ascii_digit));
        let separator = line.get(3).copied();
        let Some(code) = code else { return };
        let port = match (code, separator) {
            (b"227", Some(b' ' | b'-')) => passive_port(&line[4..]),
            (b"229", Some(b' ' | b'-')) => extended_port(&line[4..]),
            (b"234", Some(b' ')) if self.awaiting_auth => {
                self.mode = Mode::Tls;
                None
            }
            _ => None,
        };
        if let Some(port) = port {
            if self.announced.len() == MAX_ANNOUNCED {
                self.announced.pop_front();
            }
            self.announced.push_back(port);
        }
    }

    /// Checks that `data` continues a sequence of TLS records: a 5-byte header (content
    /// type 20 to 24, protocol major version 3, a length within the limit) and that
    /// many bytes, again and again.
    fn tls_records(&mut self, mut data: &[u8]) -> Result<(), Refusal> {
        while !data.is_empty() {
            if self.record_left > 0 {
                let n = self.record_left.min(data.len());
                self.record_left -= n;
                data = &data[n..];
                continue;
            }
            let need = 5 - self.header.len();
            let n = need.min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() < 5 {
                // A partial header: check what there is.
                return self.check_partial_header();
            }
            self.check_partial_header()?;
            let length = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
            if length == 0 || length > MAX_TLS_RECORD {
                return Err(Refusal::NotTls);
            }
            self.record_left = length;
            self.header.clear();
        }
        Ok(())
    }

    fn check_partial_header(&self) -> Result<(), Refusal> {
        let ok_type = self.header.first().is_none_or(|t| (20..=24).contains(t));
        let ok_major = self.header.get(1).is_none_or(|&m| m == 3);
        if ok_type && ok_major { Ok(()) } else { Err(Refusal::NotTls) }
    }
}

/// Two addresses are the same listener: the same port, and the same IP (an
/// IPv4-mapped IPv6 address is its IPv4 address).
fn same_address(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical()
}

/// `PORT h1,h2,h3,h4,p1,p2`, strictly: six decimal numbers of at most three digits,
/// each at most 255, separated by commas, blanks around them only. What the filter
/// cannot read exactly is refused, so a server's more lenient reading cannot differ.
fn parse_port(argument: &[u8]) -> Option<SocketAddr> {
    let text = std::str::from_utf8(argument).ok()?.trim_matches(|c| c == ' ' || c == '\t');
    let mut numbers = [0u16; 6];
    let mut parts = text.split(',');
    for slot in &mut numbers {
        let part = parts.next()?.trim_matches(' ');
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u16 = part.parse().ok()?;
        if value > 255 {
            return None;
        }
        *slot = value;
    }
    if parts.next().is_some() {
        return None;
    }
    let [a, b, c, d, p1, p2] = numbers;
    let ip = Ipv4Addr::new(a as u8, b as u8, c as u8, d as u8);
    Some(SocketAddr::new(IpAddr::V4(ip), p1 * 256 + p2))
}

/// `EPRT |af|address|port|` (RFC 2428), strictly: the delimiter is the first byte,
/// `af` 1 or 2 and matching the address, a decimal port.
fn parse_eprt(argument: &[u8]) -> Option<SocketAddr> {
    let text = std::str::from_utf8(argument).ok()?.trim_matches(|c| c == ' ' || c == '\t');
    let delimiter = text.chars().next().filter(|c| (33..=126).contains(&(*c as u32)))?;
    let fields: Vec<&str> = text.split(delimiter).collect();
    let [empty, family, address, port, end] = fields.as_slice() else { return None };
    if !empty.is_empty() || !end.is_empty() {
        return None;
    }
    let ip: IpAddr = address.parse().ok()?;
    match (*family, ip) {
        ("1", IpAddr::V4(_)) | ("2", IpAddr::V6(_)) => {}
        _ => return None,
    }
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(SocketAddr::new(ip, port.parse().ok()?))
}

/// The port of a 227 reply's `h1,h2,h3,h4,p1,p2`, wherever the six numbers stand.
fn passive_port(text: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(text).ok()?;
    text.split(|c: char| !(c.is_ascii_digit() || c == ',')).find_map(|run| {
        let numbers: Vec<u16> =
            run.split(',').map(|n| n.parse().ok().filter(|&n| n <= 255)).collect::<Option<_>>()?;
        let [_, _, _, _, p1, p2] = numbers.as_slice() else { return None };
        Some(p1 * 256 + p2).filter(|&p| p != 0)
    })
}

/// The port of a 229 reply's `(|||port|)`.
fn extended_port(text: &[u8]) -> Option<u16> {
    let open = text.iter().position(|&b| b == b'(')?;
    let inner = &text[open + 1..];
    let close = inner.iter().position(|&b| b == b')')?;
    let inner = std::str::from_utf8(&inner[..close]).ok()?;
    let delimiter = inner.chars().next()?;
    let fields: Vec<&str> = inner.split(delimiter).collect();
    let [_, _, _, port, _] = fields.as_slice() else { return None };
    port.parse::<u16>().ok().filter(|&p| p != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener() -> SocketAddr {
        "198.51.100.7:40001".parse().unwrap()
    }

    #[test]
    fn port_and_eprt_must_name_a_listener_of_the_session() {
        let mut filter = ControlFilter::new(false);
        assert_eq!(filter.client_bytes(b"PORT 198,51,100,7,156,65\r\n"), Err(Refusal::Bounce));
        filter.issue_listener(listener());
        assert_eq!(filter.client_bytes(b"PORT 198,51,100,7,156,65\r\n"), Ok(()));
        assert_eq!(filter.client_bytes(b"EPRT |1|198.51.100.7|40001|\r\n"), Ok(()));
        // Another port, another address, a third party: bounce.
        for line in [
            &b"PORT 198,51,100,7,156,66\r\n"[..],
            b"PORT 127,0,0,1,0,25\r\n",
            b"EPRT |1|10.0.0.1|40001|\r\n",
            b"EPRT |2|::1|40001|\r\n",
            b"LPRT 4,4,198,51,100,7,2,156,65\r\n",
        ] {
            assert_eq!(
                filter.client_bytes(line),
                Err(Refusal::Bounce),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
        filter.release_listener(listener());
        assert_eq!(filter.client_bytes(b"PORT 198,51,100,7,156,65\r\n"), Err(Refusal::Bounce));
    }

    #[test]
    fn disguised_and_malformed_port_commands_are_refused() {
        let mut filter = ControlFilter::new(false);
        filter.issue_listener(listener());
        for line in [
            &b"port 127,0,0,1,0,25\n"[..],
            b"\xff\xf4\xff\xf2PORT 127,0,0,1,0,25\r\n",
            b"  PoRt 127,0,0,1,0,25\r\n",
            b"PORT 198,51,100,7,156,65,1\r\n",
            b"PORT 0198,51,100,7,156,65\r\n",
            b"PORT 198,51,100,7,156,065x\r\n",
            b"PORT 198.51.100.7,156,65\r\n",
            b"EPRT |1|198.51.100.7|40001\r\n",
            b"EPRT |2|198.51.100.7|40001|\r\n",
            b"EPRT |1|198.51.100.7|+40001|\r\n",
        ] {
            assert_eq!(
                filter.client_bytes(line),
                Err(Refusal::Bounce),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn a_command_split_anywhere_is_read_whole() {
        let line = b"NOOP\r\nPORT 127,0,0,1,0,25\r\n";
        for cut in 0..line.len() {
            let mut filter = ControlFilter::new(false);
            let first = filter.client_bytes(&line[..cut]);
            let second = filter.client_bytes(&line[cut..]);
            assert!(first.is_err() || second.is_err(), "cut at {cut}");
        }
        let mut filter = ControlFilter::new(false);
        assert_eq!(filter.client_bytes(&[b'a'; MAX_LINE + 1]), Err(Refusal::LineTooLong));
    }

    #[test]
    fn announced_ports_are_used_once() {
        let mut filter = ControlFilter::new(false);
        assert!(!filter.take_data_port(40001));
        filter.server_bytes(b"229 Entering Extended Passive Mode (|||40001|)\r\n");
        filter.server_bytes(b"227 Entering Passive Mode (192,0,2,1,156,66).\r\n");
        filter.server_bytes(b"227 Entering passive mode 192,0,2,1,156,67\r\n");
        assert!(filter.take_data_port(40001));
        assert!(!filter.take_data_port(40001), "used once");
        assert!(filter.take_data_port(40002));
        assert!(filter.take_data_port(40003));
        assert!(!filter.take_data_port(6379));
        // Split replies, other replies, nonsense.
        filter.server_bytes(b"229 Entering Ext");
        filter.server_bytes(b"ended Passive Mode (|||40009|)\r\n");
        filter.server_bytes(b"200 PORT 1,2,3,4,0,25 ok\r\n550 (|||25|)\r\n");
        assert!(filter.take_data_port(40009));
        assert!(!filter.take_data_port(25));
    }

    #[test]
    fn auth_then_234_turns_to_tls_and_only_records_pass() {
        let mut filter = ControlFilter::new(false);
        filter.client_bytes(b"AUTH TLS\r\n").unwrap();
        // A refusal keeps the stream plain (the PORT check stays).
        filter.server_bytes(b"500 AUTH not understood\r\n");
        assert_eq!(filter.mode(), Mode::Plain);
        filter.client_bytes(b"AUTH TLS\r\n").unwrap();
        filter.server_bytes(b"234 Proceed with negotiation.\r\n");
        assert_eq!(filter.mode(), Mode::Tls);
        // A ClientHello record in pieces, then application data.
        let mut records = vec![22, 3, 1, 0, 4, 1, 2, 3, 4, 23, 3, 3, 0, 2];
        records.extend_from_slice(&[9, 9]);
        for piece in records.chunks(3) {
            filter.client_bytes(piece).unwrap();
        }
        // Plain text pretending to be TLS is refused.
        assert_eq!(filter.client_bytes(b"PORT 127,0,0,1,0,25\r\n"), Err(Refusal::NotTls));
        // Server bytes are not read any more: a 229 announces nothing.
        filter.server_bytes(b"229 (|||40001|)\r\n");
        assert!(!filter.take_data_port(40001));
    }

    #[test]
    fn implicit_tls_on_any_port_is_seen_from_both_sides_first_bytes() {
        // The client speaks first with a ClientHello; the server answers with a record.
        let mut filter = ControlFilter::new(false);
        filter.client_bytes(&[22, 3, 1, 0, 4, 1, 2, 3, 4]).unwrap();
        assert_eq!(filter.mode(), Mode::Plain, "not before the server answers");
        filter.server_bytes(&[22, 3, 3, 0, 2, 7, 7]);
        assert_eq!(filter.mode(), Mode::Tls);
        assert_eq!(filter.client_bytes(b"USER x\r\n"), Err(Refusal::NotTls));

        // A plain server greets: the stream stays plain, however the client began.
        let mut filter = ControlFilter::new(false);
        filter.client_bytes(&[22, 3, 1, 0, 4, 1, 2, 3, 4]).unwrap();
        filter.server_bytes(b"220 Welcome\r\n");
        assert_eq!(filter.mode(), Mode::Plain);
        filter.server_bytes(&[22, 3, 3, 0, 2, 7, 7]);
        assert_eq!(filter.mode(), Mode::Plain, "only the server's first bytes count");
        assert_eq!(filter.client_bytes(b"\nPORT 127,0,0,1,0,25\r\n"), Err(Refusal::Bounce));

        // A "record" that carries commands to a plain server that has not greeted yet:
        // its lines are read like any others.
        let mut filter = ControlFilter::new(false);
        let mut record = vec![22, 3, 1, 0, 25];
        record.extend_from_slice(b"\r\nPORT 127,0,0,1,0,25\r\n");
        assert_eq!(filter.client_bytes(&record), Err(Refusal::Bounce));

        // The server spoke first: a later TLS-looking answer changes nothing.
        let mut filter = ControlFilter::new(false);
        filter.server_bytes(b"220 Welcome\r\n");
        filter.client_bytes(&[22, 3, 1, 0, 4, 1, 2, 3, 4]).unwrap();
        filter.server_bytes(&[22, 3, 3, 0, 2, 7, 7]);
        assert_eq!(filter.mode(), Mode::Plain);
    }

    #[test]
    fn implicit_tls_checks_records_from_the_first_byte() {
        let mut filter = ControlFilter::new(true);
        assert_eq!(filter.mode(), Mode::Tls);
        assert_eq!(filter.client_bytes(b"USER anonymous\r\n"), Err(Refusal::NotTls));
        let mut filter = ControlFilter::new(true);
        assert_eq!(
            filter.client_bytes(&[22, 3, 1, 0x48, 0x01]),
            Err(Refusal::NotTls),
            "over the record limit"
        );
        let mut filter = ControlFilter::new(true);
        assert_eq!(filter.client_bytes(&[22, 3, 1, 0, 0]), Err(Refusal::NotTls), "an empty record");
    }

    #[test]
    fn without_auth_a_234_changes_nothing() {
        let mut filter = ControlFilter::new(false);
        filter.server_bytes(b"234 hello\r\n");
        assert_eq!(filter.mode(), Mode::Plain);
        assert_eq!(filter.client_bytes(b"PORT 127,0,0,1,0,25\r\n"), Err(Refusal::Bounce));
    }

    #[test]
    fn long_server_lines_are_skipped_not_buffered() {
        let mut filter = ControlFilter::new(false);
        filter.server_bytes(&vec![b'x'; MAX_LINE * 4]);
        filter.server_bytes(b"yyy\r\n229 (|||40001|)\r\n");
        assert!(filter.take_data_port(40001));
    }
}
