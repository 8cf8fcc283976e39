//! Small bridges to JavaScript: the clock, the error class, log lines and values.

use ftpbridge_engine::listing::{Encoding, Entry, Kind};
use ftpbridge_engine::{Error, ErrorKind, LogLine};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export class FtpError extends Error {
  constructor(code, message, replyCode, detail, certificate) {
    super(message);
    this.name = 'FtpError';
    this.code = code;
    this.replyCode = replyCode ?? null;
    this.detail = detail ?? null;
    this.certificate = certificate ?? null;
  }
}
export function makeFtpError(code, message, replyCode, detail, certificate) {
  return new FtpError(code, message, replyCode, detail, certificate);
}
export function ftpErrorClass() { return FtpError; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeFtpError)]
    fn make_ftp_error(
        code: &str,
        message: &str,
        reply_code: Option<u16>,
        detail: Option<String>,
        certificate: JsValue,
    ) -> JsValue;
    #[wasm_bindgen(js_name = ftpErrorClass)]
    fn ftp_error_class() -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds on the page's monotonic clock.
pub fn now() -> f64 {
    performance_now()
}

/// The `FtpError` class, for `instanceof` checks in JavaScript.
#[wasm_bindgen(js_name = FtpErrorClass, unchecked_return_type = "typeof FtpError")]
pub fn error_class() -> JsValue {
    ftp_error_class()
}

/// An engine error as a JavaScript `FtpError`.
pub fn error(error: &Error) -> JsValue {
    let certificate = error.certificate().map_or(JsValue::NULL, |c| to_js(&Certificate::of(c)));
    make_ftp_error(
        error.kind().as_str(),
        &error.to_string(),
        error.reply_code(),
        error.detail().map(String::from),
        certificate,
    )
}

/// A JavaScript `FtpError` of `kind` with the finer code `detail` (see the engine's
/// `Error::detail`).
pub fn error_of(kind: ErrorKind, detail: Option<&str>, message: &str) -> JsValue {
    make_ftp_error(kind.as_str(), message, None, detail.map(String::from), JsValue::NULL)
}

/// A certificate as the page sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Certificate<'a> {
    subject: &'a str,
    issuer: &'a str,
    not_before: i64,
    not_after: i64,
    sha256: &'a str,
    key_sha256: &'a str,
}

impl<'a> Certificate<'a> {
    fn of(c: &'a ftpbridge_engine::CertificateInfo) -> Certificate<'a> {
        Certificate {
            subject: &c.subject,
            issuer: &c.issuer,
            not_before: c.not_before,
            not_after: c.not_after,
            sha256: &c.sha256,
            key_sha256: &c.key_sha256,
        }
    }
}

/// The session's protection as `Security`.
pub fn security(tls: Option<&ftpbridge_engine::TlsInfo>, data_protected: bool) -> JsValue {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Tls<'a> {
        version: &'a str,
        cipher_suite: &'a str,
        resumed: bool,
        trusted_by: Option<&'a str>,
        certificate: Option<Certificate<'a>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Security<'a> {
        tls: Option<Tls<'a>>,
        data_protected: bool,
    }
    let tls = tls.map(|t| Tls {
        version: &t.version,
        cipher_suite: &t.cipher_suite,
        resumed: t.resumed,
        trusted_by: t.trusted_by.as_deref(),
        certificate: t.certificate.as_ref().map(Certificate::of),
    });
    to_js(&Security { tls, data_protected })
}

/// A thrown JavaScript value, described for a message.
pub fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Serializes to a plain JavaScript object (`None` becomes `null`).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}

/// Listing entries as `FtpEntry[]`, each with `nameBytes` where its decoded name
/// does not give back the server's bytes (only there, so a large listing pays nothing).
pub fn entries(entries: &[Entry], encoding: Encoding) -> JsValue {
    let array = to_js(entries);
    if let Some(array) = array.dyn_ref::<js_sys::Array>() {
        // Only the entries that need it are touched: a call into JavaScript each.
        for (i, entry) in entries.iter().enumerate() {
            if entry.kind != Kind::Unknown && !encoding.round_trips(&entry.name, &entry.name_bytes) {
                let js = array.get(i as u32);
                crate::paths::add_exact(&js, "nameBytes", &entry.name, &entry.name_bytes, encoding);
            }
        }
    }
    array
}

/// One entry as an `FtpEntry` (with `nameBytes` where needed).
pub fn entry(entry: &Entry, encoding: Encoding) -> JsValue {
    let value = to_js(entry);
    crate::paths::add_exact(&value, "nameBytes", &entry.name, &entry.name_bytes, encoding);
    value
}

/// A transcript line as `{ direction, text }`.
pub fn log_line(line: &LogLine) -> JsValue {
    #[derive(Serialize)]
    struct Line<'a> {
        direction: &'a str,
        text: &'a str,
    }
    let (direction, text) = match line {
        LogLine::Sent(text) => ("sent", text),
        LogLine::Received(text) => ("received", text),
        LogLine::Note(text) => ("note", text),
    };
    to_js(&Line { direction, text })
}

use wasm_bindgen::JsCast;
