//! Who may open a session: the checks on the upgrade request, before any WebSocket
//! exists (the `Host` is one of the relay's own names, the client IP behind trusted
//! proxies, the upgrade rate, `Origin`, subprotocol, ticket) and the session slots
//! (limits in total, per client IP and per client network, per ticket).

use crate::policy::Cidr;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// The client's IP: the TCP peer, or, when the peer is a trusted proxy, the address
/// the proxies saw. `X-Forwarded-For` is walked from the right (the hop the nearest
/// proxy added) past trusted proxies; the first hop that is not trusted is the client.
/// A hop that cannot be read stops the walk: the client is then the last trusted
/// proxy that passed it, never an address the client could have written. Hops may
/// carry a port (`203.0.113.9:51234`, `[2001:db8::1]:443`).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().unwrap_or(""))
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop.trim()) else { return client };
        client = ip;
        if !trusted(ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` hop: an IP, `ip:port` or `[v6]:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(address) = hop.parse::<SocketAddr>() {
        return Some(address.ip().to_canonical());
    }
    let bare = hop.strip_prefix('[')?.strip_suffix(']')?;
    bare.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// The relay's default host names when it listens on `address`: that address and,
/// for its port, `localhost`, `127.0.0.1` and `[::1]`.
pub fn default_hosts(address: SocketAddr) -> Vec<String> {
    let port = address.port();
    let mut hosts = Vec::new();
    if !address.ip().is_unspecified() {
        hosts.push(address.to_string());
    }
    hosts.extend([format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
    hosts
}

/// A `host[:port]` as (lower-case host, port), the scheme's default port when none.
fn authority(text: &str, default_port: u16) -> Option<(String, u16)> {
    let authority: axum::http::uri::Authority = text.trim().parse().ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = authority.host().trim_end_matches('.').to_ascii_lowercase();
    Some((host, authority.port_u16().unwrap_or(default_port)))
}

/// Whether the request's `Host` is one of the relay's own names (`hosts`, each
/// `host[:port]`; a name without a port means port 80 or 443). Without this, a page
/// of any origin could make its own name point at the relay (DNS rebinding) and pass
/// as the relay's own page.
pub fn host_allowed(headers: &HeaderMap, hosts: &[String]) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else { return false };
    let matches = |port: u16| {
        let Some(asked) = authority(host, port) else { return false };
        hosts.iter().filter_map(|h| authority(h, port)).any(|own| own == asked)
    };
    matches(80) || matches(443)
}

/// The request's `Host` without its port, in lower case.
pub fn request_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    authority(host, 80).map(|(host, _)| host)
}

/// Whether the request's `Origin` may open a session: listed in `allowed` (or
/// `allowed` has `"*"`), or a page of the relay's own (`http(s)://` one of its
/// `hosts`). A request without `Origin` (a non-browser client) passes unless
/// `required`. The `Host` header plays no part: it is the page's to choose.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String], hosts: &[String], required: bool) -> bool {
    let Some(origin) = headers.get(ORIGIN) else { return !required };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.trim().trim_end_matches('/');
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    let port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let Some(asked) = authority(rest, port) else { return false };
    hosts.iter().filter_map(|h| authority(h, port)).any(|own| own == asked)
}

/// The values of `Sec-WebSocket-Protocol`, across header lines.
pub fn requested_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The ticket offered as a subprotocol (`ticket.<ticket>`). Never in the URL: proxies
/// log URLs.
pub fn offered_ticket(protocols: &[String]) -> Option<String> {
    protocols.iter().find_map(|p| p.strip_prefix(crate::ticket::SUBPROTOCOL_PREFIX).map(str::to_string))
}

/// The key a client is counted under: the IP, or its /64 for IPv6 (one host usually
/// owns a whole /64).
pub fn client_key(ip: IpAddr) -> IpAddr {
    prefix(ip, 32, 64)
}

/// The first `v4` or `v6` bits of `ip`.
fn prefix(ip: IpAddr, v4: u32, v6: u32) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(ip) => {
            IpAddr::V6(Ipv6Addr::from_bits(ip.to_bits() & u128::MAX.checked_shl(128 - v6).unwrap_or(0)))
        }
        IpAddr::V4(ip) => IpAddr::V4(std::net::Ipv4Addr::from_bits(
            ip.to_bits() & u32::MAX.checked_shl(32 - v4).unwrap_or(0),
        )),
    }
}

/// The keys a session counts under, with their limits: the client (IPv4 /32, IPv6
/// /64), its network (/24, /56) and, for IPv6, the /48 (twice the network's limit).
fn keys(ip: IpAddr, per_ip: usize, per_network: usize) -> Vec<(IpAddr, u8, usize)> {
    let mut keys = vec![(client_key(ip), 0, per_ip), (prefix(ip, 24, 56), 1, per_network)];
    if ip.to_canonical().is_ipv6() {
        keys.push((prefix(ip, 24, 48), 2, per_network.saturating_mul(2)));
    }
    keys
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    /// Sessions per (key, level): 0 the client, 1 its network, 2 the IPv6 /48.
    per_key: HashMap<(IpAddr, u8), usize>,
}

