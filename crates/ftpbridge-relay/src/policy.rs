//! Where a session may connect: the one place that decides, as data.
//!
//! Deny by default (the model is wstunnel's `restrictions.yaml`): every address in a
//! special-purpose range is refused, whatever form it is written in (IPv4-mapped,
//! IPv4-compatible, NAT64, 6to4 and odd IPv4 literals such as `2130706433` or
//! `0x7f.1` are unpacked first), and only allowed ports are reachable.
//!
//! ```text
//! OPEN(host, port) ─► parse_host ─► check_request (port, names) ─► resolve once
//!                  ─► check_resolved (every address) ─► connect to a checked address
//! ```
//!
//! - The first OPEN of a session is its **control** connection: its port must be one
//!   of the control ports, its address public (or allowed by `allow_private`), on the
//!   allow-list when there is one, off the deny-list (which always wins), and inside
//!   the ticket's hosts when the session has a ticket.
//! - Later OPENs are **data** connections: pinned to the control connection's IP (an
//!   exact compare after resolution) and to ports 1024–65535.
//! - Active-mode listeners accept only the control connection's IP.

use core::fmt;
use core::str::FromStr;
use ftpbridge_wire::CloseReason;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The lowest port a data connection may go to.
pub const MIN_DATA_PORT: u16 = 1024;

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a
/// network of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The network of `address` with `prefix` bits (host bits are cleared); `None`
    /// when the prefix is longer than the address.
    pub fn new(address: IpAddr, prefix: u8) -> Option<Cidr> {
        let address = address.to_canonical();
        match address {
            IpAddr::V4(ip) if prefix <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                Some(Cidr { network: Ipv4Addr::from_bits(ip.to_bits() & mask).into(), prefix })
            }
            IpAddr::V6(ip) if prefix <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                Some(Cidr { network: Ipv6Addr::from_bits(ip.to_bits() & mask).into(), prefix })
            }
            _ => None,
        }
    }

    /// Whether `ip` is in the network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                ip.to_bits() & mask == net.to_bits()
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                ip.to_bits() & mask == net.to_bits()
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("{s:?} is not an IP address or network (CIDR)");
        let (address, prefix) = match s.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (s, None),
        };
        let address: IpAddr = address.trim_matches(['[', ']']).parse().map_err(|_| bad())?;
        let full = if address.to_canonical().is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().map_err(|_| bad())?,
            None => full,
        };
        Cidr::new(address, prefix).ok_or_else(bad)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cidr, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Ports: ranges allowed, with ports or ranges taken out. Written as a list of
/// entries, `"N"` or `"A-B"` to allow, `"!N"` or `"!A-B"` to deny (denials win):
/// `["1024-65535", "!3306", "!6379"]`. An empty set contains nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortSet {
    allow: Vec<(u16, u16)>,
    deny: Vec<(u16, u16)>,
}

impl PortSet {
    /// Parses entries as described on the type.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<PortSet, String> {
        let mut set = PortSet::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (deny, range) = match entry.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, entry),
            };
            let bad = || format!("{entry:?} is not a port or a range of ports (\"N\", \"A-B\", \"!N\")");
            let (low, high) = match range.split_once('-') {
                Some((a, b)) => {
                    (a.trim().parse::<u16>().map_err(|_| bad())?, b.trim().parse::<u16>().map_err(|_| bad())?)
                }
                None => {
                    let port = range.parse::<u16>().map_err(|_| bad())?;
                    (port, port)
                }
            };
            if low == 0 || low > high {
                return Err(bad());
            }
            if deny { set.deny.push((low, high)) } else { set.allow.push((low, high)) }
        }
        Ok(set)
    }

    /// Whether the set has no allowed port.
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty()
    }

    /// Whether `port` is allowed and not denied.
    pub fn contains(&self, port: u16) -> bool {
        let within = |(low, high): &(u16, u16)| (*low..=*high).contains(&port);
        self.allow.iter().any(within) && !self.deny.iter().any(within)
    }

    /// The entries, as written.
    pub fn entries(&self) -> Vec<String> {
        let write = |(low, high): &(u16, u16), deny: bool| {
            let bang = if deny { "!" } else { "" };
            if low == high { format!("{bang}{low}") } else { format!("{bang}{low}-{high}") }
        };
        self.allow.iter().map(|r| write(r, false)).chain(self.deny.iter().map(|r| write(r, true))).collect()
    }
}

impl Serialize for PortSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PortSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PortSet, D::Error> {
        let entries: Vec<String> = crate::layers::list(deserializer)?;
        PortSet::parse(&entries).map_err(serde::de::Error::custom)
    }
}

