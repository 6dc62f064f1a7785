//! `HttpsUrl`: a URL a developer configures and devcenter calls or shows (gateway URL,
//! notification URL, website, logo). https only, no credentials, no fragment, strict ASCII,
//! and, outside development, no host that names this machine or a private network.
//!
//! This checks what was typed, nothing more. A public DNS name may still resolve to a private
//! address (`127.0.0.1.nip.io`, or a name that changes its answer between check and use: DNS
//! rebinding); that is out of scope here and must be handled where the URL is fetched.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::domain::invalid::Invalid;

pub const MAX_URL_LEN: usize = 2048;

/// `https://host[:port][/path][?query]`, with the scheme and host in lower case and the path
/// and query exactly as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsUrl(String);

impl HttpsUrl {
    /// `allow_private`: true only in development, where `localhost`, private addresses and
    /// the like are accepted. Everything else is checked the same way in every environment.
    ///
    /// Codes: `too_long`, `invalid_url`, `not_https`, `credentials`, `private_host`.
    pub fn parse(raw: &str, allow_private: bool) -> Result<HttpsUrl, Invalid> {
        if raw.is_empty() {
            return Err(invalid("The URL is empty."));
        }
        let chars = raw.chars().count();
        if chars > MAX_URL_LEN {
            return Err(Invalid::new(
                "too_long",
                format!("A URL has at most {MAX_URL_LEN} characters; this one has {chars}."),
            ));
        }
        if !raw.is_ascii() {
            return Err(invalid(
                "URLs must be ASCII: write international domain names in punycode (`xn--…`, \
                 e.g. `https://xn--bcher-kva.example/` for bücher.example) and percent-encode \
                 other characters.",
            ));
        }
        if raw.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid(
                "URLs must not contain spaces, tabs, line breaks or other control characters \
                 (check the start and end too); percent-encode them if they belong in the path.",
            ));
        }

        let (scheme, rest) = raw.split_once(':').ok_or_else(must_start_with_https)?;
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(must_start_with_https());
        }
        if !scheme.eq_ignore_ascii_case("https") {
            let detail = if scheme.eq_ignore_ascii_case("http") {
                "Only https URLs are accepted: use `https://` instead of `http://`.".to_owned()
            } else if scheme.len() <= 16 {
                format!(
                    "Only https URLs are accepted (this one starts with `{}:`).",
                    scheme.to_ascii_lowercase()
                )
            } else {
                "Only https URLs are accepted.".to_owned()
            };
            return Err(Invalid::new("not_https", detail));
        }
        let rest = rest.strip_prefix("//").ok_or_else(|| {
            invalid("An https URL continues with `//` and a host, as in `https://example.com/`.")
        })?;

        if rest.contains('#') {
            return Err(invalid(
                "URLs must not have a fragment (`#…`): it is never sent to the server. Remove \
                 it.",
            ));
        }
        if rest.contains('\\') {
            return Err(invalid(
                "URLs must not contain backslashes: use `/` to separate the path, or `%5C` for \
                 a literal backslash.",
            ));
        }
        if let Some(c) = rest.chars().find(|&c| !is_url_char(c)) {
            return Err(invalid(format!(
                "The character `{c}` is not allowed in a URL; percent-encode it."
            )));
        }
        if !percent_escapes_ok(rest) {
            return Err(invalid(
                "Every `%` must start a percent-encoded byte such as `%2F`; write `%25` for a \
                 literal `%`.",
            ));
        }

        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(Invalid::new(
                "credentials",
                "Credentials (`user:password@` or `user@`) must not be put in URLs: they end up \
                 in logs and in front of everyone who can see this setting. Remove them.",
            ));
        }
        let (host, port) = split_host_port(authority)?;
        let host = host.to_ascii_lowercase();
        if let Some(port) = port {
            check_port(port)?;
        }

        match classify_host(&host)? {
            Host::Name if !allow_private && is_private_name(&host) => {
                return Err(Invalid::new(
                    "private_host",
                    format!(
                        "`{host}` names a machine on a local network, not on the internet \
                         (`localhost`, `*.localhost`, `*.local`, `*.internal`, `*.home.arpa` \
                         and names without a dot are refused). Use a public host name."
                    ),
                ));
            }
            Host::V4(ip) if !allow_private && !is_public_v4(ip) => {
                return Err(Invalid::new(
                    "private_host",
                    format!(
                        "`{ip}` is a loopback, private, link-local, shared, reserved, \
                         documentation or multicast address, which is not reachable from the \
                         internet. Use a public host name."
                    ),
                ));
            }
            Host::V6(ip) if !allow_private && !is_public_v6(ip) => {
                return Err(Invalid::new(
                    "private_host",
                    format!(
                        "`[{ip}]` is not a public IPv6 address: only global unicast addresses \
                         (2000::/3, minus its special-purpose blocks) are accepted, and \
                         loopback, unique-local, link-local and IPv4-mapped addresses are not. \
                         Use a public host name."
                    ),
                ));
            }
            _ => {}
        }

        let mut url = String::with_capacity(raw.len());
        url.push_str("https://");
        url.push_str(&host);
        if let Some(port) = port {
            url.push(':');
            url.push_str(port);
        }
        url.push_str(path_and_query);
        Ok(HttpsUrl(url))
    }

    /// A URL devcenter POSTs to (notification URLs): as [`HttpsUrl::parse`], and in
    /// development also plain `http://` to this machine (`localhost`, `127.x.x.x`, `[::1]`),
    /// because a receiver on loopback has no certificate. Never outside development.
    pub fn parse_callback(raw: &str, development: bool) -> Result<HttpsUrl, Invalid> {
        if development {
            if let Some(rest) = raw.strip_prefix("http://") {
                let as_https = HttpsUrl::parse(&format!("https://{rest}"), true)?;
                let host = as_https.host();
                let loopback = host == "localhost" || host == "[::1]" || host.starts_with("127.");
                if loopback {
                    let tail = as_https.0.strip_prefix("https://").unwrap_or_default();
                    return Ok(HttpsUrl(format!("http://{tail}")));
                }
            }
        }
        HttpsUrl::parse(raw, development)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host in lower case, without the port; an IPv6 literal keeps its brackets
    /// (`[2001:db8::1]`), as in the URL.
    pub fn host(&self) -> &str {
        let rest = self.0.strip_prefix("https://").unwrap_or(&self.0);
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        if authority.starts_with('[') {
            match authority.find(']') {
                Some(close) => authority.get(..=close).unwrap_or(authority),
                None => authority,
            }
        } else {
            authority.split(':').next().unwrap_or(authority)
        }
    }
}

