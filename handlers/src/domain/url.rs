//! `HttpsUrl`: a URL a developer configures and devcenter calls or shows (gateway URL,
//! notification URL, website, logo); `RedirectUri`: a redirect URI an OAuth client registers.
//! https only, no credentials, no fragment, strict ASCII, and, outside development, no host
//! that names this machine or a private network.
//!
//! Parsing is the `url` crate's WHATWG parser, the one browsers and the Worker runtime's
//! `fetch` follow, so the host and port checked here are the ones that get called. This file
//! adds only the policy, as checks over the parsed [`Url`], and sentences for people. Where the
//! parser would quietly repair what was typed (a missing `//`, backslashes, an empty
//! `https://@host`, `0x7f.1` for 127.0.0.1, a percent-encoded host, an empty port), it either
//! reports a syntax violation or the authority as typed differs from the one it parsed, and we
//! refuse instead: a setting should read as what it does.
//!
//! This checks what was typed, nothing more. A public DNS name may still resolve to a private
//! address (`127.0.0.1.nip.io`, or a name that changes its answer between check and use: DNS
//! rebinding); that is out of scope here and must be handled where the URL is fetched.

use std::cell::Cell;
use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, ParseError, SyntaxViolation, Url};

use crate::domain::invalid::Invalid;

pub const MAX_URL_LEN: usize = 2048;

/// An https URL as the WHATWG parser serialises it: scheme and host in lower case, an empty
/// path as `/`, the default port left out, IPv6 addresses compressed; the path and query as
/// given (they may only hold characters that need no encoding, or `%XX` escapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsUrl(Url);

impl HttpsUrl {
    /// `allow_private`: true only in development, where `localhost`, private addresses and
    /// the like are accepted. Everything else is checked the same way in every environment.
    ///
    /// Codes: `too_long`, `invalid_url`, `not_https`, `credentials`, `private_host`.
    pub fn parse(raw: &str, allow_private: bool) -> Result<HttpsUrl, Invalid> {
        check(raw, allow_private, false).map(HttpsUrl)
    }

    /// A URL devcenter POSTs to (notification URLs): as [`HttpsUrl::parse`], and in
    /// development also plain `http://` to this machine (`localhost`, `127.x.x.x`, `[::1]`),
    /// because a receiver on loopback has no certificate. Never outside development.
    pub fn parse_callback(raw: &str, development: bool) -> Result<HttpsUrl, Invalid> {
        check(raw, development, development).map(HttpsUrl)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host in lower case, without the port; an IPv6 literal keeps its brackets
    /// (`[2001:db8::1]`), as in the URL.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

impl std::fmt::Display for HttpsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A redirect URI as an OAuth client registered it. Authorization servers compare redirect
/// URIs as exact strings (RFC 6749 §3.1.2.3, OAuth 2.1 §2.3.1, RFC 9700 §4.1.3): no
/// normalisation, no prefix or pattern matching, so a look-alike never passes. Hence the
/// string is kept exactly as registered; the parsed form is used only to build redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    registered: String,
    url: Url,
}

impl RedirectUri {
    /// An absolute https URL without a fragment (RFC 6749 §3.1.2) or credentials, held to
    /// the same rules as [`HttpsUrl::parse_callback`]: in development also plain `http://`
    /// to this machine (native and local apps redirect to loopback, RFC 8252 §7.3), and,
    /// outside development, no private host.
    ///
    /// Codes: `too_long`, `invalid_url`, `not_https`, `credentials`, `private_host`.
    pub fn parse(raw: &str, development: bool) -> Result<RedirectUri, Invalid> {
        let url = check(raw, development, development)?;
        Ok(RedirectUri {
            registered: raw.to_owned(),
            url,
        })
    }

    /// Exactly as registered.
    pub fn as_str(&self) -> &str {
        &self.registered
    }

    /// Whether a `redirect_uri` from a request is this one: byte for byte. Not constant-time:
    /// a redirect URI is not a secret.
    pub fn matches(&self, candidate: &str) -> bool {
        self.registered == candidate
    }

