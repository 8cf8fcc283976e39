//! The HTTP side: the router (`/ws`, `/healthz`, `/metrics`, static files), the
//! upgrade checks, and serving with a graceful, bounded shutdown.

use crate::admission::{self, RateLimiter, SessionSlots, SlotRefusal, TicketSlots};
use crate::config::{ConfigError, RelayConfig};
use crate::dial::Dialer;
use crate::metrics::Metrics;
use crate::session;
use crate::shared::{RelayShared, SessionShared};
use crate::ticket::{self, Grant};
use crate::workers::Workers;
use axum::Router;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ftpbridge_wire::{CloseReason, Frame, HEADER_LEN, SUBPROTOCOL};
use futures_util::{Sink, Stream, StreamExt};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::{Instrument, debug, info, info_span, warn};

/// The app's Content-Security-Policy: its own scripts, styles and WebAssembly
/// (`'wasm-unsafe-eval'` compiles the module), WebSockets to its own origin, images
/// and downloads from blobs, and no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
connect-src 'self'; worker-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A relay: its configuration, policy, metrics and sessions. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use ftpbridge_relay::{Relay, RelayConfig};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let relay = Relay::new(RelayConfig::default()).expect("valid configuration");
/// let stop = relay.clone();
/// tokio::spawn(async move { tokio::signal::ctrl_c().await.ok(); stop.shutdown(); });
/// relay.serve(listener, std::future::pending()).await
/// # }
/// ```
#[derive(Clone)]
pub struct Relay {
    shared: Arc<RelayShared>,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay with `config`, which must be valid.
    pub fn new(config: RelayConfig) -> Result<Relay, ConfigError> {
        config.validate()?;
        let policy = config.policy()?;
        let limits = &config.limits;
        let slots = SessionSlots::new(
            limits.max_sessions,
            limits.max_sessions_per_ip,
            limits.max_sessions_per_network,
        );
        let dialer = Dialer::new(
            policy,
            &config.dns_servers,
            config.timeouts.connect,
            limits.max_lookups,
            limits.max_lookups_per_client,
        );
        let upgrades = RateLimiter::new(limits.upgrades_per_second, limits.upgrade_burst);
        let hosts = config.public_hosts.clone();
        Ok(Relay {
            shared: Arc::new(RelayShared {
                metrics: Arc::new(Metrics::new()),
                dialer: Arc::new(dialer),
                slots,
                upgrades,
                tickets: TicketSlots::default(),
                shutdown: CancellationToken::new(),
                tracker: TaskTracker::new(),
                next_session: AtomicU64::new(1),
                hosts: RwLock::new(hosts),
                loopback_only: AtomicBool::new(true),
                config,
            }),
        })
    }

    /// The relay is also reachable at `address` (a second listener, e.g. for
    /// metrics): it never connects there, and accepts it as a `Host`.
    pub fn listening_on(&self, address: SocketAddr) {
        self.shared.listening_on(address);
    }

    /// The configuration in use.
    pub fn config(&self) -> &RelayConfig {
        &self.shared.config
    }

    /// The metrics in the OpenMetrics text format (what `/metrics` serves).
    pub fn metrics(&self) -> String {
        self.shared.metrics.render()
    }