/// Well-known services above port 1024 that a data connection should never reach when
/// the relay cannot read the control stream (databases, caches, queues, container and
/// cluster APIs, remote desktops, proxies, common web and admin ports): the default
/// holes in `policy.data_ports`.
pub const SERVICE_PORTS: &[u16] = &[
    1080, 1194, 1433, 1434, 1521, 1723, 1883, 2049, 2181, 2375, 2376, 2379, 2380, 3000, 3128, 3260, 3306,
    3389, 4369, 4444, 5000, 5432, 5601, 5672, 5900, 5901, 5984, 5985, 5986, 6000, 6379, 6443, 6666, 6667,
    7001, 7199, 8000, 8008, 8080, 8081, 8086, 8088, 8443, 8500, 8888, 9000, 9042, 9090, 9092, 9100, 9200,
    9300, 9418, 10250, 10255, 11211, 15672, 25565, 27017, 27018, 50000,
];

/// The default data-port policy: 1024-65535 without [`SERVICE_PORTS`].
pub fn default_data_ports() -> PortSet {
    PortSet { allow: vec![(MIN_DATA_PORT, u16::MAX)], deny: SERVICE_PORTS.iter().map(|&p| (p, p)).collect() }
}

/// What kind of address an IP is, for the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// A globally routable unicast address.
    Public,
    /// Loopback (`127.0.0.0/8`, `::1`).
    Loopback,
    /// Private networks: RFC 1918, CGNAT `100.64.0.0/10`, ULA `fc00::/7`, site-local.
    Private,
    /// Link-local (`169.254.0.0/16` with cloud metadata services, `fe80::/10`).
    LinkLocal,
    /// The unspecified address or "this network" (`0.0.0.0/8`, `::`).
    Unspecified,
    /// Multicast (`224.0.0.0/4`, `ff00::/8`).
    Multicast,
    /// The limited broadcast address `255.255.255.255`.
    Broadcast,
    /// Reserved, documentation, benchmarking and protocol-assignment ranges.
    Reserved,
}

impl AddressClass {
    /// A stable snake_case name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link_local",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
        }
    }

    /// Whether `allow_private` lifts the ban on this class (loopback and private
    /// networks only: link-local, multicast and the rest are never destinations).
    pub fn is_private(self) -> bool {
        matches!(self, AddressClass::Loopback | AddressClass::Private)
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    Ipv4Addr::new(a, b, c, d).to_bits()
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16) -> u128 {
    Ipv6Addr::new(a, b, c, d, e, f, g, h).to_bits()
}

/// Special-purpose IPv4 ranges (IANA registry), first match wins.
const SPECIAL_V4: &[(u32, u8, AddressClass)] = &[
    (v4(0, 0, 0, 0), 8, AddressClass::Unspecified),
    (v4(10, 0, 0, 0), 8, AddressClass::Private),
    (v4(100, 64, 0, 0), 10, AddressClass::Private),
    (v4(127, 0, 0, 0), 8, AddressClass::Loopback),
    (v4(169, 254, 0, 0), 16, AddressClass::LinkLocal),
    (v4(172, 16, 0, 0), 12, AddressClass::Private),
    (v4(192, 0, 0, 0), 24, AddressClass::Reserved),
    (v4(192, 0, 2, 0), 24, AddressClass::Reserved),
    (v4(192, 88, 99, 0), 24, AddressClass::Reserved),
    (v4(192, 168, 0, 0), 16, AddressClass::Private),
    (v4(198, 18, 0, 0), 15, AddressClass::Reserved),
    (v4(198, 51, 100, 0), 24, AddressClass::Reserved),
    (v4(203, 0, 113, 0), 24, AddressClass::Reserved),
    (v4(224, 0, 0, 0), 4, AddressClass::Multicast),
    (v4(255, 255, 255, 255), 32, AddressClass::Broadcast),
    (v4(240, 0, 0, 0), 4, AddressClass::Reserved),
];

/// How an IPv6 range embeds an IPv4 address.
#[derive(Clone, Copy)]
enum V6Rule {
    Class(AddressClass),
    /// The IPv4 address is in the low 32 bits.
    EmbedsLow32,
    /// 6to4: the IPv4 address is in bits 16..48.
    Embeds6to4,
}

