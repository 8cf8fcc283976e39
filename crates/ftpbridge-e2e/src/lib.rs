//! Helpers for ftpbridge's end-to-end browser tests: where the web files are, whether
//! the tools to run them are here, and a static file server for "another origin".
//!
//! ```text
//!  tests/browser.rs ── RealServer (vsftpd) ── relay (serves web/dist, /ws) ── StaticSite ×2
//!        └── node --test web/tests/e2e.test.js ── playwright-core ── headless Chromium
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).map(Path::to_path_buf).unwrap_or_default()
}

/// `web/` in the workspace.
pub fn web_dir() -> PathBuf {
    workspace().join("web")
}

/// The Chromium binary: `FTPBRIDGE_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    std::env::var_os("FTPBRIDGE_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into())
}

/// Why the browser tests cannot run here, if they cannot: Chromium, Node.js, the npm
/// tools or the built web files are missing.
pub fn missing_tools() -> Option<String> {
    let web = web_dir();
    if !chromium().exists() {
        return Some(format!(
            "{} is missing (apt-get install chromium, or set FTPBRIDGE_CHROMIUM)",
            chromium().display()
        ));
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node is not on PATH".into());
    }
    if !web.join("node_modules/playwright-core/package.json").exists() {
        return Some("web/node_modules/playwright-core is missing (run cargo xtask web)".into());
    }
    if !web.join("dist/pkg/ftpbridge_bg.wasm").exists() || !web.join("dist/index.js").exists() {
        return Some("web/dist is not built (run cargo xtask web)".into());
    }
    None
}

/// Files of `web/src` and `web/app` whose copy in `web/dist` differs: a stale build.
pub fn stale_dist() -> Vec<String> {
    let web = web_dir();
    let mut stale = Vec::new();
    for folder in ["src", "app"] {
        let Ok(entries) = std::fs::read_dir(web.join(folder)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let built = web.join("dist").join(entry.file_name());
            if std::fs::read(&path).ok() != std::fs::read(&built).ok() {
                stale.push(format!("{folder}/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    stale
}

/// Where screenshots go: `FTPBRIDGE_SCREENSHOTS`, else `target/screenshots`.
pub fn screenshots_dir() -> PathBuf {
    std::env::var_os("FTPBRIDGE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target").join("screenshots"))
}

/// A static web site on 127.0.0.1 (a page origin other than the relay's): `root` at
/// `/`, `extra` at `/fixtures/`. It stops when the runtime it was started on ends.
#[derive(Debug)]
pub struct StaticSite {
    /// Where it listens.
    pub address: SocketAddr,
}

impl StaticSite {
    /// Serves on a free port; call from inside a Tokio runtime.
    pub async fn start(root: &Path, extra: &Path) -> std::io::Result<StaticSite> {
        use tower_http::services::ServeDir;
        let app = axum::Router::new()
            .nest_service("/fixtures", ServeDir::new(extra))
            .fallback_service(ServeDir::new(root));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(StaticSite { address })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }
}
