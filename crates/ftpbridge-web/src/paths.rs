//! Paths as the page gives them: text in the session's encoding, or the server's exact
//! bytes (a `Uint8Array`, for a name that does not decode: an entry's `nameBytes`, a
//! walk's `pathBytes`). Every method that takes a path takes either.

use crate::js;
use ftpbridge_engine::listing::Encoding;
use ftpbridge_engine::{ErrorKind, RemotePath};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// A path argument: a string, or a `Uint8Array` of the server's bytes.
pub fn remote(value: &JsValue) -> Result<RemotePath, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(RemotePath::Text(text));
    }
    match value.dyn_ref::<js_sys::Uint8Array>() {
        Some(bytes) => Ok(RemotePath::Bytes(bytes.to_vec())),
        None => Err(js::error_of(
            ErrorKind::InvalidInput,
            Some("options"),
            "a path is a string or a Uint8Array of the server's bytes",
        )),
    }
}

/// A path argument as the server's bytes, in `encoding`.
pub fn bytes(value: &JsValue, encoding: Encoding) -> Result<Vec<u8>, JsValue> {
    match remote(value)? {
        RemotePath::Bytes(bytes) => Ok(bytes),
        RemotePath::Text(text) => encode(&text, encoding),
    }
}

/// Text as the server's bytes, or the `unencodable` error.
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, JsValue> {
    encoding.encode(text).map(|b| b.into_owned()).ok_or_else(|| {
        js::error_of(
            ErrorKind::InvalidInput,
            Some("unencodable"),
            &format!("{text:?} cannot be written in the server's encoding ({})", encoding.name()),
        )
    })
}

/// Sets `key` on `target` to `bytes` as a `Uint8Array` when the decoded `text` does not
/// give them back: only then does the page need the bytes to name the file.
pub fn add_exact(target: &JsValue, key: &str, text: &str, bytes: &[u8], encoding: Encoding) {
    if !encoding.round_trips(text, bytes) {
        let array = js_sys::Uint8Array::from(bytes);
        let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), &array);
    }
}

/// `dir/name`, one slash between.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        return name.to_vec();
    }
    ftpbridge_driver::tree::join(dir, name)
}
