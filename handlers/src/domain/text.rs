//! Free-text fields (names, addresses, descriptions): trimmed, bounded in characters, no
//! control or invisible formatting characters (newlines allowed where asked).

use crate::domain::invalid::Invalid;

pub fn parse(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, Invalid> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        return Err(if min == 1 {
            Invalid::new("required", "This field is required.")
        } else {
            Invalid::new("too_short", format!("At least {min} characters."))
        });
    }
    if n > max {
        return Err(Invalid::new(
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    let bad = s.chars().any(|c| {
        (c.is_control() && !(multiline && (c == '\n' || c == '\t')))
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    });
    if bad {
        return Err(Invalid::new(
            "invalid_characters",
            "Control and invisible formatting characters are not allowed.",
        ));
    }
    Ok(s.to_owned())
}

/// A customer-service phone number: optional `+`, then 6 to 20 digits, spaces or dashes.
pub fn phone(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if (6..=20).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        Ok(s.to_owned())
    } else {
        Err(Invalid::new(
            "invalid_phone",
            "Use digits, spaces and dashes, with an optional leading +, such as +65 6123 4567.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields() {
        assert_eq!(
            parse("  Acme 株式会社 ", 1, 200, false).unwrap(),
            "Acme 株式会社"
        );
        assert_eq!(parse(" ", 1, 200, false).unwrap_err().code, "required");
        assert_eq!(
            parse(&"a".repeat(201), 1, 200, false).unwrap_err().code,
            "too_long"
        );
        assert!(parse("a\nb", 1, 200, false).is_err());
        assert!(parse("a\nb", 1, 200, true).is_ok());
        assert!(parse("a\u{202E}b", 1, 200, true).is_err());
        assert!(phone("+65 6123-4567").is_ok());
        assert!(phone("call me").is_err());
        assert!(phone("+12").is_err());
    }
}
