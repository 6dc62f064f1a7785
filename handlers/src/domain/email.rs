//! `Email`: a normalised (trimmed, lower-case) ASCII address that mail systems accept.

use crate::domain::invalid::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

pub const MAX_EMAIL_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("required", "An email address is required."));
        }
        if s.len() > MAX_EMAIL_LEN {
            return Err(Invalid::new(
                "too_long",
                "An email address has at most 254 characters.",
            ));
        }
        if !s.is_ascii() {
            return Err(Invalid::new(
                "invalid_email",
                "Only ASCII email addresses are supported (use the punycode form of the domain).",
            ));
        }
        let bad = || Invalid::new("invalid_email", "This is not a valid email address.");
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()));
        if !(local_ok && domain_ok) {
            return Err(bad());
        }
        Ok(Email(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            Email::parse("  Ann.Lee+dev@Example.COM ").unwrap().as_str(),
            "ann.lee+dev@example.com"
        );
        assert!(Email::parse("a@b.co").is_ok());
    }

    #[test]
    fn refuses_the_ugly_cases() {
        for bad in [
            "",
            " ",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b-.com",
            "a@b.123",
            "ünï@example.com",
            "a@exämple.com",
            "a\u{0}@b.com",
            "a@b.com\n.x",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local).unwrap_err().code, "invalid_email");
    }
}
