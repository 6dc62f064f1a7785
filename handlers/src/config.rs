//! The Worker's configuration, parsed once per isolate from its vars and secrets.
//!
//! Production is the default: development (the dev mailbox, http links, cookies without
//! `Secure`, private URLs) is switched on only by `ENVIRONMENT=development`, which `make dev`
//! writes into `.dev.vars`, a file `wrangler deploy` never reads.

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
    /// Sandbox gateway calls one client id may make per 10 seconds before
    /// REQUEST_TRAFFIC_EXCEED_LIMIT (GATEWAY_RATE_LIMIT; the bench raises it).
    pub gateway_rate_limit: i64,
    pub public_base_url: Option<String>,
    pub operator_emails: Vec<Email>,
    /// PKCS#8 PEM of the platform's RSA keys; their public halves are shown to developers.
    pub platform_key_sandbox: Option<Key>,
    pub platform_key_production: Option<Key>,
    /// Their public halves as SPKI PEM, derived once when the configuration is read (so a
    /// broken key is a configuration error at once, not a 500 on some later request).
    pub platform_public_sandbox: Option<String>,
    pub platform_public_production: Option<String>,
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
        let mut config = Config {
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
            gateway_rate_limit: number("GATEWAY_RATE_LIMIT", 100)?,
            public_base_url: non_empty("PUBLIC_BASE_URL")
                .map(|u| u.trim_end_matches('/').to_owned()),
            operator_emails,
            // A PEM kept on one line (a .dev.vars value, a secret pasted with \n) gets its
            // line breaks back here, once.
            platform_key_sandbox: non_empty("PLATFORM_PRIVATE_KEY_SANDBOX")
                .map(|p| Key(p.trim().replace("\\n", "\n").into_bytes())),
            platform_key_production: non_empty("PLATFORM_PRIVATE_KEY_PRODUCTION")
                .map(|p| Key(p.trim().replace("\\n", "\n").into_bytes())),
            platform_public_sandbox: None,
            platform_public_production: None,
        };
        config.platform_public_sandbox = config.derive_public("sandbox")?;
        config.platform_public_production = config.derive_public("production")?;
        if environment == Environment::Production {
            config.check_production()?;
        }
        Ok(config)
    }

    /// What production cannot run without: email must leave through an https relay (or the
    /// outbox would only fill up), and links in emails need a fixed base, never the Host a
    /// request claims.
    fn check_production(&self) -> Result<(), ConfigError> {
        let https = |name: &str, value: Option<&str>| -> Result<(), ConfigError> {
            let raw = value.ok_or_else(|| {
                ConfigError(format!("{name} must be set in production (an https URL)"))
            })?;
            crate::domain::url::HttpsUrl::parse(raw, false)
                .map(|_| ())
                .map_err(|e| ConfigError(format!("{name}: {}", e.detail)))
        };
        https("EMAIL_WEBHOOK_URL", self.email_webhook_url.as_deref())?;
        https("PUBLIC_BASE_URL", self.public_base_url.as_deref())
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

    fn derive_public(&self, environment: &str) -> Result<Option<String>, ConfigError> {
        self.platform_key_pem(environment)
            .map(|pem| {
                crate::domain::rsa_key::RsaPublicKey::from_private_key_pem(pem)
                    .map(|k| k.to_pem())
                    .map_err(|e| {
                        ConfigError(format!(
                            "PLATFORM_PRIVATE_KEY_{}: {e}",
                            environment.to_uppercase()
                        ))
                    })
            })
            .transpose()
    }

    /// The platform's public key (SPKI PEM) for an environment, if its private key is set.
    pub fn platform_public_pem(&self, environment: &str) -> Option<&str> {
        match environment {
            "sandbox" => self.platform_public_sandbox.as_deref(),
            "production" => self.platform_public_production.as_deref(),
            _ => None,
        }
    }

    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut vars: Vec<(String, String)> = vec![
            ("TOKEN_HMAC_KEY".into(), "11".repeat(32)),
            ("PASSWORD_PEPPER".into(), "22".repeat(32)),
            (
                "PROVISIONING_WEBHOOK_SECRET".into(),
                "whsec_cHJvdmlzaW9uaW5nLXNlY3JldA==".into(),
            ),
            (
                "EMAIL_WEBHOOK_SECRET".into(),
                "whsec_ZW1haWwtc2VjcmV0LWZvcg==".into(),
            ),
        ];
        for (k, v) in pairs {
            vars.retain(|(name, _)| name != k);
            vars.push((k.to_string(), v.to_string()));
        }
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    const RELAY: (&str, &str) = ("EMAIL_WEBHOOK_URL", "https://relay.example.com/hook");
    const BASE: (&str, &str) = ("PUBLIC_BASE_URL", "https://devcenter.example.com/");

    #[test]
    fn production_is_the_default_and_needs_an_https_relay_and_base_url() {
        let c = lookup(&[RELAY, BASE]).unwrap();
        assert_eq!(c.environment, Environment::Production);
        assert_eq!(
            c.public_base_url.as_deref(),
            Some("https://devcenter.example.com")
        );

        let missing_relay = lookup(&[BASE]).unwrap_err().0;
        assert!(
            missing_relay.contains("EMAIL_WEBHOOK_URL"),
            "{missing_relay}"
        );
        let missing_base = lookup(&[RELAY]).unwrap_err().0;
        assert!(missing_base.contains("PUBLIC_BASE_URL"), "{missing_base}");
        for bad in [
            "http://relay.example.com/hook",
            "https://user:pw@relay.example.com/",
            "https://127.0.0.1/hook",
            "https://10.0.0.7/hook",
            "relay.example.com",
        ] {
            let e = lookup(&[("EMAIL_WEBHOOK_URL", bad), BASE]).unwrap_err().0;
            assert!(e.starts_with("EMAIL_WEBHOOK_URL"), "{bad}: {e}");
        }
        let e = lookup(&[RELAY, ("PUBLIC_BASE_URL", "http://devcenter.example.com")]);
        assert!(e.unwrap_err().0.starts_with("PUBLIC_BASE_URL"));
        let e = lookup(&[RELAY, BASE, ("ENVIRONMENT", "staging")]);
        assert!(e.unwrap_err().0.contains("unknown"));
    }

    #[test]
    fn development_runs_without_relay_or_base_url() {
        let c = lookup(&[("ENVIRONMENT", "development")]).unwrap();
        assert!(c.is_development());
        assert!(c.email_webhook_url.is_none() && c.public_base_url.is_none());
    }
}
