//! The browser crate in real headless Chromium (`cargo test --target
//! wasm32-unknown-unknown -p ftpbridge-web`): what a page sees when the relay is
//! unreachable or the options are wrong. Full sessions through a relay to a real FTP
//! server are covered by the end-to-end tests in `crates/ftpbridge-e2e`.

#![cfg(target_arch = "wasm32")]

use ftpbridge_web::{FtpClient, error_class};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), value).unwrap();
    }
    object.into()
}

fn code(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("code")).unwrap().as_string().unwrap_or_default()
}

fn is_ftp_error(error: &JsValue) -> bool {
    let class: js_sys::Function = error_class().unchecked_into();
    error.is_instance_of::<js_sys::Error>()
        && js_sys::Reflect::get(error, &"name".into()).unwrap() == "FtpError"
        && error.unchecked_ref::<js_sys::Object>().constructor() == class
}

#[wasm_bindgen_test]
async fn an_unreachable_relay_is_a_connection_error() {
    let result = FtpClient::connect(options(&[
        ("relay", "ws://127.0.0.1:9/ws".into()),
        ("host", "ftp.example.com".into()),
        ("timeoutMs", 5000.into()),
    ]))
    .await;
    let error = result.err().expect("connecting to a closed port fails");
    assert!(is_ftp_error(&error), "{error:?}");
    assert_eq!(code(&error), "connection");
}

#[wasm_bindgen_test]
async fn bad_options_are_invalid_input() {
    let error = FtpClient::connect(options(&[("host", "ftp.example.com".into())])).await.err().unwrap();
    assert_eq!(code(&error), "invalid_input");
    let error = FtpClient::connect(options(&[
        ("relay", "ws://127.0.0.1:9/ws".into()),
        ("host", "h".into()),
        ("mode", "sideways".into()),
    ]))
    .await
    .err()
    .unwrap();
    assert_eq!(code(&error), "invalid_input");
    let error = FtpClient::connect(options(&[
        ("relay", "ws://127.0.0.1:9/ws".into()),
        ("host", "h".into()),
        ("encoding", "no-such-encoding".into()),
    ]))
    .await
    .err()
    .unwrap();
    assert_eq!(code(&error), "invalid_input");
    let error =
        FtpClient::connect(options(&[("relay", "ftp://relay.example.com/ws".into()), ("host", "h".into())]))
            .await
            .err()
            .unwrap();
    assert_eq!(code(&error), "invalid_input");
}
