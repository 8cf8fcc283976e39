//! An async FTP client: the sans-IO engine driven on tokio, over a [`Transport`]:
//! direct TCP ([`TcpTransport`]) or virtual sockets through an ftpbridge relay
//! ([`RelayTransport`]).
//!
//! ```text
//!  caller ── Client::{list, download, upload, call} ──► Session (engine)
//!                          ▲ handle_* / poll_output           │
//!                          └──────── Transport ◄──────────────┘
//!                       TcpTransport | RelayTransport (WebSocket to the relay)
//! ```
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use ftpbridge_client::{Client, TcpTransport};
//! use ftpbridge_engine::{Config, ListOptions, listing::DateTime};
//! let config = Config::new("ftp.example.com", 21);
//! let mut client = Client::connect(config, TcpTransport::new(), None).await?;
//! let now = DateTime::from_unix_seconds(1_700_000_000);
//! for entry in client.list(None, ListOptions { all: false, now }).await? {
//!     println!("{}", entry.name);
//! }
//! client.quit().await;
//! # Ok(()) }
//! ```

mod client;
mod relay;
mod tcp;
mod transport;

pub use client::{Client, ClientError, LogSink, OpIo, UploadSource};
pub use ftpbridge_driver::{Roots, Trust, hex, parse_pin, ranges, tree};
pub use relay::RelayTransport;
pub use tcp::{TcpTransport, socket_error};
pub use transport::{AnyTransport, Transport, TransportEvent};