/// Special-purpose IPv6 ranges, first match wins; anything else outside `2000::/3`
/// is reserved too.
const SPECIAL_V6: &[(u128, u8, V6Rule)] = &[
    (v6(0, 0, 0, 0, 0, 0, 0, 0), 128, V6Rule::Class(AddressClass::Unspecified)),
    (v6(0, 0, 0, 0, 0, 0, 0, 1), 128, V6Rule::Class(AddressClass::Loopback)),
    // IPv4-mapped, IPv4-translated (SIIT), IPv4-compatible (deprecated).
    (v6(0, 0, 0, 0, 0, 0xffff, 0, 0), 96, V6Rule::EmbedsLow32),
    (v6(0, 0, 0, 0, 0xffff, 0, 0, 0), 96, V6Rule::EmbedsLow32),
    (v6(0, 0, 0, 0, 0, 0, 0, 0), 96, V6Rule::EmbedsLow32),
    // NAT64: the well-known prefix and the local-use /48 (checked as /96 forms).
    (v6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96, V6Rule::EmbedsLow32),
    (v6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, V6Rule::EmbedsLow32),
    (v6(0x100, 0, 0, 0, 0, 0, 0, 0), 64, V6Rule::Class(AddressClass::Reserved)),
    // IETF protocol assignments, Teredo among them.
    (v6(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, V6Rule::Class(AddressClass::Reserved)),
    (v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, V6Rule::Class(AddressClass::Reserved)),
    (v6(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, V6Rule::Embeds6to4),
    (v6(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, V6Rule::Class(AddressClass::Reserved)),
    (v6(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, V6Rule::Class(AddressClass::Reserved)),
    (v6(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, V6Rule::Class(AddressClass::Private)),
    (v6(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, V6Rule::Class(AddressClass::LinkLocal)),
    (v6(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, V6Rule::Class(AddressClass::Private)),
    (v6(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, V6Rule::Class(AddressClass::Multicast)),
];

fn in_v4(ip: u32, net: u32, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    ip & mask == net
}

fn in_v6(ip: u128, net: u128, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    ip & mask == net
}

/// The class of an address; IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4)
/// is classified as the IPv4 address it carries.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => {
            let bits = ip.to_bits();
            for &(net, prefix, rule) in SPECIAL_V6 {
                if in_v6(bits, net, prefix) {
                    return match rule {
                        V6Rule::Class(class) => class,
                        // Truncation keeps exactly the embedded address's bits.
                        V6Rule::EmbedsLow32 => classify_v4(Ipv4Addr::from_bits(bits as u32)),
                        V6Rule::Embeds6to4 => classify_v4(Ipv4Addr::from_bits((bits >> 80) as u32)),
                    };
                }
            }
            if in_v6(bits, v6(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) {
                AddressClass::Public
            } else {
                AddressClass::Reserved
            }
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let bits = ip.to_bits();
    SPECIAL_V4
        .iter()
        .find(|&&(net, prefix, _)| in_v4(bits, net, prefix))
        .map_or(AddressClass::Public, |&(_, _, class)| class)
}

/// A destination as the client named it, after normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// An IP literal, in whatever form it was written.
    Ip(IpAddr),
    /// A DNS name, lower-case, without a trailing dot.
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(ip) => ip.fmt(f),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// Reads the host of an OPEN. IP literals in every form `inet_aton` accepts
/// (`2130706433`, `0x7f.1`, `127.1`, `0177.0.0.1`, `127.0.0.1.`) become addresses, so
/// they are never handed to a resolver as names; a host whose last label is a number
/// but that is no valid IPv4 literal is refused (the WHATWG URL rule), as is anything
/// that is not a plain DNS name.
pub fn parse_host(host: &str) -> Result<Host, Denial> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > 253 {
        return Err(Denial::InvalidHost);
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().map(|ip| Host::Ip(ip.into())).map_err(|_| Denial::InvalidHost);
    }
    if host.contains(':') {
        return host.parse::<Ipv6Addr>().map(|ip| Host::Ip(ip.into())).map_err(|_| Denial::InvalidHost);
    }
    let last = host.rsplit('.').next().unwrap_or(host);
    if is_number(last) {
        return parse_ipv4_literal(host).map(|ip| Host::Ip(ip.into())).ok_or(Denial::InvalidHost);
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if host.split('.').all(label_ok) {
        Ok(Host::Name(host.to_ascii_lowercase()))
    } else {
        Err(Denial::InvalidHost)
    }
}

/// Whether a label reads as a number: decimal digits, or `0x` and hex digits.
fn is_number(label: &str) -> bool {
    if let Some(hex) = label.strip_prefix("0x").or_else(|| label.strip_prefix("0X")) {
        return hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit())
}

/// `inet_aton`: one to four parts, each decimal, octal (leading `0`) or hex (`0x`);
/// the last part fills the remaining bytes.
fn parse_ipv4_literal(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let value = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            if hex.is_empty() { 0 } else { u64::from_str_radix(hex, 16).ok()? }
        } else if part.len() > 1 && part.starts_with('0') {
            u64::from_str_radix(&part[1..], 8).ok()?
        } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse::<u64>().ok()?
        } else {
            return None;
        };
        numbers.push(value);
    }
    let (last, leading) = numbers.split_last()?;
    let mut address: u64 = 0;
    for (i, &byte) in leading.iter().enumerate() {
        if byte > 255 {
            return None;
        }
        address |= byte << (24 - 8 * i);
    }
    let room = 32 - 8 * leading.len() as u32;
    if *last >= 1u64 << room {
        return None;
    }
    u32::try_from(address | last).ok().map(Ipv4Addr::from_bits)
}

/// A host-name pattern: `ftp.example.com` exactly, or `*.example.com` for any name
/// below `example.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NamePattern {
    Exact(String),
    Below(String),
}

impl NamePattern {
    fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(exact) => name == exact,
            NamePattern::Below(suffix) => {
                name.len() > suffix.len() + 1
                    && name.ends_with(suffix.as_str())
                    && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
            }
        }
    }
}

/// A set of destinations: host names (exact or `*.domain`) and networks. Used for the
/// allow-list, the deny-list and a ticket's hosts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostSet {
    names: Vec<NamePattern>,
    nets: Vec<Cidr>,
}

impl HostSet {
    /// A set from entries that are each a host name, `*.domain`, an IP address or a
    /// network in CIDR notation.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<HostSet, String> {
        let mut set = HostSet::default();
        for entry in entries {
            set.add(entry.as_ref())?;
        }
        Ok(set)
    }

    /// Adds one entry (see [`HostSet::parse`]).
    pub fn add(&mut self, entry: &str) -> Result<(), String> {
        let entry = entry.trim();
        if let Ok(cidr) = entry.parse::<Cidr>() {
            self.nets.push(cidr);
            return Ok(());
        }
        let (wild, name) = match entry.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        match parse_host(name) {
            Ok(Host::Name(name)) if wild => self.names.push(NamePattern::Below(name)),
            Ok(Host::Name(name)) => self.names.push(NamePattern::Exact(name)),
            Ok(Host::Ip(ip)) if !wild => {
                self.nets.push(Cidr::new(ip, if ip.is_ipv4() { 32 } else { 128 }).ok_or("bad address")?)
            }
            _ => return Err(format!("{entry:?} is not a host name, *.domain, IP address or CIDR")),
        }
        Ok(())
    }

    /// Adds the networks of another list.
    pub fn add_nets(&mut self, nets: &[Cidr]) {
        self.nets.extend_from_slice(nets);
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.nets.is_empty()
    }

    /// Whether the set names `host` (by name).
    pub fn matches_name(&self, host: &Host) -> bool {
        matches!(host, Host::Name(name) if self.names.iter().any(|p| p.matches(name)))
    }

    /// Whether `ip` is in one of the set's networks.
    pub fn matches_ip(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// Whether the set has networks (so a name may still match after resolution).
    fn has_nets(&self) -> bool {
        !self.nets.is_empty()
    }
}

/// Why the policy refused a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Denial {
    /// The host is no valid DNS name or IP literal.
    InvalidHost,
    /// The address is in a special-purpose range.
    Address(AddressClass),
    /// The destination is on the deny-list.
    DenyListed,
    /// There is an allow-list and the destination is not on it.
    NotAllowListed,
    /// The control connection's port is not a control port.
    ControlPort,
    /// The session's ticket does not name this destination.
    TicketHost,
    /// A data connection to another IP than the control connection's, or to a port
    /// below 1024; or a connection to a listener from another IP.
    DataPeerMismatch,
    /// One of the relay's own listening addresses.
    RelayItself,
}