impl std::fmt::Display for HttpsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid(detail: impl Into<String>) -> Invalid {
    Invalid::new("invalid_url", detail)
}

fn must_start_with_https() -> Invalid {
    invalid("A URL starts with `https://` and a host, as in `https://example.com/`.")
}

/// RFC 3986's unreserved and reserved characters, and `%` (checked separately).
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

fn percent_escapes_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            )
    })
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), Invalid> {
    if authority.is_empty() {
        return Err(invalid(
            "The URL has no host; write it as `https://example.com/…`.",
        ));
    }
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or_else(|| {
            invalid(
                "An IPv6 address in a URL must be closed with `]`, as in `https://[2001:db8::1]/`.",
            )
        })?;
        let (host, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(invalid(
                    "After an IPv6 address in brackets only `:port` may follow.",
                )),
            },
        };
    }
    if authority.contains(['[', ']']) {
        return Err(invalid(
            "Square brackets may only surround an IPv6 address, as in `https://[2001:db8::1]/`.",
        ));
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn check_port(port: &str) -> Result<(), Invalid> {
    let bad = || {
        invalid(
            "The port must be a number from 1 to 65535, without leading zeros (or leave it out \
             for 443).",
        )
    };
    if port.is_empty()
        || port.len() > 5
        || !port.bytes().all(|b| b.is_ascii_digit())
        || port.starts_with('0')
    {
        return Err(bad());
    }
    match port.parse::<u32>() {
        Ok(1..=65535) => Ok(()),
        _ => Err(bad()),
    }
}

enum Host {
    Name,
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// A DNS name (letters, digits and hyphens, in dot-separated labels), a dotted-quad IPv4
/// address, or a bracketed IPv6 address. `host` is already in lower case.
fn classify_host(host: &str) -> Result<Host, Invalid> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().map(Host::V6).map_err(|_| {
            invalid(format!(
                "`{host}` is not a valid IPv6 address (zone identifiers such as `%eth0` are not \
                 accepted)."
            ))
        });
    }
    if host.is_empty() {
        return Err(invalid(
            "The URL has no host; write it as `https://example.com/…`.",
        ));
    }
    if host.len() > 253 {
        return Err(invalid("A host name has at most 253 characters."));
    }
    if host.ends_with('.') {
        return Err(invalid(format!(
            "The host `{host}` must not end with a dot; remove it."
        )));
    }
    let labels: Vec<&str> = host.split('.').collect();
    // A host whose last label is a number is an IP address to URL parsers (WHATWG), which
    // also read `127.1`, `0x7f.0.0.1`, `0177.0.0.1` and `2130706433` as 127.0.0.1. Only the
    // plain dotted-quad form is accepted, so that what is checked is what gets called.
    let numeric = labels.last().is_some_and(|last| {
        (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
            || last
                .strip_prefix("0x")
                .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if numeric {
        return dotted_quad(&labels).map(Host::V4).ok_or_else(|| {
            invalid(format!(
                "`{host}` looks like an IP address but is not four decimal numbers from 0 to \
                 255 (such as `203.0.113.7`); shortened, octal, hexadecimal and single-number \
                 forms are not accepted."
            ))
        });
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(invalid(format!(
                "`{host}` is not a valid host name: each dot-separated part must be 1 to 63 \
                 letters, digits or hyphens, and must not start or end with a hyphen."
            )));
        }
    }
    Ok(Host::Name)
}

/// `a.b.c.d`, each a decimal number from 0 to 255 without leading zeros.
fn dotted_quad(labels: &[&str]) -> Option<Ipv4Addr> {
    let [a, b, c, d] = labels else {
        return None;
    };
    let octet = |s: &str| -> Option<u8> {
        let canonical = !s.is_empty()
            && s.len() <= 3
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        if canonical {
            s.parse().ok()
        } else {
            None
        }
    };
    Some(Ipv4Addr::new(octet(a)?, octet(b)?, octet(c)?, octet(d)?))
}

/// Names that resolve only inside a machine or a local network (RFC 6761, RFC 6762,
/// RFC 8375, ICANN's `.internal`), and single-label names, which resolvers complete with a
/// local search domain.
fn is_private_name(host: &str) -> bool {
    const SUFFIXES: [&str; 5] = ["localhost", "local", "internal", "home.arpa", "localdomain"];
    !host.contains('.')
        || SUFFIXES.iter().any(|suffix| {
            host == *suffix
                || host
                    .strip_suffix(suffix)
                    .is_some_and(|prefix| prefix.ends_with('.'))
        })
}

/// Not in any IANA special-purpose block that is unreachable from the internet.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // 0/8 "this network"
        || a == 10 // 10/8 private
        || (a == 100 && (64..=127).contains(&b)) // 100.64/10 shared (CGNAT)
        || a == 127 // 127/8 loopback
        || (a == 169 && b == 254) // 169.254/16 link-local (cloud metadata)
        || (a == 172 && (16..=31).contains(&b)) // 172.16/12 private
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // 192.0.2/24 TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 192.88.99/24 6to4 relay (deprecated)
        || (a == 192 && b == 168) // 192.168/16 private
        || (a == 198 && (18..=19).contains(&b)) // 198.18/15 benchmarking
        || (a == 198 && b == 51 && c == 100) // 198.51.100/24 TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // 203.0.113/24 TEST-NET-3
        || a >= 224; // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast
    !special
}

/// Global unicast (2000::/3) outside the special-purpose blocks inside it. Everything else
/// (loopback, unspecified, IPv4-mapped and -translated, unique-local, link-local, multicast,
/// discard, ...) is refused.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [a, b, ..] = ip.segments();
    let global_unicast = a & 0xe000 == 0x2000;
    // 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID, ..) and
    // 2001:db8::/32 documentation; 2002::/16 6to4, which embeds an IPv4 address;
    // 3fff::/20 documentation.
    let special =
        (a == 0x2001 && (b < 0x0200 || b == 0x0db8)) || a == 0x2002 || (a == 0x3fff && b < 0x1000);
    global_unicast && !special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        match HttpsUrl::parse(raw, false) {
            Ok(url) => url.as_str().to_owned(),
            Err(e) => panic!("refused {raw:?}: {} ({})", e.code, e.detail),
        }
    }

    fn code(raw: &str) -> &'static str {
        code_in(raw, false)
    }

    fn code_in(raw: &str, allow_private: bool) -> &'static str {
        match HttpsUrl::parse(raw, allow_private) {
            Ok(url) => panic!("accepted {raw:?} as {}", url.as_str()),
            Err(e) => {
                assert!(e.detail.ends_with('.'), "{}", e.detail);
                e.code
            }
        }
    }

    #[test]
    fn callbacks_may_be_plain_http_to_loopback_in_development_only() {
        for raw in [
            "http://127.0.0.1:9000/notify",
            "http://localhost:8080/",
            "http://[::1]:7000/n?x=1",
        ] {
            assert_eq!(HttpsUrl::parse_callback(raw, true).unwrap().as_str(), raw);
            assert_eq!(
                HttpsUrl::parse_callback(raw, false).unwrap_err().code,
                "not_https",
                "{raw}"
            );
        }
        for raw in [
            "http://10.0.0.1/",
            "http://example.com/",
            "http://user:pw@127.0.0.1/",
        ] {
            assert!(HttpsUrl::parse_callback(raw, true).is_err(), "{raw}");
        }
        assert!(HttpsUrl::parse_callback("https://example.com/n", false).is_ok());
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            ok("HTTPS://Example.COM/Path?q=1"),
            "https://example.com/Path?q=1"
        );
        assert_eq!(ok("https://example.com"), "https://example.com");
        assert_eq!(ok("https://example.com/"), "https://example.com/");
        assert_eq!(ok("https://example.com:443/"), "https://example.com:443/");
        assert_eq!(
            ok("https://api.example.com:8443"),
            "https://api.example.com:8443"
        );
        assert_eq!(ok("https://example.com?x=1"), "https://example.com?x=1");
        assert_eq!(
            ok("https://pay.example.co.uk/notify/ALIPAY?a=1&b=%2F%20x;y=@z"),
            "https://pay.example.co.uk/notify/ALIPAY?a=1&b=%2F%20x;y=@z"
        );
        assert_eq!(
            ok("https://xn--bcher-kva.example/"),
            "https://xn--bcher-kva.example/"
        );
        assert_eq!(ok("https://8.8.8.8/hook"), "https://8.8.8.8/hook");
        assert_eq!(
            ok("https://[2606:4700::1111]/"),
            "https://[2606:4700::1111]/"
        );
        assert_eq!(
            ok("https://[2606:4700::ABCD]:8443/x"),
            "https://[2606:4700::abcd]:8443/x"
        );
        assert_eq!(
            ok("https://a-b.example/list[0]"),
            "https://a-b.example/list[0]"
        );
        // A DNS name that happens to spell an IP address is a DNS name. That it resolves to
        // 127.0.0.1 is caught (if at all) where the URL is fetched: DNS-based tricks,
        // rebinding included, are out of scope for a syntactic check.
        assert_eq!(ok("https://127.0.0.1.nip.io"), "https://127.0.0.1.nip.io");
        assert_eq!(ok("https://0x7f.example.com/"), "https://0x7f.example.com/");
        assert_eq!(ok("https://1e100.net/"), "https://1e100.net/");
    }

    #[test]
    fn host_is_lower_case_without_port() {
        let host = |raw: &str| HttpsUrl::parse(raw, true).unwrap().host().to_owned();
        assert_eq!(host("https://Example.COM:8443/a:b?c=d:e"), "example.com");
        assert_eq!(host("https://example.com"), "example.com");
        assert_eq!(host("https://example.com?q=/x"), "example.com");
        assert_eq!(host("https://[2606:4700::1111]:8443/"), "[2606:4700::1111]");
        assert_eq!(host("https://[::1]"), "[::1]");
        assert_eq!(host("https://10.0.0.1:9000"), "10.0.0.1");
        let url = HttpsUrl::parse("https://example.com/x", false).unwrap();
        assert_eq!(url.to_string(), "https://example.com/x");
    }

    #[test]
    fn refuses_other_schemes() {
        for raw in [
            "http://example.com/",
            "HTTP://example.com/",
            "javascript:alert(1)",
            "ftp://example.com/",
            "ws://example.com/",
            "wss://example.com/",
            "data:text/html,hi",
            "file:///etc/passwd",
            "httpss://example.com/",
        ] {
            assert_eq!(code(raw), "not_https", "{raw}");
        }
        let err = HttpsUrl::parse("http://example.com/", false).unwrap_err();
        assert!(err.detail.contains("https://"), "{}", err.detail);
    }

    #[test]
    fn refuses_credentials() {
        for raw in [
            "https://evil.com@127.0.0.1/",
            "https://user:pass@example.com/",
            "https://user@example.com/",
            "https://:@example.com/",
            "https://@example.com/",
            "https://a%40b@example.com/",
        ] {
            assert_eq!(code(raw), "credentials", "{raw}");
            assert_eq!(code_in(raw, true), "credentials", "{raw}");
        }
        // `@` after the authority is part of the path or query.
        assert_eq!(ok("https://example.com/@user"), "https://example.com/@user");
        assert_eq!(
            ok("https://example.com?to=a@b.c"),
            "https://example.com?to=a@b.c"
        );
    }

    #[test]
    fn refuses_invalid_urls() {
        for raw in [
            "",
            " ",
            "example.com",
            "//example.com",
            "://example.com",
            "1https://example.com",
            "https:example.com",
            "https:/example.com",
            "https://",
            "https:///path",
            "https://:443/",
            "https://?q",
            "https://exa mple.com",
            " https://example.com",
            "https://example.com ",
            "https://example.com/\n",
            "https://example.com/\r\nX-Injected: 1",
            "https://example.com/\t",
            "https://example.com/\0",
            "https://example.com/\u{7f}",
            "https://example.com/#top",
            "https://example.com#",
            "https://bücher.example/",
            "https://example.com/ü",
            "https://example.com/\u{200b}",
            "https://example.com:0/",
            "https://example.com:65536/",
            "https://example.com:99999/",
            "https://example.com:123456/",
            "https://example.com:-1/",
            "https://example.com:http/",
            "https://example.com:/",
            "https://example.com:0443/",
            "https://example.com:443:443/",
            "https://-bad-.com",
            "https://bad-.com",
            "https://-bad.com",
            "https://ex_ample.com/",
            "https://exa%6dple.com/",
            "https://example..com/",
            "https://.example.com/",
            "https://example.com./",
            "https://localhost./",
            "https://example.com\\@evil.com/",
            "https:\\\\example.com",
            "https://example.com/a\\b",
            "https://example.com/<script>",
            "https://example.com/\"",
            "https://example.com/{x}",
            "https://example.com/%",
            "https://example.com/%zz",
            "https://example.com/%2",
            "https://[::1",
            "https://[::1]x/",
            "https://ex[a]mple.com/",
            "https://[not-an-ip]/",
            "https://[fe80::1%25eth0]/",
            "https://[v1.fe]/",
        ] {
            assert_eq!(code(raw), "invalid_url", "{raw:?}");
        }
        let long_label = format!("https://{}.com/", "a".repeat(64));
        assert_eq!(code(&long_label), "invalid_url");
        let long_host = format!("https://{}com/", "abcdefghi.".repeat(26));
        assert_eq!(code(&long_host), "invalid_url");
        let err = HttpsUrl::parse("https://bücher.example/", false).unwrap_err();
        assert!(err.detail.contains("punycode"), "{}", err.detail);
    }

    #[test]
    fn refuses_numeric_ipv4_forms_in_every_environment() {
        for raw in [
            "https://2130706433/",
            "http://2130706433",
            "https://0x7f.1/",
            "https://0x7f000001/",
            "https://0177.0.0.1/",
            "https://127.1/",
            "https://127.0.1/",
            "https://127.000.000.001/",
            "https://01.2.3.4/",
            "https://1.2.3.4.5/",
            "https://256.1.1.1/",
            "https://1.2.3.0x4/",
            "https://1.2.3.0x/",
            "https://example.123/",
            "https://0/",
        ] {
            let code = code(raw);
            assert!(
                code == "invalid_url" || code == "not_https",
                "{raw}: {code}"
            );
            let dev = code_in(raw, true);
            assert!(dev == "invalid_url" || dev == "not_https", "{raw}: {dev}");
        }
    }

    #[test]
    fn refuses_private_hosts_outside_development() {
        for raw in [
            "https://localhost/",
            "https://LOCALHOST:8443/",
            "https://api.localhost/",
            "https://printer.local/",
            "https://metadata.google.internal/",
            "https://router.home.arpa/",
            "https://home.arpa/",
            "https://localhost.localdomain/",
            "https://intranet/",
            "https://0.0.0.0/",
            "https://0.1.2.3/",
            "https://10.0.0.1/",
            "https://10.255.255.255/",
            "https://100.64.0.1/",
            "https://100.127.255.254/",
            "https://127.0.0.1/",
            "https://127.255.255.255:8443/",
            "https://169.254.169.254/latest/meta-data/",
            "https://172.16.0.1/",
            "https://172.31.255.255/",
            "https://192.0.0.8/",
            "https://192.0.2.1/",
            "https://192.168.1.1/",
            "https://198.18.0.1/",
            "https://198.19.255.255/",
            "https://198.51.100.7/",
            "https://203.0.113.7/",
            "https://224.0.0.1/",
            "https://239.255.255.250/",
            "https://240.0.0.1/",
            "https://255.255.255.255/",
            "https://[::1]/",
            "https://[::]/",
            "https://[0:0:0:0:0:0:0:1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[::ffff:8.8.8.8]/",
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::7f00:1]/",
            "https://[fc00::1]/",
            "https://[fd12:3456::1]/",
            "https://[fe80::1]/",
            "https://[febf::1]/",
            "https://[fec0::1]/",
            "https://[ff02::1]/",
            "https://[100::1]/",
            "https://[2001:db8::1]/",
            "https://[2001::1]/",
            "https://[2002:7f00:1::]/",
            "https://[3fff::1]/",
        ] {
            assert_eq!(code(raw), "private_host", "{raw}");
            assert!(HttpsUrl::parse(raw, true).is_ok(), "{raw} in development");
        }
        // Neighbours of the refused ranges are public.
        for raw in [
            "https://1.1.1.1/",
            "https://9.255.255.255/",
            "https://11.0.0.0/",
            "https://100.63.255.255/",
            "https://100.128.0.0/",
            "https://126.255.255.255/",
            "https://128.0.0.0/",
            "https://169.253.0.1/",
            "https://172.15.255.255/",
            "https://172.32.0.0/",
            "https://192.0.1.1/",
            "https://192.167.255.255/",
            "https://192.169.0.0/",
            "https://198.17.255.255/",
            "https://198.20.0.0/",
            "https://223.255.255.255/",
            "https://[2001:4860:4860::8888]/",
            "https://[2a00:1450:4001::1]/",
            "https://[2001:200::1]/",
            "https://notlocalhost.com/",
            "https://local.example.com/",
            "https://internal.example.com/",
            "https://localhost.example.com/",
            "https://example.localhost.com/",
        ] {
            assert!(HttpsUrl::parse(raw, false).is_ok(), "{raw}");
        }
    }

    #[test]
    fn development_still_checks_everything_else() {
        assert_eq!(
            HttpsUrl::parse("https://localhost:8787/notify", true)
                .unwrap()
                .as_str(),
            "https://localhost:8787/notify"
        );
        assert_eq!(code_in("http://localhost:8787/", true), "not_https");
        assert_eq!(code_in("https://u:p@localhost/", true), "credentials");
        assert_eq!(code_in("https://localhost:0/", true), "invalid_url");
        assert_eq!(code_in("https://localhost/#x", true), "invalid_url");
    }

    #[test]
    fn refuses_long_urls() {
        let base = "https://example.com/";
        let exact = format!("{base}{}", "a".repeat(MAX_URL_LEN - base.len()));
        assert_eq!(HttpsUrl::parse(&exact, false).unwrap().as_str(), exact);
        let over = format!("{exact}a");
        assert_eq!(code(&over), "too_long");
        assert_eq!(code(&"é".repeat(MAX_URL_LEN + 1)), "too_long");
    }

    #[test]
    fn never_panics() {
        let pieces = [
            "https:",
            "//",
            "/",
            "[",
            "]",
            ":",
            "@",
            "?",
            "#",
            "%",
            "%4",
            "0x",
            ".",
            "1",
            "255",
            "::",
            "ffff",
            "a",
            "-",
            "\\",
            " ",
            "é",
            "\n",
            "localhost",
            "443",
            "0",
            "[::1]",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut raw = String::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                raw.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            for allow in [false, true] {
                if let Ok(url) = HttpsUrl::parse(&raw, allow) {
                    assert!(url.as_str().starts_with("https://"));
                    assert!(!url.host().is_empty());
                    assert_eq!(HttpsUrl::parse(url.as_str(), allow), Ok(url.clone()));
                }
            }
        }
    }
}
