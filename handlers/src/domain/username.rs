//! `Username`: a display name of 1 to 64 characters with no control characters.

use crate::domain::invalid::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("required", "A username is required."));
        }
        if s.chars().count() > 64 {
            return Err(Invalid::new(
                "too_long",
                "A username has at most 64 characters.",
            ));
        }
        if s.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{FEFF}')
        }) {
            return Err(Invalid::new(
                "invalid_characters",
                "A username cannot contain control or invisible formatting characters.",
            ));
        }
        Ok(Username(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Zoë 李 ").unwrap().as_str(), "Zoë 李");
        assert_eq!(Username::parse("").unwrap_err().code, "required");
        assert_eq!(
            Username::parse(&"é".repeat(65)).unwrap_err().code,
            "too_long"
        );
        assert!(Username::parse(&"é".repeat(64)).is_ok());
        assert_eq!(
            Username::parse("a\u{7}b").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(
            Username::parse("a\u{202E}b").unwrap_err().code,
            "invalid_characters"
        );
    }
}
