//! The form body of the OAuth endpoints (RFC 6749 §3.2: `application/x-www-form-urlencoded`,
//! no parameter twice, unknown parameters ignored).

use super::error::OAuthError;
use crate::http::Request;

/// The longest value we read (an assertion of a 4096-bit key is about 1.2 KB).
const MAX_VALUE: usize = 8 * 1024;

pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(req: &Request) -> Result<Form, OAuthError> {
        let pairs = req.form().map_err(|_| {
            OAuthError::InvalidRequest(
                "Send the parameters as an application/x-www-form-urlencoded UTF-8 body.".into(),
            )
        })?;
        for (i, (name, value)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(n, _)| n == name) {
                return Err(OAuthError::InvalidRequest(format!(
                    "The parameter {name} is sent more than once."
                )));
            }
            if value.len() > MAX_VALUE {
                return Err(OAuthError::InvalidRequest(format!(
                    "The parameter {name} is longer than {MAX_VALUE} bytes."
                )));
            }
        }
        Ok(Form(pairs))
    }

    /// A parameter; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::InvalidRequest(format!("The parameter {name} is required.")))
    }
}