impl Denial {
    /// The close reason sent to the client.
    pub fn close_reason(self) -> CloseReason {
        match self {
            Denial::InvalidHost => CloseReason::InvalidInfo,
            Denial::DataPeerMismatch => CloseReason::DataPeerMismatch,
            _ => CloseReason::Blocked,
        }
    }

    /// A stable snake_case name, the `reason` label of the denial metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Denial::InvalidHost => "invalid_host",
            Denial::Address(_) => "special_address",
            Denial::DenyListed => "deny_list",
            Denial::NotAllowListed => "not_allow_listed",
            Denial::ControlPort => "control_port",
            Denial::TicketHost => "ticket_host",
            Denial::DataPeerMismatch => "data_peer_mismatch",
            Denial::RelayItself => "relay_itself",
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::InvalidHost => f.write_str("not a valid host"),
            Denial::Address(class) => write!(f, "{} address", class.as_str()),
            Denial::DenyListed => f.write_str("on the deny-list"),
            Denial::NotAllowListed => f.write_str("not on the allow-list"),
            Denial::ControlPort => f.write_str("not a control port"),
            Denial::TicketHost => f.write_str("not among the ticket's hosts"),
            Denial::DataPeerMismatch => f.write_str("not the control connection's server"),
            Denial::RelayItself => f.write_str("the relay itself"),
        }
    }
}

