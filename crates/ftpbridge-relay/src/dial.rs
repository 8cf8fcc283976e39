//! Dialing a destination: the policy checks, the name lookup, the connect. The one
//! place where the relay turns a client's request into a TCP connection.
//!
//! ```text
//!  target ─► policy.check_request ─► lookup (hickory, own timeout, capped in flight:
//!            (port, lists, ticket)     globally and per client) ─► policy.check_resolved
//!          ─► not the relay itself ─► connect to a checked address
//! ```
//!
//! Lookups run in the async resolver, never on tokio's blocking pool, so a name whose
//! DNS never answers ties up one of a bounded number of slots for at most the connect
//! timeout, and no other user waits for it.

use crate::policy::{Denial, Host, HostSet, Policy, Role};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Where an OPEN goes and in which role.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// The control connection, limited by the session's ticket.
    Control { host: Host, port: u16, grant: Option<Arc<HostSet>> },
    /// A data connection, pinned to the control IP; the host is an IP literal.
    Data { ip: IpAddr, port: u16, control: IpAddr },
}

impl Target {
    /// The host, for logs.
    pub(crate) fn host(&self) -> String {
        match self {
            Target::Control { host, .. } => host.to_string(),
            Target::Data { ip, .. } => ip.to_string(),
        }
    }
}

/// Why a connection was not made.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The policy refused it.
    Denied(Denial),
    /// Too many lookups in flight (globally or for this client).
    Busy,
    /// The network failed.
    Network(ftpbridge_wire::CloseReason),
}

impl From<Denial> for Failure {
    fn from(denial: Denial) -> Failure {
        Failure::Denied(denial)
    }
}

/// Unsent bytes the kernel may hold for a connection the relay made or accepted:
/// credit goes back to the client when a write completes, so what the client counts as
/// delivered is close to the wire, not in a deep socket buffer.
#[cfg(any(target_os = "linux", target_os = "android"))]
const NOT_SENT_LIMIT: u32 = 256 * 1024;

/// Socket options of every connection the relay relays.
pub(crate) fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(tcp).set_tcp_notsent_lowat(NOT_SENT_LIMIT);
}

/// The relay's own addresses: never a destination.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnAddresses {
    listeners: Vec<SocketAddr>,
}

impl OwnAddresses {
    /// Whether `(ip, port)` reaches one of the relay's own listeners: the same port on
    /// the same IP, on loopback, or on any IP when the listener is bound to all.
    fn contains(&self, ip: IpAddr, port: u16) -> bool {
        self.listeners.iter().any(|own| {
            own.port() == port
                && (own.ip().is_unspecified()
                    || ip.is_loopback()
                    || own.ip().to_canonical() == ip.to_canonical())
        })
    }
}

/// Lookups in flight, in total and per client.
#[derive(Debug)]
struct Lookups {
    total: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    max_per_client: usize,
}

/// A lookup slot; dropping it frees the slot.
struct LookupSlot<'a> {
    lookups: &'a Lookups,
    client: IpAddr,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for LookupSlot<'_> {
    fn drop(&mut self) {
        let mut map = self.lookups.per_client.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.client);
            }
        }
    }
}

impl Lookups {
    fn acquire(&self, client: IpAddr) -> Option<LookupSlot<'_>> {
        let permit = self.total.clone().try_acquire_owned().ok()?;
        let mut map = self.per_client.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = map.entry(client).or_default();
        if *mine >= self.max_per_client {
            return None;
        }
        *mine += 1;
        Some(LookupSlot { lookups: self, client, _permit: permit })
    }
}

/// Turns targets into connections.
pub(crate) struct Dialer {
    policy: Policy,
    resolver: TokioResolver,
    lookups: Lookups,
    connect_timeout: Duration,
    own: RwLock<OwnAddresses>,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl Dialer {
    /// A dialer under `policy`; lookups capped at `max_lookups` in flight (and
    /// `max_per_client` for one client), each bounded by `connect_timeout`.
    pub(crate) fn new(
        policy: Policy,
        dns_servers: &[SocketAddr],
        connect_timeout: Duration,
        max_lookups: usize,
        max_per_client: usize,
    ) -> Dialer {
        let provider = hickory_resolver::net::runtime::TokioRuntimeProvider::default;
        let mut builder = if dns_servers.is_empty() {
            TokioResolver::builder_tokio().unwrap_or_else(|_| {
                // No system configuration: names resolve from the hosts file only.
                TokioResolver::builder_with_config(ResolverConfig::from_name_servers(Vec::new()), provider())
            })
        } else {
            let servers = dns_servers
                .iter()
                .map(|address| {
                    let mut server = NameServerConfig::udp_and_tcp(address.ip());
                    for connection in &mut server.connections {
                        connection.port = address.port();
                    }
                    server
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider())
        };
        let options = builder.options_mut();
        options.timeout = connect_timeout;
        options.attempts = 1;
        options.use_hosts_file = ResolveHosts::Always;
        let resolver = builder.build().unwrap_or_else(|_| {
            let provider = hickory_resolver::net::runtime::TokioRuntimeProvider::default();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(Vec::new()), provider)
                .build()
                .unwrap_or_else(|error| panic!("a resolver without name servers: {error}"))
        });
        Dialer {
            policy,
            resolver,
            lookups: Lookups {
                total: Arc::new(Semaphore::new(max_lookups.max(1))),
                per_client: Mutex::new(HashMap::new()),
                max_per_client: max_per_client.max(1),
            },
            connect_timeout,
            own: RwLock::new(OwnAddresses::default()),
        }
    }

    /// The relay listens on `address` too: never a destination.
    pub(crate) fn add_own_address(&self, address: SocketAddr) {
        self.own.write().unwrap_or_else(PoisonError::into_inner).listeners.push(address);
    }

    /// Checks, resolves and connects; bounded by the connect timeout as a whole.
    pub(crate) async fn dial(
        &self,
        client: IpAddr,
        target: &Target,
    ) -> Result<(TcpStream, SocketAddr), Failure> {
        match tokio::time::timeout(self.connect_timeout, self.dial_unbounded(client, target)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Network(ftpbridge_wire::CloseReason::TimedOut)),
        }
    }

