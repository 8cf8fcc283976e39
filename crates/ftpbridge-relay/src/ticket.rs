//! Signed, expiring session tickets.
//!
//! A ticket lets a web application decide who may use its relay, and for which FTP
//! servers, without the relay knowing its users: the application's back end mints a
//! ticket with a secret it shares with the relay, and the page passes it on the
//! upgrade, as a second subprotocol `ticket.<ticket>` or as `?ticket=<ticket>`.
//!
//! ```text
//! ticket  = base64url( mac(32 bytes) | payload )        (no padding)
//! mac     = HMAC-SHA256(secret, payload)
//! payload = {"v":1,"exp":<unix seconds>,"hosts":["ftp.example.com","198.51.100.0/24"],
//!            "aud":["relay.example.com"],"max_sessions":2,"data_ports":["40000-40100"]}
//! ```
//!
//! `hosts` entries are host names (`*.example.com` allowed), IP addresses or CIDRs; a
//! session with a ticket may open its control connection only to those (on top of the
//! relay's own policy, which still applies). The optional fields narrow it further:
//! `aud`, the relay host names (`Host`) the ticket is for; `max_sessions`, how many
//! sessions may use the ticket at once; `data_ports`, the ports its data connections
//! may go to (`"A-B"`, `"N"`, `"!N"`).

use crate::policy::{HostSet, PortSet};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest ticket accepted, in characters.
pub const MAX_TICKET_LEN: usize = 4096;
/// The prefix of the subprotocol value that carries a ticket.
pub const SUBPROTOCOL_PREFIX: &str = "ticket.";

const MAC_LEN: usize = 32;

/// What a ticket says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// Format version, 1.
    pub v: u8,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Control servers the session may reach: names, `*.domain`, IPs or CIDRs.
    pub hosts: Vec<String>,
    /// The relay host names the ticket is for; empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aud: Vec<String>,
    /// Sessions that may use the ticket at once; none: no limit of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
    /// Ports the session's data connections may go to; empty: the relay's rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_ports: Vec<String>,
}

/// What a ticket allows, read and checked.
#[derive(Clone, Debug)]
pub struct Grant {
    /// Control servers.
    pub hosts: HostSet,
    /// Data ports (empty: the relay's rules only).
    pub data_ports: PortSet,
    /// Relay host names the ticket is for (empty: any), lower case.
    pub audience: Vec<String>,
    /// Sessions at once.
    pub max_sessions: Option<u32>,
    /// The ticket's signature: its identity, for counting its sessions.
    pub id: [u8; MAC_LEN],
}

/// What a ticket to mint says, besides its lifetime.
#[derive(Clone, Debug, Default)]
pub struct TicketSpec {
    /// Control servers (required, at least one).
    pub hosts: Vec<String>,
    /// Relay host names it is for.
    pub audience: Vec<String>,
    /// Sessions at once.
    pub max_sessions: Option<u32>,
    /// Data ports.
    pub data_ports: Vec<String>,
}

/// Why a ticket was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketError {
    /// Not base64url, too short or too long.
    Malformed,
    /// The signature does not match any configured secret.
    BadSignature,
    /// Signed, but the payload cannot be read or names an invalid host.
    BadPayload(String),
    /// Past its expiry.
    Expired,
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketError::Malformed => f.write_str("malformed ticket"),
            TicketError::BadSignature => f.write_str("ticket signature does not match"),
            TicketError::BadPayload(why) => write!(f, "invalid ticket payload: {why}"),
            TicketError::Expired => f.write_str("ticket expired"),
        }
    }
}

