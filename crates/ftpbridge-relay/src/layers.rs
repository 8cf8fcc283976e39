//! Configuration layers: flags over environment over file over defaults.
//!
//! Every layer is turned into TOML values at dotted paths (`limits.max_sessions`) and
//! merged into one table, which is then read as a [`RelayConfig`] once, so every
//! option can come from anywhere and unknown keys are errors everywhere.
//!
//! - **File**: TOML, the same shape as [`RelayConfig`].
//! - **Environment**: `FTPBRIDGE_RELAY_<KEY>`, sections separated by a double
//!   underscore: `FTPBRIDGE_RELAY_LISTEN`, `FTPBRIDGE_RELAY_POLICY__ALLOW_PRIVATE=true`,
//!   `FTPBRIDGE_RELAY_TIMEOUTS__IDLE=300`. Lists are comma-separated
//!   (`FTPBRIDGE_RELAY_ALLOWED_ORIGINS=https://a.example,https://b.example`).
//!   `FTPBRIDGE_RELAY_CONFIG` names the file and is not an option itself.
//! - **Flags**: `--set key=value` with the same value syntax, and the binary's named
//!   flags, which it maps onto keys.

use crate::config::{ConfigError, RelayConfig};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use toml::{Table, Value};

/// The prefix of the relay's environment variables.
pub const ENV_PREFIX: &str = "FTPBRIDGE_RELAY_";
/// The environment variable naming the configuration file.
pub const ENV_CONFIG_FILE: &str = "FTPBRIDGE_RELAY_CONFIG";

/// Builds the configuration from a file's text, environment variables (all of them;
/// those without the prefix are skipped) and flag overrides (`key.path`, value), in
/// rising priority, and validates it.
pub fn load<E, K, V>(
    file: Option<&str>,
    env: E,
    overrides: &[(String, String)],
) -> Result<RelayConfig, ConfigError>
where
    E: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut table = match file {
        Some(text) => text.parse::<Table>().map_err(|e| ConfigError(format!("configuration file: {e}")))?,
        None => Table::new(),
    };
    let defaults = Value::try_from(RelayConfig::default())
        .map_err(|e| ConfigError(format!("cannot describe the defaults: {e}")))?;
    let mut env: Vec<(String, String)> = env
        .into_iter()
        .filter_map(|(k, v)| {
            let key = k.as_ref().strip_prefix(ENV_PREFIX)?;
            (k.as_ref() != ENV_CONFIG_FILE)
                .then(|| (key.to_ascii_lowercase().replace("__", "."), v.as_ref().to_string()))
        })
        .collect();
    env.sort();
    for (key, raw) in env.iter().chain(overrides) {
        let value = typed(&defaults, key, raw).map_err(|e| ConfigError(format!("{key}: {e}")))?;
        set(&mut table, key, value).map_err(|e| ConfigError(format!("{key}: {e}")))?;
    }
    let config = RelayConfig::deserialize(Value::Table(table)).map_err(|e| ConfigError(e.to_string()))?;
    config.validate()?;
    Ok(config)
}

/// A raw string as the TOML value the default at `key` suggests.
fn typed(defaults: &Value, key: &str, raw: &str) -> Result<Value, String> {
    let default = key.split('.').try_fold(defaults, |v, part| v.get(part));
    let raw = raw.trim();
    Ok(match default {
        Some(Value::Integer(_)) => {
            Value::Integer(raw.parse().map_err(|_| format!("{raw:?} is not an integer"))?)
        }
        Some(Value::Float(_)) => Value::Float(raw.parse().map_err(|_| format!("{raw:?} is not a number"))?),
        Some(Value::Boolean(_)) => Value::Boolean(match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(format!("{raw:?} is not true or false")),
        }),
        Some(Value::Array(_)) if raw.starts_with('[') => {
            let parsed: Table = format!("v = {raw}").parse().map_err(|e| format!("not a TOML list: {e}"))?;
            parsed.get("v").cloned().unwrap_or(Value::Array(Vec::new()))
        }
        Some(Value::Table(_)) => return Err("is a section, set its keys instead".to_string()),
        // Strings, lists as comma-separated text, and options unset by default.
        _ => Value::String(raw.to_string()),
    })
}

