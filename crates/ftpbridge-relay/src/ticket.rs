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
//! payload = {"v":1,"exp":<unix seconds>,"hosts":["ftp.example.com","198.51.100.0/24"]}
//! ```
//!
//! `hosts` entries are host names (`*.example.com` allowed), IP addresses or CIDRs; a
//! session with a ticket may open its control connection only to those (on top of the
//! relay's own policy, which still applies).

use crate::policy::HostSet;
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
pub fn mint(secret: &[u8], hosts: &[String], ttl: Duration, now: SystemTime) -> Result<String, String> {
    HostSet::parse(hosts)?;
    let exp = now.duration_since(UNIX_EPOCH).unwrap_or_default().saturating_add(ttl).as_secs();
    let claims = TicketClaims { v: 1, exp, hosts: hosts.to_vec() };
    let payload = serde_json::to_vec(&claims).map_err(|e| e.to_string())?;
    let mut mac = mac(secret);
    mac.update(&payload);
    let mut bytes = mac.finalize().into_bytes().to_vec();
    bytes.extend_from_slice(&payload);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a ticket against every secret and the clock; returns its claims and the
/// hosts they allow.
pub fn verify<S: AsRef<[u8]>>(
    secrets: &[S],
    ticket: &str,
    now: SystemTime,
) -> Result<(TicketClaims, HostSet), TicketError> {
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
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now >= claims.exp {
        return Err(TicketError::Expired);
    }
    Ok((claims, hosts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_host;

    const SECRET: &[u8] = b"correct horse battery staple";

    #[test]
    fn minted_tickets_verify_until_they_expire() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let hosts = vec!["ftp.example.com".to_string(), "198.51.100.0/24".to_string()];
        let ticket = mint(SECRET, &hosts, Duration::from_secs(60), now).unwrap();
        assert!(ticket.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let (claims, set) = verify(&[SECRET], &ticket, now).unwrap();
        assert_eq!(claims.exp, 1_700_000_060);
        assert!(set.matches_name(&parse_host("ftp.example.com").unwrap()));
        assert!(set.matches_ip("198.51.100.9".parse().unwrap()));
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
        let ticket = mint(SECRET, &["ftp.example.com".to_string()], Duration::from_secs(60), now).unwrap();
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
        assert!(mint(SECRET, &["not a host!".to_string()], Duration::from_secs(1), now).is_err());
    }
}
