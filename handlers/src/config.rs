//! The Worker's configuration, parsed once per request from its vars and secrets.

use crate::domain::email::Email;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A secret key: never printed.
#[derive(Clone)]
pub struct Key(pub Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// Keys the hashes of codes, session tokens and link tokens.
    pub token_key: Key,
    /// Mixed into every password before PBKDF2, so a stolen database alone is not enough.
    pub password_pepper: Key,
    pub provisioning_webhook_secret: Key,
    pub email_webhook_secret: Key,
    pub email_webhook_url: Option<String>,
    pub email_from: String,
    pub outbox_backoff_base_secs: i64,
    pub outbox_max_attempts: i64,
    pub public_base_url: Option<String>,
    pub operator_emails: Vec<Email>,
    /// PKCS#8 PEM of the platform's RSA keys; their public halves are shown to developers.
    pub platform_key_sandbox: Option<Key>,
    pub platform_key_production: Option<Key>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(pub String);

impl Config {
    /// Reads every setting through `get` (a var or secret by name).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let environment = match get("ENVIRONMENT").as_deref() {
            Some("development") => Environment::Development,
            Some("production") | None => Environment::Production,
            Some(other) => return Err(ConfigError(format!("ENVIRONMENT={other} is unknown"))),
        };
        let hex_key = |name: &str| -> Result<Key, ConfigError> {
            let raw = get(name).ok_or_else(|| ConfigError(format!("secret {name} is not set")))?;
            let bytes = hex::decode(raw.trim())
                .map_err(|_| ConfigError(format!("secret {name} is not hex")))?;
            if bytes.len() < 32 {
                return Err(ConfigError(format!(
                    "secret {name} is shorter than 32 bytes"
                )));
            }
            Ok(Key(bytes))
        };
        let webhook_secret = |name: &str| -> Result<Key, ConfigError> {
            let raw = get(name).ok_or_else(|| ConfigError(format!("secret {name} is not set")))?;
            crate::crypto::webhook_secret_bytes(raw.trim())
                .map(Key)
                .ok_or_else(|| ConfigError(format!("secret {name} is not whsec_<base64>")))
        };
        let number = |name: &str, default: i64| -> Result<i64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError(format!("{name} must be a positive integer"))),
            }
        };
        let operator_emails = get("OPERATOR_EMAILS")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                Email::parse(s).map_err(|e| ConfigError(format!("OPERATOR_EMAILS: {}", e.detail)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let non_empty = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Ok(Config {
            environment,
            token_key: hex_key("TOKEN_HMAC_KEY")?,
            password_pepper: hex_key("PASSWORD_PEPPER")?,
            provisioning_webhook_secret: webhook_secret("PROVISIONING_WEBHOOK_SECRET")?,
            email_webhook_secret: webhook_secret("EMAIL_WEBHOOK_SECRET")?,
            email_webhook_url: non_empty("EMAIL_WEBHOOK_URL"),
            email_from: non_empty("EMAIL_FROM")
                .unwrap_or_else(|| "devcenter <no-reply@devcenter.test>".into()),
            outbox_backoff_base_secs: number("OUTBOX_BACKOFF_BASE_SECS", 30)?,
            outbox_max_attempts: number("OUTBOX_MAX_ATTEMPTS", 8)?,
            public_base_url: non_empty("PUBLIC_BASE_URL")
                .map(|u| u.trim_end_matches('/').to_owned()),
            operator_emails,
            platform_key_sandbox: non_empty("PLATFORM_PRIVATE_KEY_SANDBOX")
                .map(|p| Key(p.into_bytes())),
            platform_key_production: non_empty("PLATFORM_PRIVATE_KEY_PRODUCTION")
                .map(|p| Key(p.into_bytes())),
        })
    }

    /// The platform's private key (PKCS#8 PEM) for an environment, if configured.
    pub fn platform_key_pem(&self, environment: &str) -> Option<&str> {
        let key = match environment {
            "sandbox" => self.platform_key_sandbox.as_ref(),
            "production" => self.platform_key_production.as_ref(),
            _ => None,
        }?;
        std::str::from_utf8(&key.0).ok()
    }

    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }
}
