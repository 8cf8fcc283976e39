//! The TLS layer of a build without TLS (the driver's `tls` feature off): every
//! request for TLS fails with a clear error, and no socket is ever in TLS, so none of
//! rustls is linked.

use ftpbridge_engine::{ErrorKind, SocketError, SocketId, TlsInfo};

/// Never made: no socket is in TLS in this build.
pub(crate) struct Received {
    pub reply: Vec<u8>,
    pub established: Option<TlsInfo>,
    pub plain: Option<Result<Vec<u8>, SocketError>>,
    pub closed: bool,
}

pub(crate) struct TlsLayer;

impl TlsLayer {
    pub fn new(_trust: ftpbridge_tls::Trust) -> TlsLayer {
        TlsLayer
    }

    pub fn start(&mut self, _host: &str, _socket: SocketId) -> Result<Vec<u8>, SocketError> {
        Err(SocketError::Tls {
            kind: ErrorKind::Tls,
            detail: "handshake",
            message: "this build of ftpbridge has no TLS (use the build with TLS, or plain FTP)".into(),
            certificate: None,
        })
    }

    pub fn encrypt(&mut self, _socket: SocketId, _plain: &[u8]) -> Option<Vec<u8>> {
        None
    }

    pub fn receive(&mut self, _socket: SocketId, _cipher: &[u8]) -> Option<Received> {
        None
    }

    pub fn eof(&mut self, _socket: SocketId) -> Option<Result<bool, SocketError>> {
        None
    }

    pub fn sent(&mut self, _socket: SocketId, _n: usize) -> Option<usize> {
        None
    }

    pub fn close(&mut self, _socket: SocketId) -> Option<Vec<u8>> {
        None
    }

    pub fn forget(&mut self, _socket: SocketId) {}
}