/// Session slots: a session holds one while it runs.
#[derive(Clone, Debug)]
pub struct SessionSlots {
    max_total: usize,
    max_per_ip: usize,
    max_per_network: usize,
    counts: Arc<Mutex<Counts>>,
}

/// Which session limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRefusal {
    /// The relay has its maximum of sessions.
    Total,
    /// The client IP has its maximum of sessions.
    PerIp,
    /// The client's network has its maximum of sessions.
    PerNetwork,
    /// The ticket has its maximum of sessions.
    PerTicket,
}

impl SlotRefusal {
    /// The `reason` label of the denial metric.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotRefusal::Total => "session_limit",
            SlotRefusal::PerIp => "session_limit_per_ip",
            SlotRefusal::PerNetwork => "session_limit_per_network",
            SlotRefusal::PerTicket => "session_limit_per_ticket",
        }
    }
}

/// A session's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SessionSlot {
    keys: Vec<(IpAddr, u8)>,
    counts: Arc<Mutex<Counts>>,
}

impl SessionSlots {
    /// Slots for `max_total` sessions, `max_per_ip` per client and `max_per_network`
    /// per client network.
    pub fn new(max_total: usize, max_per_ip: usize, max_per_network: usize) -> SessionSlots {
        SessionSlots { max_total, max_per_ip, max_per_network, counts: Arc::default() }
    }

    /// Takes a slot for a session of `client`.
    pub fn acquire(&self, client: IpAddr) -> Result<SessionSlot, SlotRefusal> {
        let keys = keys(client, self.max_per_ip, self.max_per_network);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.max_total {
            return Err(SlotRefusal::Total);
        }
        for &(key, level, max) in &keys {
            if counts.per_key.get(&(key, level)).copied().unwrap_or(0) >= max {
                return Err(if level == 0 { SlotRefusal::PerIp } else { SlotRefusal::PerNetwork });
            }
        }
        for &(key, level, _) in &keys {
            *counts.per_key.entry((key, level)).or_default() += 1;
        }
        counts.total += 1;
        Ok(SessionSlot {
            keys: keys.into_iter().map(|(k, l, _)| (k, l)).collect(),
            counts: self.counts.clone(),
        })
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        for key in &self.keys {
            if let Some(n) = counts.per_key.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    counts.per_key.remove(key);
                }
            }
        }
    }
}

/// Sessions per ticket: a ticket with `max_sessions` opens no more at once.
#[derive(Clone, Debug, Default)]
pub struct TicketSlots {
    counts: Arc<Mutex<HashMap<[u8; 32], usize>>>,
}

/// A ticket's session slot; dropping it frees the slot.
#[derive(Debug)]
pub struct TicketSlot {
    id: [u8; 32],
    counts: Arc<Mutex<HashMap<[u8; 32], usize>>>,
}

impl TicketSlots {
    /// Takes a slot for a session of the ticket `id`, which allows `max` at once.
    pub fn acquire(&self, id: [u8; 32], max: Option<u32>) -> Result<TicketSlot, SlotRefusal> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = counts.entry(id).or_default();
        if max.is_some_and(|max| *mine >= max as usize) {
            if *mine == 0 {
                counts.remove(&id);
            }
            return Err(SlotRefusal::PerTicket);
        }
        *mine += 1;
        Ok(TicketSlot { id, counts: self.counts.clone() })
    }
}

impl Drop for TicketSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.id);
            }
        }
    }
}

/// Events per client per second, with a burst (token buckets, one per client key).
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Buckets kept before full ones are forgotten.
const MAX_BUCKETS: usize = 65_536;