    /// The URI with `pairs` appended to its query (`?code=…&state=…`, or an error), form-
    /// encoded. A query the registered URI already has is kept, as RFC 6749 §3.1.2 requires.
    /// The result is the parser's serialisation (host in lower case, `/` for an empty path):
    /// the same resource, where the browser is sent, not a string anyone compares.
    pub fn with_query(&self, pairs: &[(&str, &str)]) -> String {
        let mut url = self.url.clone();
        if !pairs.is_empty() {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
        }
        url.into()
    }
}

/// The whole policy: checks on the input as typed, the WHATWG parse, then checks on the
/// parsed URL. `http_to_loopback`: plain http is accepted when the host is this machine.
fn check(raw: &str, allow_private: bool, http_to_loopback: bool) -> Result<Url, Invalid> {
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
    // The parser would strip these at the ends and drop tabs and line breaks inside.
    if raw.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(invalid(
            "URLs must not contain spaces, tabs, line breaks or other control characters \
             (check the start and end too); percent-encode them if they belong in the path.",
        ));
    }

    // The parser repairs some mistakes and tells only through this callback; the first one
    // we refuse is kept.
    let violation = Cell::new(None);
    let record = |v: SyntaxViolation| {
        if violation.get().is_none() && refused_violation(v).is_some() {
            violation.set(Some(v));
        }
    };
    let url = Url::options()
        .syntax_violation_callback(Some(&record))
        .parse(raw)
        .map_err(parse_error)?;

    let scheme = url.scheme();
    let plain_http = http_to_loopback && scheme == "http";
    if scheme != "https" && !plain_http {
        return Err(not_https(scheme));
    }
    if let Some(refusal) = violation.get().and_then(refused_violation) {
        return Err(refusal);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(credentials());
    }
    if url.fragment().is_some() {
        return Err(invalid(
            "URLs must not have a fragment (`#…`): it is never sent to the server. Remove it.",
        ));
    }
    // The parser would percent-encode these in the path and query; we would rather the
    // stored URL be what was typed.
    if let Some(c) = raw.chars().find(|&c| !is_url_char(c)) {
        return Err(invalid(format!(
            "The character `{c}` is not allowed in a URL; percent-encode it."
        )));
    }

    let host = url.host().ok_or_else(no_host)?;
    check_authority(raw, &url, &host)?;
    if plain_http && !is_loopback(&host) {
        return Err(Invalid::new(
            "not_https",
            "Only https URLs are accepted; plain `http://` only to this machine (`localhost`, \
             `127.0.0.1` or `[::1]`) in development.",
        ));
    }
    if !allow_private && is_private(&host) {
        return Err(private_host(&host));
    }
    Ok(url)
}

