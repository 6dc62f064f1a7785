"""A stock OAuth client no one here wrote, authlib (pinned in tests/oauth/requirements.in),
against devcenter's authorization server: the authorization-code exchange with
private_key_jwt and PKCE, introspection and revocation, every endpoint read from the RFC 8414
metadata; PyJWT's PyJWKClient checks the platform's signature on the authorization request
against the JWKS.

    scripts/oauth.sh        (runs this in tests/oauth's virtualenv)

The e2e test oauth_interop::authlib_exchange (tests/e2e/tests/api/oauth_interop.rs) prepares
an application that may be authorized (approved workspace, every required sandbox acceptance
case passed, production key, redirect URI) and an approved acqp grantor workspace with a
contract, and passes them in the environment:

    DEVCENTER_URL         the server (ENVIRONMENT=development: the issuer is its origin)
    DEVCENTER_SESSION     a session token of the application's workspace Owner
    OAUTH_APP_ID          the application
    OAUTH_CLIENT_ID       its production client id
    OAUTH_KEY_FILE        its production private key (PEM; the public half is uploaded)
    OAUTH_PRODUCTS        space-separated product codes to ask for
    OAUTH_REDIRECT_URI    one of its registered redirect_uris
    OAUTH_GRANTOR_EMAIL   an Owner of the grantor workspace (acqp), and the password
    OAUTH_GRANTOR_PASSWORD
    OAUTH_GRANTOR_ID      that workspace's id (checked against what the exchange reports)

Steps (each prints one `ok` line; the first failure exits 1 naming the step, the request,
what was expected and what came):
 1. GET /.well-known/oauth-authorization-server; every endpoint below comes from it.
 2. PKCE verifier and S256 challenge from authlib (authlib.common.security.generate_token,
    authlib.oauth2.rfc7636.create_s256_code_challenge) and a state; POST
    /v1/apps/{app}/authorization-urls asks the platform for the signed authorization URL.
 3. The URL's `request` JWT is verified with jwt.PyJWKClient(jwks_uri) and jwt.decode
    (RS256 only); its claims carry our client id, challenge, state and redirect URI. A copy
    with one signature byte changed must not verify.
 4. The grantor, with a requests.Session as its browser: the URL → /login, sign in (CSRF
    token from the form), the consent page, authorize; the final 303 is not followed: code
    and state are read from its Location.
 5. authlib's OAuth2Session with PrivateKeyJWT(token_endpoint) and the production private
    key: fetch_token(grant_type=authorization_code, code, code_verifier, redirect_uri). The
    client assertion authlib sent is decoded and printed (not verified: it is authlib's).
    token_type is Agent-Token, scope the products, grantor_id the grantor.
 6. introspect_token → active, same scope, client and authorization.
 7. revoke_token → 200; introspect_token → active false.
 8. fetch_token with the same code again → authlib raises invalid_grant.
A last line `authlib interop: passed {json}` gives what the caller checks on the server.

Nothing of authlib or PyJWT is patched.
"""

import base64
import html.parser
import json
import os
import sys
import time
import urllib.parse

import authlib
import jwt
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError, UnsupportedTokenTypeError
from authlib.integrations.requests_client import OAuth2Auth, OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge

TIMEOUT = 60


class Failed(Exception):
    pass


def env(name):
    value = os.environ.get(name, "")
    if not value:
        raise Failed(f"setup: {name} is not set (see this script's docstring)")
    return value


def ok(step, detail=""):
    print(f"authlib interop: {step} ok{': ' + detail if detail else ''}", flush=True)


def describe(resp):
    body = resp.text
    if len(body) > 1500:
        body = body[:1500] + "…"
    return f"{resp.request.method} {resp.request.url} → {resp.status_code} {resp.headers.get('content-type', '')!r} {body!r}"