    async fn dial_unbounded(
        &self,
        client: IpAddr,
        target: &Target,
    ) -> Result<(TcpStream, SocketAddr), Failure> {
        let (addresses, port) = match target {
            Target::Control { host, port, grant } => {
                let role = Role::Control { grant: grant.as_deref() };
                self.policy.check_request(host, *port, role)?;
                let addresses = match host {
                    Host::Ip(ip) => vec![*ip],
                    Host::Name(name) => self.lookup(client, name).await?,
                };
                (self.policy.check_resolved(host, &addresses, role)?, *port)
            }
            Target::Data { ip, port, control } => {
                let host = Host::Ip(*ip);
                let role = Role::Data { control: *control };
                self.policy.check_request(&host, *port, role)?;
                (self.policy.check_resolved(&host, &[*ip], role)?, *port)
            }
        };
        let own = self.own.read().unwrap_or_else(PoisonError::into_inner).clone();
        if addresses.iter().any(|&ip| own.contains(ip, port)) {
            return Err(Failure::Denied(Denial::RelayItself));
        }
        let mut last = ftpbridge_wire::CloseReason::Unreachable;
        for ip in addresses {
            let address = SocketAddr::new(ip, port);
            match TcpStream::connect(address).await {
                Ok(tcp) => {
                    tune(&tcp);
                    return Ok((tcp, address));
                }
                Err(error) => last = connect_reason(&error),
            }
        }
        Err(Failure::Network(last))
    }

    async fn lookup(&self, client: IpAddr, name: &str) -> Result<Vec<IpAddr>, Failure> {
        let Some(_slot) = self.lookups.acquire(crate::admission::client_key(client)) else {
            return Err(Failure::Busy);
        };
        let answer = self
            .resolver
            .lookup_ip(name)
            .await
            .map_err(|_| Failure::Network(ftpbridge_wire::CloseReason::Unreachable))?;
        let addresses: Vec<IpAddr> = answer.iter().collect();
        if addresses.is_empty() {
            return Err(Failure::Network(ftpbridge_wire::CloseReason::Unreachable));
        }
        Ok(addresses)
    }
}

fn connect_reason(error: &std::io::Error) -> ftpbridge_wire::CloseReason {
    use ftpbridge_wire::CloseReason;
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => CloseReason::Refused,
        ErrorKind::ConnectionReset => CloseReason::ConnectionReset,
        ErrorKind::TimedOut => CloseReason::TimedOut,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable | ErrorKind::AddrNotAvailable => {
            CloseReason::Unreachable
        }
        _ => CloseReason::NetworkError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relays_own_listeners_are_never_destinations() {
        let own = OwnAddresses {
            listeners: vec!["127.0.0.1:8080".parse().unwrap(), "0.0.0.0:9100".parse().unwrap()],
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(own.contains(ip("127.0.0.1"), 8080));
        assert!(own.contains(ip("127.0.0.2"), 8080), "any loopback address reaches it");
        assert!(!own.contains(ip("127.0.0.1"), 8081));
        assert!(own.contains(ip("192.0.2.10"), 9100), "bound to every address");
        assert!(!own.contains(ip("192.0.2.10"), 8080));
    }

    #[tokio::test]
    async fn lookups_are_capped_per_client_and_in_total() {
        let lookups = Lookups {
            total: Arc::new(Semaphore::new(3)),
            per_client: Mutex::new(HashMap::new()),
            max_per_client: 2,
        };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = lookups.acquire(a).unwrap();
        let _second = lookups.acquire(a).unwrap();
        assert!(lookups.acquire(a).is_none(), "per client");
        let _third = lookups.acquire(b).unwrap();
        assert!(lookups.acquire(b).is_none(), "in total");
        drop(first);
        assert!(lookups.acquire(b).is_some());
    }
}
