//! `removeTree` and `makeDirs`: the driver's tree operations over this shell's client,
//! so the page removes and makes folders exactly as the CLI's `rm -r` and `mkdir -p`.

use crate::client::FtpClient;
use crate::js;
use ftpbridge_driver::tree::{self, Remote};
use ftpbridge_engine::listing::{DateTime, Entry};
use ftpbridge_engine::{Error, ErrorKind, ListOptions, RemotePath};
use wasm_bindgen::prelude::*;

/// The client, as the tree operations see it.
struct Session<'a>(&'a FtpClient);

impl Remote for Session<'_> {
    type Error = JsValue;

    async fn list(&mut self, path: RemotePath) -> Result<Vec<Entry>, JsValue> {
        let now = DateTime::from_unix_seconds((js_sys::Date::now() / 1000.0) as i64);
        let rx = self.0.queue(move |rt| {
            let at = rt.now();
            let op = rt.driver.session_mut(at).list(at, Some(path), ListOptions { all: true, now });
            rt.list(op)
        })?;
        rx.await.map_err(|_| crate::client::closed())?.map_err(|e| js::error(&e))
    }

    async fn delete(&mut self, path: RemotePath) -> Result<(), JsValue> {
        self.0.call(move |s, now| s.delete(now, path)).await.map(drop)
    }

    async fn rmdir(&mut self, path: RemotePath) -> Result<(), JsValue> {
        self.0.call(move |s, now| s.rmdir(now, path)).await.map(drop)
    }

    async fn mkdir(&mut self, path: RemotePath) -> Result<(), JsValue> {
        self.0.call(move |s, now| s.mkdir(now, path)).await.map(drop)
    }
}

impl FtpClient {
    /// The path as the server's bytes, in the session's encoding.
    fn path_bytes(&self, path: &str) -> Result<Vec<u8>, JsValue> {
        let encoded = self.queue({
            let path = path.to_string();
            move |rt| rt.driver.session().config().encoding.encode(&path).map(|b| b.into_owned())
        })?;
        encoded.ok_or_else(|| {
            js::error_of(
                ErrorKind::InvalidInput,
                Some("unencodable"),
                &format!("{path:?} cannot be written in the server's encoding"),
            )
        })
    }
}

#[wasm_bindgen]
impl FtpClient {
    /// Removes the folder `path` with everything in it (links are removed, never
    /// followed); resolves with `{ files, folders }` removed.
    #[wasm_bindgen(js_name = removeTree, unchecked_return_type = "{ files: number; folders: number }")]
    pub async fn remove_tree(&self, path: String) -> Result<JsValue, JsValue> {
        let bytes = self.path_bytes(&path)?;
        if tree::names_root(&bytes) {
            let error = Error::new(ErrorKind::InvalidInput, "removeTree needs a folder, not the root")
                .with_detail("options");
            return Err(js::error(&error));
        }
        let removed = tree::remove_tree(&mut Session(self), &bytes).await?;
        #[derive(serde::Serialize)]
        struct Removed {
            files: u64,
            folders: u64,
        }
        Ok(js::to_js(&Removed { files: removed.files, folders: removed.folders }))
    }

    /// Makes the folder `path` and the folders above it that are missing (no error
    /// when it is there already); resolves with how many were made.
    #[wasm_bindgen(js_name = makeDirs)]
    pub async fn make_dirs(&self, path: String) -> Result<u32, JsValue> {
        let bytes = self.path_bytes(&path)?;
        tree::make_dirs(&mut Session(self), &bytes).await
    }
}