/// What an OPEN is for.
#[derive(Clone, Copy, Debug)]
pub enum Role<'a> {
    /// The session's first connection, limited by its ticket when it has one.
    Control {
        /// The ticket's hosts, if the session has a ticket.
        grant: Option<&'a HostSet>,
    },
    /// A data connection, pinned to the control connection's IP.
    Data {
        /// The IP the control connection reached.
        control: IpAddr,
    },
}

/// The relay's destination policy.
#[derive(Clone, Debug)]
pub struct Policy {
    allow_private: bool,
    control_ports: Vec<u16>,
    allow: HostSet,
    deny: HostSet,
}

impl Policy {
    /// A policy. `allow` empty means any public destination; `deny` always wins.
    pub fn new(allow_private: bool, control_ports: Vec<u16>, allow: HostSet, deny: HostSet) -> Policy {
        Policy { allow_private, control_ports, allow, deny }
    }

    /// The checks that need no resolution: the port for the role, and names on the
    /// deny-list, or off an allow-list (or ticket) that has no networks.
    pub fn check_request(&self, host: &Host, port: u16, role: Role<'_>) -> Result<(), Denial> {
        match role {
            Role::Control { grant } => {
                if !self.control_ports.contains(&port) {
                    return Err(Denial::ControlPort);
                }
                if self.deny.matches_name(host) {
                    return Err(Denial::DenyListed);
                }
                if let Host::Name(_) = host {
                    if !self.allow.is_empty() && !self.allow.has_nets() && !self.allow.matches_name(host) {
                        return Err(Denial::NotAllowListed);
                    }
                    if let Some(grant) = grant
                        && !grant.has_nets()
                        && !grant.matches_name(host)
                    {
                        return Err(Denial::TicketHost);
                    }
                }
                Ok(())
            }
            Role::Data { .. } => {
                if port < MIN_DATA_PORT {
                    return Err(Denial::DataPeerMismatch);
                }
                if self.deny.matches_name(host) {
                    return Err(Denial::DenyListed);
                }
                Ok(())
            }
        }
    }

    /// Checks one address `host` resolved to (or the literal itself).
    pub fn check_address(&self, host: &Host, ip: IpAddr, role: Role<'_>) -> Result<(), Denial> {
        let class = classify(ip);
        if class != AddressClass::Public && !(self.allow_private && class.is_private()) {
            return Err(Denial::Address(class));
        }
        if self.deny.matches_ip(ip) || self.deny.matches_name(host) {
            return Err(Denial::DenyListed);
        }
        match role {
            Role::Control { grant } => {
                if !self.allow.is_empty() && !self.allow.matches_name(host) && !self.allow.matches_ip(ip) {
                    return Err(Denial::NotAllowListed);
                }
                if let Some(grant) = grant
                    && !grant.matches_name(host)
                    && !grant.matches_ip(ip)
                {
                    return Err(Denial::TicketHost);
                }
                Ok(())
            }
            Role::Data { control } => {
                if ip.to_canonical() == control.to_canonical() {
                    Ok(())
                } else {
                    Err(Denial::DataPeerMismatch)
                }
            }
        }
    }

    /// Checks every address a host resolved to and returns those to connect to, in
    /// canonical form (IPv4-mapped addresses as IPv4). A single refused address refuses
    /// the whole destination (a name that mixes public and private addresses is how
    /// DNS rebinding starts). A data connection goes to the control IP only.
    pub fn check_resolved(
        &self,
        host: &Host,
        addresses: &[IpAddr],
        role: Role<'_>,
    ) -> Result<Vec<IpAddr>, Denial> {
        if addresses.is_empty() {
            return Err(Denial::InvalidHost);
        }
        let mut chosen: Vec<IpAddr> = Vec::new();
        let mut mismatch = false;
        for &ip in addresses {
            match self.check_address(host, ip, role) {
                Ok(()) => {
                    let ip = ip.to_canonical();
                    if !chosen.contains(&ip) {
                        chosen.push(ip);
                    }
                }
                // For a data connection, other addresses of the name are skipped: it
                // goes to the control IP if the name has it.
                Err(Denial::DataPeerMismatch) => mismatch = true,
                Err(denial) => return Err(denial),
            }
        }
        if chosen.is_empty() && mismatch {
            return Err(Denial::DataPeerMismatch);
        }
        Ok(chosen)
    }

