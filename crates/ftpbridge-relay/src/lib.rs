//! The ftpbridge relay: a web page's FTP sessions, each one WebSocket of numbered
//! virtual sockets (the `ftpbridge-wire` protocol), turned into real TCP connections
//! under a deny-by-default policy. It knows sockets and policy, nothing of FTP: it
//! never parses file data and never writes to disk.
//!
//! ```text
//!  browser ══ WebSocket /ws (ftpbridge.v1) ══► relay ── admission: Origin, ticket, limits
//!                                                 │
//!                       session ── OPEN ──► policy (resolve once, check every address)
//!                          │                  └─► TCP connect ──► FTP control (port 21)
//!                          ├── OPEN ──► pinned to the control IP ──► FTP data (≥ 1024)
//!                          └── LISTEN ─► listener, accepts the control IP only ◄── FTP data
//! ```
//!
//! Start one in-process with [`serve`] (or [`Relay`] for more control):
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use ftpbridge_relay::RelayConfig;
//! let mut config = RelayConfig::default();
//! config.policy.allow_private = true; // tests against servers on 127.0.0.1
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("listening on http://{}", listener.local_addr()?);
//! ftpbridge_relay::serve(listener, config, async { tokio::signal::ctrl_c().await.ok(); }).await
//! # }
//! ```

pub mod admission;
pub mod config;
pub mod control_filter;
mod dial;
pub mod layers;
mod listener;
pub mod metrics;
pub mod policy;
mod server;
mod session;
mod shared;
mod stream;
pub mod ticket;
mod workers;

pub use config::{
    ActiveConfig, ConfigError, Limits, LogFormat, MetricsConfig, PolicyConfig, RelayConfig, TicketConfig,
    Timeouts,
};
pub use server::{CONTENT_SECURITY_POLICY, Relay, serve};
pub use session::OUTBOUND_QUEUE;