/// Sets `value` at a dotted `key`, creating sections on the way.
fn set(table: &mut Table, key: &str, value: Value) -> Result<(), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().filter(|p| !p.is_empty()).ok_or("empty key")?;
    let mut current = table;
    for part in parts {
        let entry = current.entry(part).or_insert_with(|| Value::Table(Table::new()));
        current = entry.as_table_mut().ok_or_else(|| format!("{part} is not a section"))?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// Reads a list from a sequence of values or from comma-separated text, each item
/// through `FromStr` (so `[21, 990]`, `["21"]` and `"21,990"` are the same list).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct ListVisitor<T>(PhantomData<T>);

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }

    fn item<T: FromStr, E: de::Error>(text: &str) -> Result<T, E>
    where
        T::Err: fmt::Display,
    {
        text.trim().parse::<T>().map_err(|e| E::custom(format!("{text:?}: {e}")))
    }

    impl<'de, T: FromStr> Visitor<'de> for ListVisitor<T>
    where
        T::Err: fmt::Display,
    {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list, or comma-separated text")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<T>, E> {
            text.split(',').filter(|s| !s.trim().is_empty()).map(item).collect()
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(scalar) = seq.next_element::<Scalar>()? {
                let text = match scalar {
                    Scalar::Text(t) => t,
                    Scalar::Int(n) => n.to_string(),
                    Scalar::Float(f) => f.to_string(),
                    Scalar::Bool(b) => b.to_string(),
                };
                out.push(item(&text)?);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_any(ListVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn flags_over_env_over_file_over_defaults() {
        let file = "listen = \"0.0.0.0:9000\"\n[limits]\nmax_sessions = 5\nmax_sessions_per_ip = 2\n";
        let env = pairs(&[
            ("FTPBRIDGE_RELAY_LIMITS__MAX_SESSIONS", "7"),
            ("FTPBRIDGE_RELAY_POLICY__CONTROL_PORTS", "21,990"),
            ("FTPBRIDGE_RELAY_ALLOWED_ORIGINS", "https://a.example, https://b.example"),
            ("FTPBRIDGE_RELAY_TIMEOUTS__IDLE", "0.25"),
            ("FTPBRIDGE_RELAY_CONFIG", "ignored.toml"),
            ("PATH", "/usr/bin"),
        ]);
        let flags = pairs(&[("limits.max_sessions", "9"), ("policy.allow_private", "true")]);
        let config = load(Some(file), env, &flags).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.limits.max_sessions, 9);
        assert_eq!(config.limits.max_sessions_per_ip, 2);
        assert_eq!(config.limits.max_streams_per_session, 4);
        assert_eq!(config.policy.control_ports, vec![21, 990]);
        assert!(config.policy.allow_private);
        assert_eq!(config.allowed_origins, vec!["https://a.example", "https://b.example"]);
        assert_eq!(config.timeouts.idle, Duration::from_millis(250));
    }

    #[test]
    fn lists_options_and_errors() {
        let config = load(
            None,
            pairs(&[
                ("FTPBRIDGE_RELAY_TRUSTED_PROXIES", "[\"10.0.0.0/8\", \"::1\"]"),
                ("FTPBRIDGE_RELAY_STATIC_DIR", "web/dist"),
                ("FTPBRIDGE_RELAY_ACTIVE__PUBLIC_ADDRESS", "198.51.100.7"),
                ("FTPBRIDGE_RELAY_TICKETS__SECRETS", "1234567890123456"),
                ("FTPBRIDGE_RELAY_TICKETS__REQUIRED", "true"),
                ("FTPBRIDGE_RELAY_POLICY__DATA_PORTS", "40000-40100,!40050"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(config.static_dir.as_deref(), Some(std::path::Path::new("web/dist")));
        assert_eq!(config.active.public_address, Some("198.51.100.7".parse().unwrap()));
        assert_eq!(config.tickets.secrets, vec!["1234567890123456"]);
        assert!(config.policy.data_ports.contains(40000) && !config.policy.data_ports.contains(40050));
        assert!(!config.policy.data_ports.contains(6379));

        assert!(load(None, pairs(&[("FTPBRIDGE_RELAY_NO_SUCH", "1")]), &[]).is_err());
        assert!(load(None, pairs(&[("FTPBRIDGE_RELAY_LIMITS__WINDOW", "big")]), &[]).is_err());
        assert!(load(None, pairs(&[("FTPBRIDGE_RELAY_LIMITS", "1")]), &[]).is_err());
        assert!(load(Some("[limits]\nwindow = 1"), pairs(&[] as &[(&str, &str)]), &[]).is_err(), "validated");
        assert!(load(Some("not toml ["), pairs(&[] as &[(&str, &str)]), &[]).is_err());
    }
}
