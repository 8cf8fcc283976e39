//! `removeTree`, `makeDirs`, `walk` and `existing`: the driver's tree operations over
//! this shell's client, so the page removes, makes, walks and checks folders exactly
//! as the CLI's `rm -r`, `mkdir -p`, `get -r` and `put -r` do.

use crate::client::FtpClient;
use crate::js;
use crate::paths;
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

#[wasm_bindgen]
impl FtpClient {
    /// Removes the folder `path` with everything in it (links are removed, never
    /// followed); resolves with `{ files, folders }` removed.
    #[wasm_bindgen(js_name = removeTree, unchecked_return_type = "{ files: number; folders: number }")]
    pub async fn remove_tree(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        let bytes = paths::bytes(&path, self.encoding())?;
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
    pub async fn make_dirs(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<u32, JsValue> {
        let bytes = paths::bytes(&path, self.encoding())?;
        tree::make_dirs(&mut Session(self), &bytes).await
    }

    /// Every file and folder below the folder `path` (each folder before what is in
    /// it; links and special files are counted in `skipped`, never followed), at most
    /// 64 folders deep. The folder itself must list; one below it that does not is in
    /// `unlisted`, with the error.
    #[wasm_bindgen(unchecked_return_type = "FtpWalk")]
    pub async fn walk(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        let encoding = self.encoding();
        let bytes = paths::bytes(&path, encoding)?;
        let walk = tree::walk(&mut Session(self), &bytes).await?;
        let found = js_sys::Array::new();
        for item in &walk.found {
            let out = js_sys::Object::new();
            let text = encoding.decode(&item.path);
            set(&out, "path", &JsValue::from_str(&text));
            paths::add_exact(&out, "pathBytes", &text, &item.path, encoding);
            let rel: js_sys::Array =
                item.rel.iter().map(|part| JsValue::from_str(&encoding.decode(part))).collect();
            set(&out, "rel", &rel);
            set(&out, "entry", &js::entry(&item.entry, encoding));
            found.push(&out);
        }
        let unlisted = js_sys::Array::new();
        for (path, error) in walk.unlisted {
            let out = js_sys::Object::new();
            let text = encoding.decode(&path);
            set(&out, "path", &JsValue::from_str(&text));
            paths::add_exact(&out, "pathBytes", &text, &path, encoding);
            set(&out, "error", &error);
            unlisted.push(&out);
        }
        let out = js_sys::Object::new();
        set(&out, "found", &found);
        set(&out, "skipped", &JsValue::from_f64(walk.skipped as f64));
        set(&out, "unlisted", &unlisted);
        Ok(out.into())
    }

    /// What the server holds where an upload of `files` (paths below `dir`, `/`
    /// between names) and `folders` (likewise; a drop's empty folders) would go: the
    /// entry of each file's name in its target folder, or `null`; which of the
    /// folders are there already; and the folders that are there but would not list.
    /// Each target folder that exists is listed once; a new one never (nothing in it
    /// can be replaced); a `dir` that is not there is new, not unknown.
    #[wasm_bindgen(unchecked_return_type = "FtpExisting")]
    pub async fn existing(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] dir: JsValue,
        files: Vec<String>,
        folders: Option<Vec<String>>,
    ) -> Result<JsValue, JsValue> {
        let encoding = self.encoding();
        let base = paths::bytes(&dir, encoding)?;
        let split = |rel: &String| -> Result<Vec<Vec<u8>>, JsValue> {
            rel.split('/').filter(|part| !part.is_empty()).map(|part| paths::encode(part, encoding)).collect()
        };
        let files = files.iter().map(split).collect::<Result<Vec<_>, _>>()?;
        let folders = folders.unwrap_or_default().iter().map(split).collect::<Result<Vec<_>, _>>()?;
        let found = tree::existing(&mut Session(self), &base, &folders, &files).await;
        let entries: js_sys::Array = found
            .files
            .iter()
            .map(|entry| entry.as_ref().map_or(JsValue::NULL, |entry| js::entry(entry, encoding)))
            .collect();
        let join = |parts: &Vec<Vec<u8>>| {
            JsValue::from_str(&parts.iter().map(|p| encoding.decode(p)).collect::<Vec<_>>().join("/"))
        };
        let present: js_sys::Array = found.folders.iter().map(join).collect();
        let unlisted: js_sys::Array =
            found.unlisted.iter().map(|(path, _)| JsValue::from_str(&encoding.decode(path))).collect();
        let out = js_sys::Object::new();
        set(&out, "files", &entries);
        set(&out, "folders", &present);
        set(&out, "unlisted", &unlisted);
        Ok(out.into())
    }
}

fn set(target: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}
