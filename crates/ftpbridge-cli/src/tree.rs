//! `rm -r` and `mkdir -p`: the driver's tree operations over this shell's client.

use ftpbridge_client::tree::Remote;
use ftpbridge_client::{AnyTransport, Client, ClientError};
use ftpbridge_engine::listing::{DateTime, Entry};
use ftpbridge_engine::{ListOptions, RemotePath};

/// The client, as the tree operations see it.
pub struct Session<'a> {
    pub client: &'a mut Client<AnyTransport>,
    pub now: DateTime,
}

impl Remote for Session<'_> {
    type Error = ClientError;

    async fn list(&mut self, path: RemotePath) -> Result<Vec<Entry>, ClientError> {
        self.client.list(Some(path), ListOptions { all: true, now: self.now }).await
    }

    async fn delete(&mut self, path: RemotePath) -> Result<(), ClientError> {
        self.client.call(|s, now| s.delete(now, path)).await.map(drop)
    }

    async fn rmdir(&mut self, path: RemotePath) -> Result<(), ClientError> {
        self.client.call(|s, now| s.rmdir(now, path)).await.map(drop)
    }

    async fn mkdir(&mut self, path: RemotePath) -> Result<(), ClientError> {
        self.client.call(|s, now| s.mkdir(now, path)).await.map(drop)
    }
}