    /// The routes: `/ws`, `/healthz`, `/metrics`, and the static files at `/`. To
    /// serve it yourself, use `into_make_service_with_connect_info::<SocketAddr>()`:
    /// the upgrade needs the peer's address.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .route("/ws", get(upgrade))
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(metrics));
        router = match &self.shared.config.static_dir {
            Some(dir) => router.fallback_service(ServeDir::new(dir)),
            None => router.fallback(|| async { (StatusCode::NOT_FOUND, "not found") }),
        };
        let header =
            |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
        router
            .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .layer(header(header::X_FRAME_OPTIONS, "DENY"))
            .layer(header(header::REFERRER_POLICY, "no-referrer"))
            .layer(header(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
            .layer(middleware::from_fn_with_state(self.clone(), own_host))
            .layer(
                // The path only: a query may hold a ticket.
                TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    info_span!("http", method = %request.method(), path = %request.uri().path())
                }),
            )
            .with_state(self.clone())
    }

    /// `/metrics` and `/healthz` alone, for a listener of their own.
    pub fn metrics_router(&self) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(|State(relay): State<Relay>| async move { metrics_text(&relay) }))
            .with_state(self.clone())
    }

    /// Begins the shutdown: new upgrades are refused, and every session gets
    /// `RESET(0, shutting down)` and a WebSocket close 1001.
    pub fn shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// Waits until every session has ended, at most `deadline`; whether they did.
    pub async fn drained(&self, deadline: Duration) -> bool {
        self.shared.tracker.close();
        tokio::time::timeout(deadline, self.shared.tracker.wait()).await.is_ok()
    }

    /// Serves on `listener` until `shutdown` completes (or [`Relay::shutdown`] is
    /// called), then stops accepting, lets sessions close and waits for them and for
    /// HTTP requests in progress up to the configured drain timeout.
    ///
    /// Connections are served by hyper's HTTP/1 server with a deadline for request
    /// headers, like axum's `serve` otherwise (its `examples/serve-with-hyper`).
    pub async fn serve<F>(self, listener: TcpListener, shutdown: F) -> io::Result<()>
    where
        F: Future<Output = ()>,
    {
        if let Ok(address) = listener.local_addr() {
            self.shared.listening_on(address);
        }
        let token = self.shared.shutdown.clone();
        let router = self.router();
        let header_timeout = self.shared.config.timeouts.request_headers;
        let connections = TaskTracker::new();
        let workers = Workers::per_core()?;
        tokio::pin!(shutdown);
        loop {
            let (tcp, peer) = tokio::select! {
                () = &mut shutdown => break,
                () = token.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // The peer gave up before we accepted: nothing to do.
                    Err(error) if is_connection_error(&error) => continue,
                    Err(error) => {
                        // Out of file descriptors, most likely: wait for some to close.
                        warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            // Small frames (credits, resets) go out at once, not after a delayed ACK.
            let _ = tcp.set_nodelay(true);
            let service = router.clone().map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
            let token = token.clone();
            // The connection moves to a worker thread, whose reactor then owns it.
            let tcp = match tcp.into_std() {
                Ok(tcp) => tcp,
                Err(error) => {
                    debug!(%peer, %error, "connection lost before it was served");
                    continue;
                }
            };
            let connection = connections.track_future(async move {
                let Ok(tcp) = tokio::net::TcpStream::from_std(tcp) else { return };
                let mut builder = http1::Builder::new();
                builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
                let connection = builder
                    .serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service))
                    .with_upgrades();
                tokio::pin!(connection);
                let result = tokio::select! {
                    result = connection.as_mut() => result,
                    () = token.cancelled() => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(error) = result {
                    debug!(%peer, %error, "HTTP connection ended");
                }
            });
            workers.spawn(move || connection);
        }
        info!("shutting down");
        token.cancel();
        drop(listener);
        let deadline = tokio::time::Instant::now() + self.shared.config.timeouts.drain;
        connections.close();
        if tokio::time::timeout_at(deadline, connections.wait()).await.is_err() {
            warn!("HTTP connections still open at the drain deadline");
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !self.drained(left).await {
            warn!(sessions = self.shared.tracker.len(), "sessions still open at the drain deadline");
        }
        Ok(())
    }

    /// Runs one session over any pair of message sink and stream, as if `client` had
    /// opened it: the WebSocket endpoint's pump, for tests and embedders.
    pub async fn run_session<W, R>(&self, sink: W, incoming: R, client: IpAddr)
    where
        W: Sink<Message> + Send + Unpin + 'static,
        W::Error: fmt::Display,
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        self.session(sink, incoming, client, None).await;
    }

    async fn session<W, R>(&self, sink: W, incoming: R, client: IpAddr, grant: Option<Grant>)
    where
        W: Sink<Message> + Send + Unpin + 'static,
        W::Error: fmt::Display,
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let id = self.shared.next_session.fetch_add(1, Ordering::Relaxed);
        let session = Arc::new(SessionShared::new(self.shared.metrics.clone(), client));
        let span = info_span!("session", session = id, client = %client);
        session::run(sink, incoming, self.shared.clone(), session, grant).instrument(span).await;
    }
}

/// Errors of one connection, not of the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Serves a relay with `config` on `listener` until `shutdown` completes; see
/// [`Relay::serve`].
pub async fn serve<F>(listener: TcpListener, config: RelayConfig, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()>,
{
    let relay = Relay::new(config).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    relay.serve(listener, shutdown).await
}

/// Every request must name one of the relay's own hosts (DNS rebinding).
async fn own_host(State(relay): State<Relay>, request: Request<axum::body::Body>, next: Next) -> Response {
    if !admission::host_allowed(request.headers(), &relay.shared.public_hosts()) {
        relay.shared.metrics.denied("host");
        return (StatusCode::MISDIRECTED_REQUEST, "unknown host").into_response();
    }
    next.run(request).await
}

/// `/metrics`: with a token configured, for requests that carry it; otherwise for
/// clients on loopback only (the TCP peer, not a forwarded address).
async fn metrics(
    State(relay): State<Relay>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let allowed = match &relay.shared.config.metrics.token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes())),
        None => peer.ip().to_canonical().is_loopback(),
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, "metrics are not public").into_response();
    }
    metrics_text(&relay)
}

