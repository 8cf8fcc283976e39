//! The HTTP side: the router (`/ws`, `/healthz`, `/metrics`, static files), the
//! upgrade checks, and serving with a graceful, bounded shutdown.

use crate::admission::{self, SessionSlots, SlotRefusal};
use crate::config::{ConfigError, RelayConfig};
use crate::metrics::Metrics;
use crate::policy::{HostSet, Policy};
use crate::session::{self, SessionShared};
use crate::ticket;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ftpbridge_wire::{CloseReason, Frame, HEADER_LEN, SUBPROTOCOL};
use futures_util::{Sink, Stream, StreamExt};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::{Instrument, debug, info, info_span, warn};

/// What every session shares.
pub(crate) struct Shared {
    /// The configuration, validated.
    pub config: RelayConfig,
    /// The destination policy built from it.
    pub policy: Policy,
    /// The metrics.
    pub metrics: Metrics,
    slots: SessionSlots,
    /// Cancelled when the relay shuts down.
    pub shutdown: CancellationToken,
    tracker: TaskTracker,
    next_session: AtomicU64,
}

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
    shared: Arc<Shared>,
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
        let slots = SessionSlots::new(config.limits.max_sessions, config.limits.max_sessions_per_ip);
        Ok(Relay {
            shared: Arc::new(Shared {
                config,
                policy,
                metrics: Metrics::new(),
                slots,
                shutdown: CancellationToken::new(),
                tracker: TaskTracker::new(),
                next_session: AtomicU64::new(1),
            }),
        })
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
        router
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(
                // The path only: a query may hold a ticket.
                TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    info_span!("http", method = %request.method(), path = %request.uri().path())
                }),
            )
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
        let token = self.shared.shutdown.clone();
        let router = self.router();
        let header_timeout = self.shared.config.timeouts.request_headers;
        let connections = TaskTracker::new();
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
            connections.spawn(async move {
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

    async fn session<W, R>(&self, sink: W, incoming: R, client: IpAddr, grant: Option<HostSet>)
    where
        W: Sink<Message> + Send + Unpin + 'static,
        W::Error: fmt::Display,
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let id = self.shared.next_session.fetch_add(1, Ordering::Relaxed);
        let session = Arc::new(SessionShared::new(self.shared.clone()));
        let span = info_span!("session", session = id, client = %client);
        session::run(sink, incoming, session, grant).instrument(span).await;
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

async fn metrics(State(relay): State<Relay>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], relay.metrics())
        .into_response()
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
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let shared = &relay.shared;
    let config = &shared.config;
    let client = admission::client_ip(peer.ip(), &headers, &config.trusted_proxies);
    if shared.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the relay is shutting down").into_response();
    }
    if !admission::origin_allowed(&headers, &config.allowed_origins, config.require_origin) {
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
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let offered = admission::offered_ticket(&protocols, query.get("ticket").map(String::as_str));
    let grant = match offered {
        Some(ticket) if !config.tickets.secrets.is_empty() => {
            match ticket::verify(&config.tickets.secrets, &ticket, SystemTime::now()) {
                Ok((claims, hosts)) => {
                    debug!(%client, hosts = ?claims.hosts, "ticket accepted");
                    Some(hosts)
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
    let slot = shared.slots.acquire(client);
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
                Ok(_slot) => {
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