    /// Whether a connection to an active-mode listener from `peer` may be accepted.
    pub fn check_listen_peer(control: IpAddr, peer: IpAddr) -> Result<(), Denial> {
        if control.to_canonical() == peer.to_canonical() { Ok(()) } else { Err(Denial::DataPeerMismatch) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow_private: bool) -> Policy {
        Policy::new(allow_private, vec![21], HostSet::default(), HostSet::default())
    }

    /// The verdict for a control connection to `host`, as the relay reaches it.
    fn verdict(policy: &Policy, host: &str) -> Result<IpAddr, Denial> {
        let host = parse_host(host)?;
        let Host::Ip(ip) = host else { panic!("{host} is a name") };
        let role = Role::Control { grant: None };
        policy.check_request(&host, 21, role)?;
        policy.check_resolved(&host, &[ip], role).map(|ips| ips[0])
    }

    #[test]
    fn special_addresses_with_and_without_allow_private() {
        use AddressClass::*;
        let ok = |s: &str| Ok::<IpAddr, Denial>(s.parse().unwrap());
        let no = |class| Err::<IpAddr, Denial>(Denial::Address(class));
        // host, verdict by default, verdict with allow_private
        let table = [
            ("127.0.0.1", no(Loopback), ok("127.0.0.1")),
            ("::1", no(Loopback), ok("::1")),
            ("::ffff:127.0.0.1", no(Loopback), ok("127.0.0.1")),
            ("[::ffff:7f00:1]", no(Loopback), ok("127.0.0.1")),
            ("::127.0.0.1", no(Loopback), ok("::127.0.0.1")),
            ("64:ff9b::7f00:1", no(Loopback), ok("64:ff9b::7f00:1")),
            ("64:ff9b:1::a00:1", no(Private), ok("64:ff9b:1::a00:1")),
            ("2002:7f00:1::1", no(Loopback), ok("2002:7f00:1::1")),
            ("::ffff:0:10.0.0.1", no(Private), ok("::ffff:0:a00:1")),
            ("0.0.0.0", no(Unspecified), no(Unspecified)),
            ("0", no(Unspecified), no(Unspecified)),
            ("[::]", no(Unspecified), no(Unspecified)),
            ("::", no(Unspecified), no(Unspecified)),
            ("2130706433", no(Loopback), ok("127.0.0.1")),
            ("0x7f.1", no(Loopback), ok("127.0.0.1")),
            ("127.1", no(Loopback), ok("127.0.0.1")),
            ("0177.0.0.1", no(Loopback), ok("127.0.0.1")),
            ("127.0.0.1.", no(Loopback), ok("127.0.0.1")),
            ("0x7F000001", no(Loopback), ok("127.0.0.1")),
            ("10.1.2.3", no(Private), ok("10.1.2.3")),
            ("172.16.0.1", no(Private), ok("172.16.0.1")),
            ("172.31.255.255", no(Private), ok("172.31.255.255")),
            ("192.168.1.1", no(Private), ok("192.168.1.1")),
            ("100.64.0.1", no(Private), ok("100.64.0.1")),
            ("fd00::1", no(Private), ok("fd00::1")),
            ("169.254.169.254", no(LinkLocal), no(LinkLocal)),
            ("::ffff:169.254.169.254", no(LinkLocal), no(LinkLocal)),
            ("fe80::1", no(LinkLocal), no(LinkLocal)),
            ("224.0.0.1", no(Multicast), no(Multicast)),
            ("ff02::1", no(Multicast), no(Multicast)),
            ("255.255.255.255", no(Broadcast), no(Broadcast)),
            ("240.0.0.1", no(Reserved), no(Reserved)),
            ("192.0.0.8", no(Reserved), no(Reserved)),
            ("192.0.2.1", no(Reserved), no(Reserved)),
            ("198.18.0.1", no(Reserved), no(Reserved)),
            ("198.51.100.1", no(Reserved), no(Reserved)),
            ("203.0.113.1", no(Reserved), no(Reserved)),
            ("2001:db8::1", no(Reserved), no(Reserved)),
            ("2001::1", no(Reserved), no(Reserved)),
            ("::ffff:203.0.113.9", no(Reserved), no(Reserved)),
            ("64:ff9b::198.51.100.1", no(Reserved), no(Reserved)),
            ("4000::1", no(Reserved), no(Reserved)),
            ("93.184.216.34", ok("93.184.216.34"), ok("93.184.216.34")),
            ("172.32.0.1", ok("172.32.0.1"), ok("172.32.0.1")),
            ("2606:4700::1111", ok("2606:4700::1111"), ok("2606:4700::1111")),
            ("::ffff:93.184.216.34", ok("93.184.216.34"), ok("93.184.216.34")),
            ("64:ff9b::93.184.216.34", ok("64:ff9b::5db8:d822"), ok("64:ff9b::5db8:d822")),
            ("1.1", ok("1.0.0.1"), ok("1.0.0.1")),
        ];
        let (strict, lax) = (policy(false), policy(true));
        for (host, by_default, with_private) in table {
            assert_eq!(verdict(&strict, host), by_default, "{host} by default");
            assert_eq!(verdict(&lax, host), with_private, "{host} with allow_private");
        }
    }

    #[test]
    fn literals_are_normalised_and_odd_hosts_refused() {
        let ip = |s: &str| Ok(Host::Ip(s.parse().unwrap()));
        assert_eq!(parse_host("2130706433"), ip("127.0.0.1"));
        assert_eq!(parse_host("0x7f.1"), ip("127.0.0.1"));
        assert_eq!(parse_host("127.1"), ip("127.0.0.1"));
        assert_eq!(parse_host("0177.0.0.1"), ip("127.0.0.1"));
        assert_eq!(parse_host("127.0.0.1."), ip("127.0.0.1"));
        assert_eq!(parse_host("0x7f.0.0x0.01"), ip("127.0.0.1"));
        assert_eq!(parse_host("1.2.65535"), ip("1.2.255.255"));
        // A bare "0x" is zero, as in the WHATWG URL standard.
        assert_eq!(parse_host("1.2.3.0x"), ip("1.2.3.0"));
        assert_eq!(parse_host("[2001:db8::1]"), ip("2001:db8::1"));
        assert_eq!(parse_host("FTP.Example.COM."), Ok(Host::Name("ftp.example.com".into())));
        assert_eq!(parse_host("123.example"), Ok(Host::Name("123.example".into())));
        for bad in [
            "",
            ".",
            "256.1.1.1",
            "1.2.3.4.5",
            "1.2.65536",
            "4294967296",
            "08.1.1.1",
            "0x1g.1",
            "example.123",
            "a..b",
            "-a.b",
            "a b",
            "fe80::1%eth0",
            "[::1",
            "::1]",
            "ex@mple.com",
            "é.com",
        ] {
            assert_eq!(parse_host(bad), Err(Denial::InvalidHost), "{bad:?}");
        }
    }

    #[test]
    fn allow_list_deny_list_and_ports() {
        let allow = HostSet::parse(&["ftp.example.com", "*.example.org", "93.184.216.0/24"]).unwrap();
        let deny = HostSet::parse(&["bad.example.org", "93.184.216.66"]).unwrap();
        let policy = Policy::new(false, vec![21, 990], allow, deny);
        let control = Role::Control { grant: None };
        let check = |host: &str, ip: &str, port: u16| {
            let host = parse_host(host).unwrap();
            policy.check_request(&host, port, control)?;
            policy.check_resolved(&host, &[ip.parse().unwrap()], control)
        };
        assert!(check("ftp.example.com", "8.8.8.8", 21).is_ok());
        assert!(check("ftp.example.com", "8.8.8.8", 990).is_ok());
        assert_eq!(check("ftp.example.com", "8.8.8.8", 22), Err(Denial::ControlPort));
        assert!(check("a.example.org", "8.8.4.4", 21).is_ok());
        assert_eq!(check("example.org", "8.8.4.4", 21), Err(Denial::NotAllowListed));
        assert_eq!(check("bad.example.org", "8.8.4.4", 21), Err(Denial::DenyListed));
        assert!(check("93.184.216.34", "93.184.216.34", 21).is_ok());
        assert!(check("other.example.net", "93.184.216.34", 21).is_ok());
        assert_eq!(check("93.184.216.66", "93.184.216.66", 21), Err(Denial::DenyListed));
        assert_eq!(check("other.example.net", "8.8.8.8", 21), Err(Denial::NotAllowListed));
        // An allowed name still may not resolve to a private address.
        assert_eq!(check("ftp.example.com", "10.0.0.1", 21), Err(Denial::Address(AddressClass::Private)));
        // Without an allow-list, any public destination on a control port.
        let open =
            Policy::new(false, vec![21], HostSet::default(), HostSet::parse(&["*.evil.test"]).unwrap());
        let host = parse_host("x.evil.test").unwrap();
        assert_eq!(open.check_request(&host, 21, control), Err(Denial::DenyListed));
        let host = parse_host("ftp.gnu.org").unwrap();
        assert!(open.check_request(&host, 21, control).is_ok());
        assert_eq!(open.check_request(&host, 25, control), Err(Denial::ControlPort));
    }

    #[test]
    fn every_resolved_address_is_checked() {
        let policy = policy(false);
        let control = Role::Control { grant: None };
        let host = parse_host("rebind.example.com").unwrap();
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let private: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(policy.check_resolved(&host, &[public], control), Ok(vec![public]));
        assert_eq!(
            policy.check_resolved(&host, &[public, private], control),
            Err(Denial::Address(AddressClass::Loopback))
        );
        assert_eq!(policy.check_resolved(&host, &[], control), Err(Denial::InvalidHost));
    }

    #[test]
    fn data_connections_are_pinned_to_the_control_ip() {
        let policy = policy(true);
        let control: IpAddr = "127.0.0.1".parse().unwrap();
        let data = Role::Data { control };
        let check = |host: &str, port: u16, resolved: &[&str]| {
            let host = parse_host(host).unwrap();
            let resolved: Vec<IpAddr> = resolved.iter().map(|s| s.parse().unwrap()).collect();
            policy.check_request(&host, port, data)?;
            policy.check_resolved(&host, &resolved, data)
        };
        assert_eq!(check("127.0.0.1", 50000, &["127.0.0.1"]), Ok(vec![control]));
        assert_eq!(check("::ffff:127.0.0.1", 50000, &["::ffff:127.0.0.1"]), Ok(vec![control]));
        assert_eq!(check("127.0.0.2", 50000, &["127.0.0.2"]), Err(Denial::DataPeerMismatch));
        assert_eq!(check("127.0.0.1", 1023, &["127.0.0.1"]), Err(Denial::DataPeerMismatch));
        assert_eq!(check("127.0.0.1", 22, &["127.0.0.1"]), Err(Denial::DataPeerMismatch));
        assert_eq!(check("127.0.0.1", 1024, &["127.0.0.1"]), Ok(vec![control]));
        // A name with the control IP among others goes to the control IP.
        assert_eq!(check("ftp.local", 2000, &["127.0.0.2", "127.0.0.1"]), Ok(vec![control]));
        assert_eq!(check("ftp.local", 2000, &["127.0.0.2"]), Err(Denial::DataPeerMismatch));
        // Special addresses stay refused even as "the same" host.
        let strict = Policy::new(false, vec![21], HostSet::default(), HostSet::default());
        let host = parse_host("169.254.169.254").unwrap();
        assert_eq!(
            strict.check_resolved(
                &host,
                &["169.254.169.254".parse().unwrap()],
                Role::Data { control: "169.254.169.254".parse().unwrap() }
            ),
            Err(Denial::Address(AddressClass::LinkLocal))
        );
        // Active mode: only the control IP may connect.
        assert!(Policy::check_listen_peer(control, "127.0.0.1".parse().unwrap()).is_ok());
        assert!(Policy::check_listen_peer(control, "::ffff:127.0.0.1".parse().unwrap()).is_ok());
        assert_eq!(
            Policy::check_listen_peer(control, "127.0.0.2".parse().unwrap()),
            Err(Denial::DataPeerMismatch)
        );
    }

    #[test]
    fn tickets_restrict_the_control_connection() {
        let policy = policy(false);
        let grant = HostSet::parse(&["ftp.example.com", "93.184.216.0/24"]).unwrap();
        let role = Role::Control { grant: Some(&grant) };
        let check = |host: &str, ip: &str| {
            let host = parse_host(host).unwrap();
            policy.check_request(&host, 21, role)?;
            policy.check_resolved(&host, &[ip.parse().unwrap()], role)
        };
        assert!(check("ftp.example.com", "8.8.8.8").is_ok());
        assert!(check("93.184.216.34", "93.184.216.34").is_ok());
        assert!(check("mirror.example.net", "93.184.216.10").is_ok());
        assert_eq!(check("mirror.example.net", "8.8.8.8"), Err(Denial::TicketHost));
        assert_eq!(check("8.8.8.8", "8.8.8.8"), Err(Denial::TicketHost));
        let names_only = HostSet::parse(&["ftp.example.com"]).unwrap();
        let role = Role::Control { grant: Some(&names_only) };
        let host = parse_host("other.example.com").unwrap();
        assert_eq!(policy.check_request(&host, 21, role), Err(Denial::TicketHost));
    }

    #[test]
    fn cidrs() {
        let net: Cidr = "10.1.2.3/8".parse().unwrap();
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert!(net.contains("10.200.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("1.2.3.4".parse().unwrap()));
        assert!(!all.contains("2001:db8::1".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert_eq!("192.0.2.7".parse::<Cidr>().unwrap().to_string(), "192.0.2.7/32");
        for bad in ["10.0.0.0/33", "::/129", "x/8", "10.0.0.0/", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