/// The authority as typed must be the one the parser read, up to case and an explicit
/// default port, so that what is checked is what was written: `0x7f.1`, `127.1` or
/// `2130706433` (all 127.0.0.1 to WHATWG), a percent-encoded host, an empty port or one with
/// leading zeros are refused, not silently rewritten. Then the host name rules.
fn check_authority(raw: &str, url: &Url, host: &Host<&str>) -> Result<(), Invalid> {
    // No violations were refused, so the input is `scheme://authority[/…][?…]` and the
    // authority holds no `@`.
    let after_scheme = raw
        .get(url.scheme().len()..)
        .and_then(|rest| rest.strip_prefix("://"))
        .ok_or_else(expected_double_slash)?;
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_end = if authority.starts_with('[') {
        authority
            .find(']')
            .map_or(authority.len(), |close| close + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (typed_host, typed_port) = authority.split_at(host_end);

    let port_ok = match typed_port.strip_prefix(':') {
        None => typed_port.is_empty(),
        Some(digits) => {
            url.port() != Some(0)
                && url
                    .port_or_known_default()
                    .is_some_and(|port| port.to_string() == digits)
        }
    };
    if !port_ok {
        return Err(bad_port());
    }

    match host {
        Host::Domain(name) => check_name(typed_host, name),
        Host::Ipv4(ip) if !typed_host.eq_ignore_ascii_case(&ip.to_string()) => {
            Err(invalid(format!(
                "`{typed_host}` is read as the IP address {ip} but is not written as four \
                 decimal numbers from 0 to 255 (such as `203.0.113.7`); shortened, octal, \
                 hexadecimal and single-number forms are not accepted."
            )))
        }
        // Brackets are required, and any spelling of the address reads the same.
        Host::Ipv4(_) | Host::Ipv6(_) => Ok(()),
    }
}

/// DNS names as resolvers take them: dot-separated labels of letters, digits and hyphens.
/// WHATWG also admits `_`, `*`, empty labels, a trailing dot and any length.
fn check_name(typed: &str, name: &str) -> Result<(), Invalid> {
    let bad_name = || {
        invalid(format!(
            "`{typed}` is not a valid host name: each dot-separated part must be 1 to 63 \
             letters, digits or hyphens, and must not start or end with a hyphen."
        ))
    };
    if !typed.eq_ignore_ascii_case(name) {
        return Err(bad_name());
    }
    if name.len() > 253 {
        return Err(invalid("A host name has at most 253 characters."));
    }
    if name.ends_with('.') {
        return Err(invalid(format!(
            "The host `{name}` must not end with a dot; remove it."
        )));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(bad_name())
    }
}

fn invalid(detail: impl Into<String>) -> Invalid {
    Invalid::new("invalid_url", detail)
}

fn must_start_with_https() -> Invalid {
    invalid("A URL starts with `https://` and a host, as in `https://example.com/`.")
}

fn expected_double_slash() -> Invalid {
    invalid("An https URL continues with `//` and a host, as in `https://example.com/`.")
}

fn no_host() -> Invalid {
    invalid("The URL has no host; write it as `https://example.com/…`.")
}

fn bad_port() -> Invalid {
    invalid(
        "The port must be a number from 1 to 65535, without leading zeros (or leave it out \
         for 443).",
    )
}

fn credentials() -> Invalid {
    Invalid::new(
        "credentials",
        "Credentials (`user:password@` or `user@`) must not be put in URLs: they end up in \
         logs and in front of everyone who can see this setting. Remove them.",
    )
}

fn not_https(scheme: &str) -> Invalid {
    let detail = if scheme == "http" {
        "Only https URLs are accepted: use `https://` instead of `http://`.".to_owned()
    } else if scheme.len() <= 16 {
        format!("Only https URLs are accepted (this one starts with `{scheme}:`).")
    } else {
        "Only https URLs are accepted.".to_owned()
    };
    Invalid::new("not_https", detail)
}

/// The parser's fatal errors, in words.
fn parse_error(e: ParseError) -> Invalid {
    match e {
        ParseError::RelativeUrlWithoutBase => must_start_with_https(),
        ParseError::EmptyHost => no_host(),
        ParseError::InvalidPort => bad_port(),
        ParseError::InvalidIpv4Address => invalid(
            "The host looks like an IP address but is not four decimal numbers from 0 to 255 \
             (such as `203.0.113.7`).",
        ),
        ParseError::InvalidIpv6Address => invalid(
            "An IPv6 address in a URL is written in square brackets, as in \
             `https://[2001:db8::1]/`, and followed only by `:port` (zone identifiers such as \
             `%eth0` are not accepted).",
        ),
        ParseError::InvalidDomainCharacter | ParseError::IdnaError => invalid(
            "The host is not a valid host name: each dot-separated part must be 1 to 63 \
             letters, digits or hyphens (international names in punycode, `xn--…`), and \
             square brackets may only surround an IPv6 address.",
        ),
        _ => invalid("This is not a valid URL; write it as `https://example.com/…`."),
    }
}

/// What the parser repaired that we refuse. Others (such as `[` in a path, which WHATWG
/// calls a non-URL code point) are left to [`is_url_char`].
fn refused_violation(v: SyntaxViolation) -> Option<Invalid> {
    match v {
        SyntaxViolation::ExpectedDoubleSlash => Some(expected_double_slash()),
        SyntaxViolation::Backslash => Some(invalid(
            "URLs must not contain backslashes: use `/` to separate the path, or `%5C` for a \
             literal backslash.",
        )),
        // Also an empty `https://@host` or `https://:@host`, which the parser drops.
        SyntaxViolation::EmbeddedCredentials | SyntaxViolation::UnencodedAtSign => {
            Some(credentials())
        }
        SyntaxViolation::PercentDecode => Some(invalid(
            "Every `%` must start a percent-encoded byte such as `%2F`; write `%25` for a \
             literal `%`.",
        )),
        _ => None,
    }
}

/// RFC 3986's unreserved and reserved characters, and `%` (checked by the parser).
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// This machine: where plain http is accepted in development.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Outside development: a host that names this machine or a private network.
fn is_private(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => is_private_name(name),
        Host::Ipv4(ip) => !is_public_v4(*ip),
        Host::Ipv6(ip) => !is_public_v6(*ip),
    }
}

fn private_host(host: &Host<&str>) -> Invalid {
    let detail = match host {
        Host::Domain(name) => format!(
            "`{name}` names a machine on a local network, not on the internet (`localhost`, \
             `*.localhost`, `*.local`, `*.internal`, `*.home.arpa` and names without a dot \
             are refused). Use a public host name."
        ),
        Host::Ipv4(ip) => format!(
            "`{ip}` is a loopback, private, link-local, shared, reserved, documentation or \
             multicast address, which is not reachable from the internet. Use a public host \
             name."
        ),
        Host::Ipv6(ip) => format!(
            "`[{ip}]` is not a public IPv6 address: only global unicast addresses (2000::/3, \
             minus its special-purpose blocks) are accepted, and loopback, unique-local, \
             link-local and IPv4-mapped addresses are not. Use a public host name."
        ),
    };
    Invalid::new("private_host", detail)
}

/// Names that resolve only inside a machine or a local network (RFC 6761, RFC 6762,
/// RFC 8375, ICANN's `.internal`), and single-label names, which resolvers complete with a
/// local search domain. `host` is in lower case, as the parser leaves it; a trailing dot
/// (the fully qualified `localhost.`) names the same machine.
fn is_private_name(host: &str) -> bool {
    const SUFFIXES: [&str; 5] = ["localhost", "local", "internal", "home.arpa", "localdomain"];
    let host = host.strip_suffix('.').unwrap_or(host);
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
    fn plain_http_is_only_to_this_machine() {
        let dev = |raw: &str| HttpsUrl::parse_callback(raw, true).map(|u| u.as_str().to_owned());
        // The port is read for http, whose default is 80, not 443.
        assert_eq!(dev("http://localhost:80/n").unwrap(), "http://localhost/n");
        assert_eq!(
            dev("http://localhost:443/n").unwrap(),
            "http://localhost:443/n"
        );
        assert_eq!(dev("http://127.8.9.10/n").unwrap(), "http://127.8.9.10/n");
        for raw in [
            "http://127.example.com/",
            "http://api.localhost/",
            "http://[::2]/",
            "http://0x7f.1/",
        ] {
            assert!(dev(raw).is_err(), "{raw}");
        }
        assert_eq!(dev("http://localhost:0/").unwrap_err().code, "invalid_url");
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            ok("HTTPS://Example.COM/Path?q=1"),
            "https://example.com/Path?q=1"
        );
        // As the WHATWG parser serialises it: an empty path is `/`, the default port goes.
        assert_eq!(ok("https://example.com"), "https://example.com/");
        assert_eq!(ok("https://example.com/"), "https://example.com/");
        assert_eq!(ok("https://example.com:443/"), "https://example.com/");
        assert_eq!(
            ok("https://api.example.com:8443"),
            "https://api.example.com:8443/"
        );
        assert_eq!(ok("https://example.com?x=1"), "https://example.com/?x=1");
        assert_eq!(
            ok("https://example.com/a/./b/../c"),
            "https://example.com/a/c"
        );
        assert_eq!(
            ok("https://[2606:4700:0:0:0:0:0:1111]/"),
            "https://[2606:4700::1111]/"
        );
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
        assert_eq!(ok("https://127.0.0.1.nip.io"), "https://127.0.0.1.nip.io/");
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
            "https://example.com/?to=a@b.c"
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

    fn redirect(raw: &str) -> RedirectUri {
        match RedirectUri::parse(raw, false) {
            Ok(uri) => uri,
            Err(e) => panic!("refused {raw:?}: {} ({})", e.code, e.detail),
        }
    }

    fn redirect_code(raw: &str, development: bool) -> &'static str {
        match RedirectUri::parse(raw, development) {
            Ok(uri) => panic!("accepted {raw:?} as {}", uri.as_str()),
            Err(e) => {
                assert!(e.detail.ends_with('.'), "{}", e.detail);
                e.code
            }
        }
    }

    #[test]
    fn redirect_uris_are_kept_and_compared_exactly_as_registered() {
        let uri = redirect("https://app.example.com/cb");
        assert_eq!(uri.as_str(), "https://app.example.com/cb");
        assert!(uri.matches("https://app.example.com/cb"));
        for other in [
            "https://app.example.com/cb/",
            "https://app.example.com/cb?",
            "https://app.example.com/cb?x=1",
            "https://App.example.com/cb",
            "HTTPS://app.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com/%63b",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb#",
            "https://app.example.com/cb ",
            " https://app.example.com/cb",
            "https://app.example.com/c",
            "https://app.example.com/cbx",
            "https://app.example.com.evil.com/cb",
            "",
        ] {
            assert!(!uri.matches(other), "{other:?}");
        }

        // Not normalised: what was registered is what must be sent.
        let upper = redirect("https://App.Example.com:443/a/../cb");
        assert_eq!(upper.as_str(), "https://App.Example.com:443/a/../cb");
        assert!(!upper.matches("https://app.example.com/cb"));
        let bare = redirect("https://app.example.com");
        assert_eq!(bare.as_str(), "https://app.example.com");
        assert!(!bare.matches("https://app.example.com/"));
        let encoded = redirect("https://app.example.com/c%62");
        assert!(!encoded.matches("https://app.example.com/cb"));
        assert!(encoded.matches("https://app.example.com/c%62"));
    }

    #[test]
    fn redirect_uris_are_https_without_fragment_or_credentials() {
        for raw in [
            "https://app.example.com/cb#",
            "https://app.example.com/cb#x",
        ] {
            assert_eq!(redirect_code(raw, false), "invalid_url", "{raw}");
            assert_eq!(redirect_code(raw, true), "invalid_url", "{raw}");
        }
        for raw in [
            "http://app.example.com/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "app://callback",
            "com.example.app:/oauth2redirect",
            "javascript:alert(1)",
        ] {
            assert_eq!(redirect_code(raw, false), "not_https", "{raw}");
        }
        for raw in [
            "https://user@app.example.com/cb",
            "https://u:p@app.example.com/cb",
            "https://@app.example.com/cb",
        ] {
            assert_eq!(redirect_code(raw, false), "credentials", "{raw}");
        }
        for raw in ["/cb", "app.example.com/cb", "https:/app.example.com/cb"] {
            assert_eq!(redirect_code(raw, false), "invalid_url", "{raw}");
        }
        let base = "https://app.example.com/";
        let exact = format!("{base}{}", "a".repeat(MAX_URL_LEN - base.len()));
        assert_eq!(redirect(&exact).as_str(), exact);
        assert_eq!(redirect_code(&format!("{exact}a"), false), "too_long");
    }

    #[test]
    fn redirect_uris_may_be_plain_http_to_loopback_in_development() {
        for raw in [
            "http://localhost/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1:51234/cb?x=1",
            "http://[::1]:8080/",
            "https://localhost:8443/cb",
            "https://10.0.0.5/cb",
        ] {
            let uri = RedirectUri::parse(raw, true).unwrap();
            assert_eq!(uri.as_str(), raw);
            assert!(uri.matches(raw));
        }
        for raw in [
            "http://app.example.com/cb",
            "http://10.0.0.5/cb",
            "http://api.localhost/cb",
        ] {
            assert_eq!(redirect_code(raw, true), "not_https", "{raw}");
        }
        assert_eq!(redirect_code("http://localhost/cb#x", true), "invalid_url");
        assert_eq!(redirect_code("http://u@localhost/cb", true), "credentials");
    }

    #[test]
    fn redirects_append_to_the_registered_query() {
        let uri = redirect("https://app.example.com/cb");
        assert_eq!(
            uri.with_query(&[("code", "abc"), ("state", "xyz")]),
            "https://app.example.com/cb?code=abc&state=xyz"
        );
        let with_query = redirect("https://app.example.com/cb?tenant=7&lang=en");
        assert_eq!(
            with_query.with_query(&[("code", "abc"), ("state", "xyz")]),
            "https://app.example.com/cb?tenant=7&lang=en&code=abc&state=xyz"
        );
        // The registered URI is untouched.
        assert_eq!(
            with_query.as_str(),
            "https://app.example.com/cb?tenant=7&lang=en"
        );
        let empty_query = redirect("https://app.example.com/cb?");
        assert_eq!(
            empty_query.with_query(&[("code", "abc")]),
            "https://app.example.com/cb?code=abc"
        );
        assert_eq!(
            uri.with_query(&[("error", "access_denied")]),
            "https://app.example.com/cb?error=access_denied"
        );
        assert_eq!(uri.with_query(&[]), "https://app.example.com/cb");
        // The serialisation, not the registered spelling: the same resource.
        assert_eq!(
            redirect("https://App.example.com").with_query(&[("code", "c")]),
            "https://app.example.com/?code=c"
        );
        let dev = RedirectUri::parse("http://127.0.0.1:51234/cb", true).unwrap();
        assert_eq!(
            dev.with_query(&[("code", "c")]),
            "http://127.0.0.1:51234/cb?code=c"
        );
    }

    #[test]
    fn redirect_query_values_are_form_encoded() {
        let uri = redirect("https://app.example.com/cb?next=%2Fhome");
        let pairs = [
            ("state", "a&b=c d"),
            ("error_description", "Zugriff verweigert: für €5 / 100%?#"),
            ("code", "+/="),
            ("a b&c", ""),
        ];
        let out = uri.with_query(&pairs);
        assert_eq!(
            out,
            "https://app.example.com/cb?next=%2Fhome\
             &state=a%26b%3Dc+d\
             &error_description=Zugriff+verweigert%3A+f%C3%BCr+%E2%82%AC5+%2F+100%25%3F%23\
             &code=%2B%2F%3D\
             &a+b%26c="
        );
        // What the client reads back is what was sent, after the registered pair.
        let parsed = Url::parse(&out).unwrap();
        let read: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let mut expected = vec![("next".to_owned(), "/home".to_owned())];
        expected.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        assert_eq!(read, expected);
        assert_eq!(parsed.fragment(), None);
    }

    /// The private-host policy looks at the host the WHATWG parser produced, which has
    /// already turned every IPv4 spelling into one address.
    #[test]
    fn private_host_policy_over_parsed_hosts() {
        for (raw, expected) in [
            ("https://2130706433/", "127.0.0.1"),
            ("https://0x7f000001/", "127.0.0.1"),
            ("https://0x7f.1/", "127.0.0.1"),
            ("https://0177.0.0.1/", "127.0.0.1"),
            ("https://127.1/", "127.0.0.1"),
            ("https://127.000.000.001/", "127.0.0.1"),
            ("https://0/", "0.0.0.0"),
            ("https://012.0.0.1/", "10.0.0.1"),
            ("https://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"),
            ("https://3232235777/", "192.168.1.1"),
            ("https://[::ffff:10.0.0.1]/", "[::ffff:a00:1]"),
            ("https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
            ("https://[0:0:0:0:0:0:0:1]/", "[::1]"),
            ("https://[::]/", "[::]"),
            ("https://[fd00::1]/", "[fd00::1]"),
            ("https://LOCALHOST/", "localhost"),
            ("https://localhost./", "localhost."),
            ("https://api.localhost./", "api.localhost."),
            ("https://printer.local/", "printer.local"),
            ("https://intranet/", "intranet"),
            (
                "https://metadata.google.internal./",
                "metadata.google.internal.",
            ),
        ] {
            let url = Url::parse(raw).unwrap();
            let host = url.host().unwrap();
            assert_eq!(url.host_str(), Some(expected), "{raw}");
            assert!(is_private(&host), "{raw}");
            // Refused outside development: for its host, or for spelling it unusually.
            let refusal = redirect_code(raw, false);
            assert!(
                refusal == "private_host" || refusal == "invalid_url",
                "{raw}: {refusal}"
            );
            assert_eq!(
                HttpsUrl::parse(raw, false).unwrap_err().code,
                refusal,
                "{raw}"
            );
        }
        for raw in [
            "https://[::ffff:10.0.0.1]/cb",
            "https://[fd00::1]/cb",
            "https://localhost/cb",
            "https://10.0.0.1/cb",
        ] {
            assert_eq!(redirect_code(raw, false), "private_host", "{raw}");
            assert!(RedirectUri::parse(raw, true).is_ok(), "{raw}");
        }
        // Unusual spellings stay refused in development too: the address is fine there, but
        // nobody means `0x7f.1`.
        for raw in [
            "https://0x7f.1/cb",
            "https://2130706433/cb",
            "https://localhost./cb",
        ] {
            assert_eq!(redirect_code(raw, true), "invalid_url", "{raw}");
        }
        for raw in [
            "https://8.8.8.8/",
            "https://134744072/",
            "https://[2001:4860:4860::8888]/",
            "https://example.com/",
            "https://localhost.example.com/",
            "https://0x7f.example.com/",
        ] {
            let url = Url::parse(raw).unwrap();
            assert!(!is_private(&url.host().unwrap()), "{raw}");
        }
    }
}
