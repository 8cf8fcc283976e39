//! Who may open a session: the checks on the upgrade request, before any WebSocket
//! exists (client IP behind trusted proxies, `Origin`, subprotocol, ticket) and the
//! session slots (limits in total and per client IP).

use crate::policy::Cidr;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// The client's IP: the TCP peer, or, when the peer is a trusted proxy, the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    hops.into_iter().rev().find(|&ip| !trusted(ip)).unwrap_or(peer)
}

/// Whether the request's `Origin` may open a session: absent (non-browser clients)
/// unless `require_origin`; listed in `allowed` (or `allowed` has `"*"`); or the same
/// origin as the page, its host and port equal to the `Host` header.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String], require_origin: bool) -> bool {
    let Some(origin) = headers.get(ORIGIN) else { return !require_origin };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.trim().trim_end_matches('/');
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some((scheme, authority)) = origin.split_once("://") else { return false };
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else { return false };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let normalise = |authority: &str| {
        let authority = authority.to_ascii_lowercase();
        match authority.strip_suffix(&format!(":{default_port}")) {
            Some(bare) => bare.to_string(),
            None => authority,
        }
    };
    !authority.is_empty() && normalise(authority) == normalise(host.trim())
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

/// The ticket offered as a subprotocol (`ticket.<ticket>`) or in the query.
pub fn offered_ticket(protocols: &[String], query: Option<&str>) -> Option<String> {
    protocols
        .iter()
        .find_map(|p| p.strip_prefix(crate::ticket::SUBPROTOCOL_PREFIX).map(str::to_string))
        .or_else(|| query.map(str::to_string))
}

/// The key sessions are counted under: the IP, or its /64 for IPv6 (one host usually
/// owns a whole /64).
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Session slots: a session holds one while it runs.
#[derive(Clone, Debug)]
pub struct SessionSlots {
    max_total: usize,
    max_per_ip: usize,
    counts: Arc<Mutex<Counts>>,
}

/// Which session limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRefusal {
    /// The relay has its maximum of sessions.
    Total,
    /// The client IP has its maximum of sessions.
    PerIp,
}

impl SlotRefusal {
    /// The `reason` label of the denial metric.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotRefusal::Total => "session_limit",
            SlotRefusal::PerIp => "session_limit_per_ip",
        }
    }
}

/// A session's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SessionSlot {
    key: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl SessionSlots {
    /// Slots for `max_total` sessions, `max_per_ip` per client.
    pub fn new(max_total: usize, max_per_ip: usize) -> SessionSlots {
        SessionSlots { max_total, max_per_ip, counts: Arc::default() }
    }

    /// Takes a slot for a session of `client`.
    pub fn acquire(&self, client: IpAddr) -> Result<SessionSlot, SlotRefusal> {
        let key = ip_key(client);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.max_total {
            return Err(SlotRefusal::Total);
        }
        let mine = counts.per_ip.entry(key).or_default();
        if *mine >= self.max_per_ip {
            return Err(SlotRefusal::PerIp);
        }
        *mine += 1;
        counts.total += 1;
        Ok(SessionSlot { key, counts: self.counts.clone() })
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_ip.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.key);
            }
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
    fn forwarded_for_only_from_trusted_proxies() {
        let proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.1"), ("x-forwarded-for", "10.0.0.7")]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("192.0.2.50"), &h, &proxies), ip("192.0.2.50"));
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&[("x-forwarded-for", "junk")]), &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(ip("::ffff:10.0.0.2"), &headers(&[]), &proxies), ip("10.0.0.2"));
    }

    #[test]
    fn origins() {
        let allowed = vec!["https://app.example".to_string()];
        let check = |list: &[(&'static str, &'static str)]| origin_allowed(&headers(list), &allowed, false);
        assert!(check(&[]), "no Origin: a non-browser client");
        assert!(!origin_allowed(&headers(&[]), &allowed, true));
        assert!(check(&[("origin", "https://app.example")]));
        assert!(!check(&[("origin", "https://evil.example")]));
        assert!(!check(&[("origin", "null")]));
        assert!(check(&[("origin", "http://relay.example:8080"), ("host", "relay.example:8080")]));
        assert!(check(&[("origin", "https://relay.example"), ("host", "relay.example:443")]));
        assert!(check(&[("origin", "http://RELAY.example"), ("host", "relay.example")]));
        assert!(!check(&[("origin", "http://relay.example:8081"), ("host", "relay.example:8080")]));
        assert!(!check(&[("origin", "http://evil.example"), ("host", "relay.example")]));
        assert!(!check(&[("origin", "http://relay.example")]));
        assert!(origin_allowed(&headers(&[("origin", "https://any.example")]), &["*".to_string()], true));
    }

    #[test]
    fn protocols_and_tickets() {
        let h = headers(&[("sec-websocket-protocol", "ftpbridge.v1, ticket.abc")]);
        let protocols = requested_protocols(&h);
        assert_eq!(protocols, vec!["ftpbridge.v1", "ticket.abc"]);
        assert_eq!(offered_ticket(&protocols, Some("q")), Some("abc".to_string()));
        assert_eq!(offered_ticket(&protocols[..1], Some("q")), Some("q".to_string()));
        assert_eq!(offered_ticket(&[], None), None);
    }

    #[test]
    fn slots_in_total_and_per_ip() {
        let slots = SessionSlots::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let b_same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let s1 = slots.acquire(a).unwrap();
        let _s2 = slots.acquire(a).unwrap();
        assert_eq!(slots.acquire(a).unwrap_err(), SlotRefusal::PerIp);
        let _s3 = slots.acquire(b).unwrap();
        assert_eq!(slots.acquire(b_same_64).unwrap_err(), SlotRefusal::Total);
        drop(s1);
        assert!(slots.acquire(b_same_64).is_ok());
    }
}
