//! Reading the Worker's HTML pages: input values and Set-Cookie pairs.

use crate::http::Resp;

/// The `value` attribute of the `<input>` whose name is `name`, if any.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let mut rest = html;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map(|j| i + j)?;
        let tag = &rest[i..tag_end];
        if attr(tag, "name").as_deref() == Some(name) {
            return Some(attr(tag, "value").unwrap_or_default());
        }
        rest = &rest[tag_end..];
    }
    None
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    let pat = format!("{name}=");
    loop {
        let i = rest.find(&pat)?;
        let before = rest[..i].chars().last();
        let after = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_whitespace()) {
            let (quote, inner) = match after.chars().next()? {
                q @ ('"' | '\'') => (q, &after[1..]),
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                        .unwrap_or(after.len());
                    return Some(html_unescape(&after[..end]));
                }
            };
            let end = inner.find(quote)?;
            return Some(html_unescape(&inner[..end]));
        }
        rest = after;
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `name=value` of the first Set-Cookie header for cookie `name`.
pub fn cookie_pair(resp: &Resp, name: &str) -> Option<String> {
    resp.headers_all("set-cookie").into_iter().find_map(|c| {
        let pair = c.split(';').next()?.trim();
        let (k, _) = pair.split_once('=')?;
        (k == name).then(|| pair.to_string())
    })
}