fn metrics_text(relay: &Relay) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], relay.metrics())
        .into_response()
}

/// Compares secrets without an early exit.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(
    relay: &Relay,
    status: StatusCode,
    label: &'static str,
    client: IpAddr,
    message: &'static str,
) -> Response {
    relay.shared.metrics.denied(label);
    info!(%client, why = label, "upgrade refused");
    (status, message).into_response()
}

/// `/ws`: the checks before the upgrade, then the session.
async fn upgrade(
    State(relay): State<Relay>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let shared = &relay.shared;
    let config = &shared.config;
    let client = admission::client_ip(peer.ip(), &headers, &config.trusted_proxies);
    if shared.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the relay is shutting down").into_response();
    }
    if !shared.upgrades.take(client) {
        let mut response =
            refuse(&relay, StatusCode::TOO_MANY_REQUESTS, "upgrade_rate", client, "too many sessions opened");
        // When the next upgrade will be let through: the time one token takes to come.
        let seconds = 1u32.div_ceil(config.limits.upgrades_per_second.max(1)).max(1);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let hosts = shared.public_hosts();
    if !admission::origin_allowed(&headers, &config.allowed_origins, &hosts, shared.origin_required()) {
        return refuse(&relay, StatusCode::FORBIDDEN, "origin", client, "origin not allowed");
    }
    let protocols = admission::requested_protocols(&headers);
    if !protocols.iter().any(|p| p == SUBPROTOCOL) {
        return refuse(
            &relay,
            StatusCode::BAD_REQUEST,
            "subprotocol",
            client,
            "subprotocol ftpbridge.v1 required",
        );
    }
    let grant = match admission::offered_ticket(&protocols) {
        Some(ticket) if config.tickets.required => {
            match ticket::verify(&config.tickets.secrets, &ticket, SystemTime::now()) {
                Ok((claims, grant)) => {
                    let host = admission::request_host(&headers).unwrap_or_default();
                    if !grant.audience.is_empty() && !grant.audience.contains(&host) {
                        return refuse(
                            &relay,
                            StatusCode::FORBIDDEN,
                            "ticket_audience",
                            client,
                            "ticket not for this relay",
                        );
                    }
                    debug!(%client, hosts = ?claims.hosts, "ticket accepted");
                    Some(grant)
                }
                Err(error) => {
                    info!(%client, %error, "ticket refused");
                    return refuse(&relay, StatusCode::FORBIDDEN, "ticket", client, "ticket refused");
                }
            }
        }
        _ if config.tickets.required => {
            return refuse(&relay, StatusCode::FORBIDDEN, "ticket", client, "ticket required");
        }
        _ => None,
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    // Over a limit, the session still opens, to say why before it closes.
    let slot = shared.slots.acquire(client).and_then(|slot| {
        let ticket = match &grant {
            Some(grant) => Some(shared.tickets.acquire(grant.id, grant.max_sessions)?),
            None => None,
        };
        Ok((slot, ticket))
    });
    let max_message = HEADER_LEN + config.limits.max_payload as usize;
    let token = shared.tracker.token();
    let relay = relay.clone();
    // Small buffers: tungstenite's defaults (128 KiB each way) would be most of an idle
    // session's memory; messages larger than the buffer still arrive whole.
    ws.protocols([SUBPROTOCOL])
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .read_buffer_size(config.limits.ws_read_buffer.max(1024))
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            let _token = token;
            match slot {
                Ok(_slots) => {
                    let (sink, stream) = socket.split();
                    relay.session(sink, stream, client, grant).await;
                }
                Err(refusal) => refuse_session(&relay, socket, client, refusal).await,
            }
        })
}

/// A session over a limit: `RESET(0, limit reached)`, close 1008.
async fn refuse_session(relay: &Relay, mut socket: WebSocket, client: IpAddr, refusal: SlotRefusal) {
    relay.shared.metrics.denied(refusal.as_str());
    info!(%client, why = refusal.as_str(), "session refused");
    let reset = Frame::Reset { stream: 0, reason: CloseReason::LimitReached }.encode();
    let close = CloseFrame { code: 1008, reason: "session limit reached".into() };
    let goodbye = async {
        socket.send(Message::Binary(reset.into())).await?;
        socket.send(Message::Close(Some(close))).await?;
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
        Ok::<_, axum::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), goodbye).await;
}