impl RateLimiter {
    /// `rate` events per second on average, `burst` at once.
    pub fn new(rate: u32, burst: u32) -> RateLimiter {
        RateLimiter { rate: f64::from(rate), burst: f64::from(burst), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one event for `client`; false when it is over its rate.
    pub fn take(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            let (rate, burst) = (self.rate, self.burst);
            buckets
                .retain(|_, (tokens, last)| *tokens + now.duration_since(*last).as_secs_f64() * rate < burst);
        }
        let (tokens, last) = buckets.entry(client_key(client)).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(list: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in list {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn forwarded_for_is_walked_from_the_right_past_trusted_proxies() {
        let proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.1"), ("x-forwarded-for", "10.0.0.7")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("192.0.2.50"), &h, &proxies), ip("192.0.2.50"), "an untrusted peer");
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
        // Junk the client wrote to the left of its real address changes nothing.
        let h = headers(&[("x-forwarded-for", "junk, 1.2.3.4, 198.51.100.1")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.1"));
        // Junk at the right stops the walk at the proxy that passed it.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, junk")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("10.0.0.2"));
        // Ports.
        let h = headers(&[("x-forwarded-for", "198.51.100.1:51234")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.1"));
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("2001:db8::1"));
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("2001:db8::1"));
        assert_eq!(client_ip(ip("::ffff:10.0.0.2"), &headers(&[]), &proxies), ip("10.0.0.2"));
    }

    #[test]
    fn hosts_and_origins() {
        let hosts = default_hosts("127.0.0.1:8080".parse().unwrap());
        assert!(host_allowed(&headers(&[("host", "127.0.0.1:8080")]), &hosts));
        assert!(host_allowed(&headers(&[("host", "LOCALHOST:8080")]), &hosts));
        assert!(host_allowed(&headers(&[("host", "[::1]:8080")]), &hosts));
        assert!(!host_allowed(&headers(&[("host", "evil.test:8080")]), &hosts), "DNS rebinding");
        assert!(!host_allowed(&headers(&[("host", "127.0.0.1:8081")]), &hosts));
        assert!(!host_allowed(&headers(&[]), &hosts));
        let public = vec!["ftp.example.com".to_string()];
        assert!(host_allowed(&headers(&[("host", "ftp.example.com")]), &public));
        assert!(host_allowed(&headers(&[("host", "ftp.example.com:443")]), &public));

        let allowed = vec!["https://app.example".to_string()];
        let check = |list: &[(&'static str, &'static str)], required| {
            origin_allowed(&headers(list), &allowed, &hosts, required)
        };
        assert!(check(&[], false), "no Origin: a non-browser client");
        assert!(!check(&[], true));
        assert!(check(&[("origin", "https://app.example")], true));
        assert!(check(&[("origin", "http://127.0.0.1:8080")], true), "the relay's own page");
        assert!(check(&[("origin", "http://localhost:8080")], true));
        assert!(!check(&[("origin", "https://evil.example")], true));
        assert!(!check(&[("origin", "null")], true));
        // The Host header is the page's to choose: it plays no part.
        assert!(!check(&[("origin", "http://evil.test:8080"), ("host", "evil.test:8080")], true));
        assert!(!check(&[("origin", "http://127.0.0.1:8081")], true));
        assert!(origin_allowed(
            &headers(&[("origin", "https://any.example")]),
            &["*".to_string()],
            &hosts,
            true
        ));
    }

    #[test]
    fn tickets_come_only_as_a_subprotocol() {
        let h = headers(&[("sec-websocket-protocol", "ftpbridge.v1, ticket.abc")]);
        let protocols = requested_protocols(&h);
        assert_eq!(protocols, vec!["ftpbridge.v1", "ticket.abc"]);
        assert_eq!(offered_ticket(&protocols), Some("abc".to_string()));
        assert_eq!(offered_ticket(&protocols[..1]), None);
    }

    #[test]
    fn slots_in_total_per_ip_and_per_network() {
        let slots = SessionSlots::new(100, 2, 3);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a1 = slots.acquire(ip("192.0.2.1")).unwrap();
        let _a2 = slots.acquire(ip("192.0.2.1")).unwrap();
        assert_eq!(slots.acquire(ip("192.0.2.1")).unwrap_err(), SlotRefusal::PerIp);
        let _b = slots.acquire(ip("192.0.2.2")).unwrap();
        assert_eq!(slots.acquire(ip("192.0.2.3")).unwrap_err(), SlotRefusal::PerNetwork, "the /24 is full");
        assert!(slots.acquire(ip("192.0.3.1")).is_ok());
        drop(a1);
        assert!(slots.acquire(ip("192.0.2.3")).is_ok());
        // IPv6: one /56 may not hold more than the network's share, whatever its /64s.
        let slots = SessionSlots::new(100, 2, 3);
        let mut held = Vec::new();
        for i in 0..3 {
            held.push(slots.acquire(format!("2001:db8:0:{i}::1").parse().unwrap()).unwrap());
        }
        assert_eq!(slots.acquire(ip("2001:db8:0:7::1")).unwrap_err(), SlotRefusal::PerNetwork);
        // The /48 holds twice the network's share across its /56s.
        for i in 1..3u32 {
            for j in 0..3 {
                let address = format!("2001:db8:0:{:x}::1", (i << 8) | j);
                if let Ok(slot) = slots.acquire(address.parse().unwrap()) {
                    held.push(slot);
                }
            }
        }
        assert_eq!(held.len(), 6, "a /48 holds at most twice per_network");
        let total = SessionSlots::new(1, 5, 5);
        let _one = total.acquire(ip("198.51.100.1")).unwrap();
        assert_eq!(total.acquire(ip("203.0.113.1")).unwrap_err(), SlotRefusal::Total);
    }

    #[test]
    fn tickets_and_rates() {
        let tickets = TicketSlots::default();
        let one = tickets.acquire([1; 32], Some(1)).unwrap();
        assert_eq!(tickets.acquire([1; 32], Some(1)).unwrap_err(), SlotRefusal::PerTicket);
        assert!(tickets.acquire([2; 32], Some(1)).is_ok());
        drop(one);
        assert!(tickets.acquire([1; 32], Some(1)).is_ok());

        let rate = RateLimiter::new(1, 3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(rate.take(a) && rate.take(a) && rate.take(a));
        assert!(!rate.take(a), "over the burst");
        assert!(rate.take("192.0.2.2".parse().unwrap()), "another client");
    }
}