def expect(cond, step, what, resp=None):
    if not cond:
        raise Failed(f"{step}: expected {what}; got {describe(resp) if resp is not None else 'otherwise'}")


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Page(html.parser.HTMLParser):
    """The <input>s (name → value), <option> values, <li data-code>s and the text of the
    elements with an id, of an HTML page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.inputs = {}
        self.options = []
        self.data_codes = []
        self.text_of = {}
        self._open = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and "name" in a:
            self.inputs[a["name"]] = a.get("value") or ""
        if tag == "option":
            self.options.append(a.get("value") or "")
        if tag == "li" and "data-code" in a:
            self.data_codes.append(a["data-code"])
        if "id" in a:
            self.text_of.setdefault(a["id"], "")
            self._open.append((tag, a["id"]))
        else:
            self._open.append((tag, None))

    def handle_endtag(self, tag):
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, ident in self._open:
            if ident is not None:
                self.text_of[ident] += data


def main():
    base = env("DEVCENTER_URL").rstrip("/")
    session_token = env("DEVCENTER_SESSION")
    app_id = env("OAUTH_APP_ID")
    client_id = env("OAUTH_CLIENT_ID")
    with open(env("OAUTH_KEY_FILE"), encoding="ascii") as f:
        private_pem = f.read()
    products = env("OAUTH_PRODUCTS").split()
    redirect_uri = env("OAUTH_REDIRECT_URI")
    grantor_email = env("OAUTH_GRANTOR_EMAIL")
    grantor_password = env("OAUTH_GRANTOR_PASSWORD")
    grantor_id = env("OAUTH_GRANTOR_ID")
    print(f"authlib interop: authlib {authlib.__version__}, PyJWT {jwt.__version__}, requests {requests.__version__}",
          flush=True)

    # 1. RFC 8414 metadata.
    step = "metadata"
    r = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    expect(r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"),
           step, "200 JSON", r)
    meta = r.json()
    for k in ["issuer", "authorization_endpoint", "token_endpoint", "introspection_endpoint",
              "revocation_endpoint", "jwks_uri"]:
        expect(isinstance(meta.get(k), str) and meta[k], step, f"a {k} string", r)
    expect(meta["issuer"] == base, step, f"issuer {base!r} (development: the request's origin)", r)
    expect("private_key_jwt" in meta.get("token_endpoint_auth_methods_supported", []), step,
           "private_key_jwt in token_endpoint_auth_methods_supported", r)
    expect("S256" in meta.get("code_challenge_methods_supported", []), step,
           "S256 in code_challenge_methods_supported", r)
    expect("authorization_code" in meta.get("grant_types_supported", ["authorization_code"]), step,
           "authorization_code in grant_types_supported", r)
    ok(step, f"issuer {meta['issuer']}, token endpoint {meta['token_endpoint']}")

    # 2. PKCE from authlib; the platform signs the authorization URL.
    step = "authorization URL"
    code_verifier = generate_token(64)
    code_challenge = create_s256_code_challenge(code_verifier)
    state = generate_token(24)
    r = requests.post(
        f"{base}/v1/apps/{app_id}/authorization-urls",
        json={"grantor_kind": "acqp", "products": products, "redirect_uri": redirect_uri,
              "state": state, "code_challenge": code_challenge, "code_challenge_method": "S256"},
        headers={"authorization": f"Bearer {session_token}"},
        timeout=TIMEOUT,
    )
    expect(r.status_code == 201, step, "201 with the URL", r)
    url = r.json()["url"]
    parts = urllib.parse.urlsplit(url)
    auth_ep = urllib.parse.urlsplit(meta["authorization_endpoint"])
    expect((parts.scheme, parts.netloc, parts.path) == (auth_ep.scheme, auth_ep.netloc, auth_ep.path),
           step, f"a URL at the authorization_endpoint {meta['authorization_endpoint']}", r)
    query = urllib.parse.parse_qs(parts.query)
    expect(list(query) == ["request"] and len(query["request"]) == 1, step, "exactly one query parameter, request", r)
    request_jwt = query["request"][0]
    ok(step, f"{len(url)} characters")

    # 3. The platform's signature, against the JWKS.
    step = "request JWT"
    jwks_client = jwt.PyJWKClient(meta["jwks_uri"])
    try:
        signing_key = jwks_client.get_signing_key_from_jwt(request_jwt)
        claims = jwt.decode(request_jwt, signing_key.key, algorithms=["RS256"], issuer=meta["issuer"],
                            options={"verify_aud": False, "require": ["iss", "iat", "exp", "jti"]})
    except jwt.PyJWTError as e:
        raise Failed(f"{step}: the authorization request does not verify against {meta['jwks_uri']}: "
                     f"{type(e).__name__}: {e}") from e
    header = jwt.get_unverified_header(request_jwt)
    jwks = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), {})
    want = {"client_id": client_id, "app_id": app_id, "grantor_kind": "acqp", "products": sorted(set(products)),
            "redirect_uri": redirect_uri, "state": state, "code_challenge": code_challenge}
    got = {k: claims.get(k) for k in want}
    if got != want:
        raise Failed(f"{step}: claims {got} are not {want} (all claims: {claims})")
    if header.get("alg") != "RS256" or jwk.get("devcenter_environment") != "production":
        raise Failed(f"{step}: header {header} should name the production key of the JWKS ({jwks})")
    if claims["exp"] - claims["iat"] != 7 * 86400:
        raise Failed(f"{step}: exp - iat is {claims['exp'] - claims['iat']} s, not 7 days: {claims}")
    head, payload, sig = request_jwt.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    bad_sig = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    try:
        jwt.decode(f"{head}.{payload}.{bad_sig}", signing_key.key, algorithms=["RS256"],
                   options={"verify_aud": False})
        raise Failed(f"{step}: a request with a changed signature verified too: the check proves nothing")
    except jwt.InvalidSignatureError:
        pass
    ok(step, f"kid {header.get('kid')} (production key of the JWKS), jti {claims['jti']}")

    # 4. The grantor's browser.
    step = "grantor login"
    browser = requests.Session()
    r = browser.get(url, timeout=TIMEOUT)
    expect(r.status_code == 200 and urllib.parse.urlsplit(r.url).path == "/login"
           and [h.status_code for h in r.history] == [303], step,
           "a 303 from the authorization URL to the /login page", r)
    login = Page(r.text)
    expect({"csrf_token", "next", "email", "password"} <= set(login.inputs), step,
           "a login form with csrf_token, next, email, password", r)
    r = browser.post(f"{base}/login", data={"csrf_token": login.inputs["csrf_token"], "next": login.inputs["next"],
                                             "email": grantor_email, "password": grantor_password},
                     allow_redirects=False, timeout=TIMEOUT)
    expect(r.status_code == 303 and r.headers.get("location") == login.inputs["next"]
           and "dc_session" in browser.cookies, step,
           f"303 to next {login.inputs['next']!r} with the dc_session cookie", r)
    ok(step)

    step = "consent"
    r = browser.get(urllib.parse.urljoin(base, r.headers["location"]), timeout=TIMEOUT)
    expect(r.status_code == 200, step, "the consent page", r)
    consent = Page(r.text)
    expect({"csrf_token", "request"} <= set(consent.inputs) and "authorize" in consent.text_of, step,
           "a consent form with csrf_token, request and the authorize button", r)
    offered = [consent.inputs["grantor_id"]] if "grantor_id" in consent.inputs else consent.options
    expect(offered == [grantor_id], step, f"the grantor workspace {grantor_id} as the only choice", r)
    expect(sorted(consent.data_codes) == sorted(set(products)), step,
           f"the products {products} listed (li[data-code])", r)
    r = browser.post(
        f"{base}/authorize",
        data={"csrf_token": consent.inputs["csrf_token"], "request": consent.inputs["request"],
              "grantor_id": grantor_id, "accept_terms": "yes", "decision": "authorize"},
        allow_redirects=False, timeout=TIMEOUT)
    location = r.headers.get("location", "")
    expect(r.status_code == 303 and location.startswith(redirect_uri + "?"), step,
           f"303 to {redirect_uri}?code=…&state=…", r)
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    expect(back.get("state") == [state] and len(back.get("code", [])) == 1, step,
           f"exactly one code and our state {state!r} in the Location", r)
    code = back["code"][0]
    ok(step, f"app {consent.text_of.get('app_name', '').strip()!r}, products {consent.data_codes}, code {len(code)} characters")

    # 5. authlib exchanges the code.
    step = "token"
    token_endpoint = meta["token_endpoint"]
    sent = []
    oauth = OAuth2Session(
        client_id,
        private_pem,
        token_endpoint_auth_method=PrivateKeyJWT(token_endpoint),
        revocation_endpoint_auth_method=PrivateKeyJWT(token_endpoint),
        default_timeout=TIMEOUT,
    )
    oauth.hooks["response"].append(lambda resp, *a, **kw: sent.append(resp))
    try:
        token = oauth.fetch_token(token_endpoint, grant_type="authorization_code", code=code,
                                  code_verifier=code_verifier, redirect_uri=redirect_uri)
    except OAuthError as e:
        last = sent[-1] if sent else None
        raise Failed(f"{step}: authlib's fetch_token failed with {e.error}: {e.description}; "
                     f"{describe(last) if last is not None else 'no answer'}") from e
    req = sent[-1].request
    body = urllib.parse.parse_qs(req.body if isinstance(req.body, str) else req.body.decode())
    assertion = body["client_assertion"][0]
    a_head, a_claims = b64url_json(assertion.split(".")[0]), b64url_json(assertion.split(".")[1])
    print("authlib interop: authlib sent " + json.dumps({
        "content_type": req.headers.get("content-type"),
        "fields": sorted(body),
        "assertion_header": a_head,
        "assertion_claims": {k: a_claims[k] for k in ("iss", "sub", "aud") if k in a_claims},
        "exp_minus_iat": a_claims.get("exp", 0) - a_claims.get("iat", 0),
    }), flush=True)
    want = {"token_type": "Agent-Token", "scope": " ".join(sorted(set(products))), "grantor_id": grantor_id}
    got = {k: token.get(k) for k in want}
    if got != want:
        raise Failed(f"{step}: token fields {got} are not {want}: {describe(sent[-1])}")
    access_token = token["access_token"]
    if not (access_token.startswith("agt_") and len(access_token) == 47):
        raise Failed(f"{step}: access_token is not agt_ + 43 characters: {access_token!r}")
    authorization_id = token.get("authorization_id")
    if not authorization_id:
        raise Failed(f"{step}: no authorization_id: {describe(sent[-1])}")
    # What authlib makes of a token of this type: it would not sign a resource request with it
    # (it knows only Bearer). Fine here: the Agent-Token goes in the gateway's own header.
    try:
        OAuth2Auth(token)(requests.Request("GET", base).prepare())
        refuses = "signs requests with it"
    except UnsupportedTokenTypeError as e:
        refuses = f"refuses to sign resource requests with it ({e.description})"
    ok(step, f"token_type {token['token_type']}, scope {token['scope']!r}, grantor {token.get('grantor_name')!r}; "
             f"authlib {refuses}")

    # 6. Introspection, authenticated the same way.
    step = "introspection"
    r = oauth.introspect_token(meta["introspection_endpoint"], token=access_token)
    expect(r.status_code == 200, step, "200", r)
    info = r.json()
    want = {"active": True, "scope": token["scope"], "client_id": client_id, "token_type": "Agent-Token",
            "grantor_id": grantor_id, "grantor_kind": "acqp", "authorization_id": authorization_id,
            "environment": "production", "iss": meta["issuer"]}
    got = {k: info.get(k) for k in want}
    expect(got == want, step, f"{want}", r)
    ok(step, "active")

    # 7. Revocation, then introspection again.
    step = "revocation"
    r = oauth.revoke_token(meta["revocation_endpoint"], token=access_token)
    expect(r.status_code == 200, step, "200", r)
    r = oauth.introspect_token(meta["introspection_endpoint"], token=access_token)
    expect(r.status_code == 200 and r.json() == {"active": False}, step, '200 {"active": false} after revoking', r)
    ok(step, "inactive afterwards")

    # 8. The code once more.
    step = "code replay"
    try:
        oauth.fetch_token(token_endpoint, grant_type="authorization_code", code=code,
                          code_verifier=code_verifier, redirect_uri=redirect_uri)
        raise Failed(f"{step}: a second exchange of the code succeeded: {describe(sent[-1])}")
    except OAuthError as e:
        if e.error != "invalid_grant":
            raise Failed(f"{step}: expected invalid_grant, authlib raised {e.error}: {e.description}") from e
    ok(step, "invalid_grant")

    print("authlib interop: passed " + json.dumps({"authorization_id": authorization_id, "grantor_id": grantor_id,
                                                   "scope": token["scope"]}), flush=True)


if __name__ == "__main__":
    started = time.monotonic()
    try:
        main()
    except Failed as e:
        print(f"authlib interop FAILED: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except requests.RequestException as e:
        print(f"authlib interop FAILED: transport error: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"authlib interop: {time.monotonic() - started:.1f} s", flush=True)