impl std::error::Error for TicketError {}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// Mints a ticket for `hosts`, valid for `ttl` from `now`. Fails when a host entry is
/// not a host name, `*.domain`, IP address or CIDR.
pub fn mint(secret: &[u8], spec: &TicketSpec, ttl: Duration, now: SystemTime) -> Result<String, String> {
    HostSet::parse(&spec.hosts)?;
    PortSet::parse(&spec.data_ports)?;
    let exp = now.duration_since(UNIX_EPOCH).unwrap_or_default().saturating_add(ttl).as_secs();
    let claims = TicketClaims {
        v: 1,
        exp,
        hosts: spec.hosts.clone(),
        aud: spec.audience.iter().map(|a| a.to_ascii_lowercase()).collect(),
        max_sessions: spec.max_sessions,
        data_ports: spec.data_ports.clone(),
    };
    let payload = serde_json::to_vec(&claims).map_err(|e| e.to_string())?;
    let mut mac = mac(secret);
    mac.update(&payload);
    let mut bytes = mac.finalize().into_bytes().to_vec();
    bytes.extend_from_slice(&payload);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a ticket against every secret and the clock; returns its claims and what
/// they allow.
pub fn verify<S: AsRef<[u8]>>(
    secrets: &[S],
    ticket: &str,
    now: SystemTime,
) -> Result<(TicketClaims, Grant), TicketError> {
    if ticket.is_empty() || ticket.len() > MAX_TICKET_LEN {
        return Err(TicketError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(ticket).map_err(|_| TicketError::Malformed)?;
    if bytes.len() <= MAC_LEN {
        return Err(TicketError::Malformed);
    }
    let (tag, payload) = bytes.split_at(MAC_LEN);
    let signed = secrets.iter().any(|secret| {
        let mut mac = mac(secret.as_ref());
        mac.update(payload);
        mac.verify_slice(tag).is_ok()
    });
    if !signed {
        return Err(TicketError::BadSignature);
    }
    let claims: TicketClaims =
        serde_json::from_slice(payload).map_err(|e| TicketError::BadPayload(e.to_string()))?;
    if claims.v != 1 {
        return Err(TicketError::BadPayload(format!("version {}", claims.v)));
    }
    let hosts = HostSet::parse(&claims.hosts).map_err(TicketError::BadPayload)?;
    let data_ports = PortSet::parse(&claims.data_ports).map_err(TicketError::BadPayload)?;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now >= claims.exp {
        return Err(TicketError::Expired);
    }
    let mut id = [0u8; MAC_LEN];
    id.copy_from_slice(tag);
    let grant = Grant {
        hosts,
        data_ports,
        audience: claims.aud.iter().map(|a| a.to_ascii_lowercase()).collect(),
        max_sessions: claims.max_sessions,
        id,
    };
    Ok((claims, grant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_host;

    const SECRET: &[u8] = b"correct horse battery staple";

    #[test]
    fn minted_tickets_verify_until_they_expire() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let spec = TicketSpec {
            hosts: vec!["ftp.example.com".to_string(), "198.51.100.0/24".to_string()],
            audience: vec!["Relay.Example".to_string()],
            max_sessions: Some(2),
            data_ports: vec!["40000-40010".to_string()],
        };
        let ticket = mint(SECRET, &spec, Duration::from_secs(60), now).unwrap();
        assert!(ticket.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let (claims, grant) = verify(&[SECRET], &ticket, now).unwrap();
        assert_eq!(claims.exp, 1_700_000_060);
        assert!(grant.hosts.matches_name(&parse_host("ftp.example.com").unwrap()));
        assert!(grant.hosts.matches_ip("198.51.100.9".parse().unwrap()));
        assert_eq!(grant.audience, vec!["relay.example"]);
        assert_eq!(grant.max_sessions, Some(2));
        assert!(grant.data_ports.contains(40005) && !grant.data_ports.contains(40011));
        // Any of several secrets (rotation).
        assert!(verify(&[b"old secret".as_slice(), SECRET], &ticket, now).is_ok());
        assert_eq!(
            verify(&[SECRET], &ticket, now + Duration::from_secs(60)).unwrap_err(),
            TicketError::Expired
        );
    }

    #[test]
    fn forged_and_malformed_tickets_are_refused() {
        let now = SystemTime::now();
        let spec = TicketSpec { hosts: vec!["ftp.example.com".to_string()], ..TicketSpec::default() };
        let ticket = mint(SECRET, &spec, Duration::from_secs(60), now).unwrap();
        assert_eq!(verify(&[b"another secret"], &ticket, now).unwrap_err(), TicketError::BadSignature);
        // Change the payload: the signature no longer matches.
        let mut bytes = URL_SAFE_NO_PAD.decode(&ticket).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        assert_eq!(
            verify(&[SECRET], &URL_SAFE_NO_PAD.encode(&bytes), now).unwrap_err(),
            TicketError::BadSignature
        );
        for bad in ["", "!!!", "AAAA", &"A".repeat(MAX_TICKET_LEN + 1)] {
            assert_eq!(verify(&[SECRET], bad, now).unwrap_err(), TicketError::Malformed, "{bad}");
        }
        let bad = TicketSpec { hosts: vec!["not a host!".to_string()], ..TicketSpec::default() };
        assert!(mint(SECRET, &bad, Duration::from_secs(1), now).is_err());
    }
}
