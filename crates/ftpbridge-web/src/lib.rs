//! ftpbridge in the browser: the sans-IO engine compiled to wasm, driven over one
//! WebSocket to an ftpbridge relay, with a promise-based JavaScript API.
//!
//! ```text
//!  page ── FtpClient (JS API) ──► Runtime: Session (engine) ◄──► Sockets (wire) ◄──► WebSocket ──► relay ──► FTP
//!        ◄── promises, ReadableStream, FtpError ──┘   timers: setTimeout at the engine's poll_timeout
//! ```
//!
//! ```js
//! const client = await FtpClient.connect({ relay: 'ws://127.0.0.1:8080/ws', host: 'ftp.example.com' });
//! const entries = await client.list('/pub');
//! const bytes = client.download('/pub/README'); // ReadableStream<Uint8Array>
//! ```

mod client;
mod codec;
mod js;
mod paths;
mod runtime;
mod tree;

pub use client::FtpClient;
pub use js::error_class;
