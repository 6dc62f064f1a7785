"""The bench's OAuth client (scripts/bench.sh, issue 10): gets an application ready for
authorization, pre-makes introspection requests for scripts/bench/oauth.lua, and drives and
times authorization-code exchanges, which wrk cannot (each needs a consent of its own).

    oauth.py setup BASE DEV_TOKEN OP_EMAIL GRANTOR_EMAIL PASSWORD GRANTORS CONF
        DEV_TOKEN is a developer account with no workspace yet; OP_EMAIL (an OPERATOR_EMAILS
        address) and GRANTOR_EMAIL are accounts with PASSWORD. Makes: an approved isv workspace
        with one application (cashier_payment and auto_debit), its required sandbox acceptance
        cases passed through the signed sandbox gateway (scripts/bench/gateway.py's signing;
        a loopback receiver acknowledges the notification), a production key pair (public half
        uploaded), the redirect URI http://127.0.0.1:9/cb; 1 + GRANTORS acqp workspaces of the
        grantor (approved, contract with both products); two authorization URLs (PKCE S256), one
        per product set; the grantor's browser login through /login; a consent for the first
        grantor workspace and its code exchanged: the Agent-Token introspection asks about.
        Writes CONF (JSON).
    oauth.py sign CONF KIND COUNT FILE
        COUNT introspection bodies of KIND (form-encoded, one per line), each with an assertion
        of its own, made now
    oauth.py check BASE CONF KIND [N]
        N (3) fresh introspections of KIND, answers checked field by field
    oauth.py exchange BASE CONF COUNT
        COUNT consents (one per grantor workspace, so the codes stay valid: a consent rotates
        its authorization's token, and a code only hands out the token it was issued with),
        then COUNT exchanges of each exchange KIND, interleaved, one connection, one request at
        a time, timed; prints "exchange: KIND n N mean MS p50 MS p90 MS" per KIND. Exits
        non-zero at the first answer that is not KIND's.

Introspection KINDs (POST /oauth/introspect, see handlers/src/oauth/routes/introspect.rs):
    introspect          the active Agent-Token, assertion by the production key: 200
                        {"active":true,...} (one batch: jti insert, client read, token read;
                        one RS256 verification)
    introspect_unknown  the same token, an assertion naming a client id no application has:
                        401 invalid_client (the same batch, no verification)

Exchange KINDs (POST /oauth/token, handlers/src/oauth/routes/token.rs), all with the same
fresh code, redirect URI and PKCE verifier:
    unknown   assertion naming an unknown client id: 401 invalid_client after the first batch
              (jti insert, client read, code read), before any RSA work
    wrongkey  assertion with the right client id, signed by a key never uploaded: 401
              invalid_client after the same batch and one RS256 verification that fails
    ok        the real assertion: 200 {"access_token":"agt_...","token_type":"Agent-Token",...}
              (the same batch, the verification, the code checks, the redeem batch, the token)
The failing kinds go first and leave the code untouched; ok then redeems it.

Assertions: header {"alg":"RS256","typ":"JWT"}, iss = sub = the production client id, aud =
BASE/oauth/token, a unique jti, iat now, exp now + 3600 (valid for the whole run).
"""

import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gateway  # noqa: E402  (the sandbox signing of scripts/bench/gateway.py)

REDIRECT = "http://127.0.0.1:9/cb"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PRODUCT_SETS = (["cashier_payment"], ["auto_debit", "cashier_payment"])
UNKNOWN_CLIENT = "bench-unknown-client"
# KIND: (HTTP status, a substring of every such answer). The refusals name their reason, so a
# reused jti (also invalid_client) does not pass for one of them.
NO_CLIENT = "no application has this client id"
EXPECT = {
    "introspect": (200, '"active":true'),
    "introspect_unknown": (401, NO_CLIENT),
    "unknown": (401, NO_CLIENT),
    "wrongkey": (401, "does not verify with the application's production public key"),
    "ok": (200, '"token_type":"Agent-Token"'),
}
EXCHANGE_KINDS = ("unknown", "wrongkey", "ok")


def die(msg):
    sys.exit(f"oauth bench: {msg}")


def say(msg):
    print(f"==> oauth bench: {msg}", file=sys.stderr, flush=True)


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_key(pem):
    return serialization.load_pem_private_key(pem.encode(), None)


def assertion(key, client_id, aud, now):
    header = b64url(b'{"alg":"RS256","typ":"JWT"}')
    claims = b64url(json.dumps({"iss": client_id, "sub": client_id, "aud": aud, "jti": secrets.token_hex(16),
                                "iat": now, "exp": now + 3600}, separators=(",", ":")).encode())
    signed = f"{header}.{claims}"
    sig = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signed}.{b64url(sig)}"


class Api:
    def __init__(self, base):
        self.base = base
        self.s = requests.Session()

    def call(self, method, path, token=None, want=(200,), **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["authorization"] = f"Bearer {token}"
        r = self.s.request(method, self.base + path, headers=headers, timeout=30, **kw)
        if r.status_code not in want:
            die(f"{method} {path} answered {r.status_code}: {r.text[:400]}")
        return r


def session(api, email, password):
    return api.call("POST", "/v1/sessions", json={"email": email, "password": password},
                    want=(201,)).json()["session_token"]


def workspace(api, token, kind, name, op):
    ws = api.call("POST", "/v1/workspaces", token, want=(201,), json={
        "kind": kind, "company_name": name, "business_address": "1 Bench Road", "country": "SG",
        "business_representative": "B. Ench", "accept_terms": True}).json()["id"]
    api.call("POST", f"/v1/admin/workspaces/{ws}/approve", op, json={})
    return ws


# ---- the sandbox acceptance cases ---------------------------------------------------------

ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'


def receiver():
    """A loopback notification receiver that acknowledges everything; returns its URL."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(ACK)))
            self.end_headers()
            self.wfile.write(ACK)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/notify"


def gw_call(base, conf, api_name, body, want, bad_signature=False, agent_token=None):
    """One signed sandbox call; its resultCode must be `want`. Returns the answer."""
    key = load_key(conf["private_key"])
    path = gateway.PAYMENTS + api_name
    t = gateway.now_text()
    sig = gateway.sign(key, path, conf["client_id"], t, "{}" if bad_signature else body, conf["key_version"])
    headers = {"content-type": "application/json; charset=UTF-8", "client-id": conf["client_id"],
               "request-time": t, "signature": sig}
    if agent_token:
        headers["agent-token"] = agent_token
    r = requests.post(base + path, data=body.encode(), headers=headers, timeout=30)
    code = r.json().get("result", {}).get("resultCode") if r.status_code == 200 else None
    if code != want:
        die(f"acceptance: {api_name} answered {r.status_code} {r.text[:300]}, expected {want}")
    return r.json()


def pay_body(request_id, value, notify_url=None):
    body = json.loads(gateway.pay_body(request_id))
    body["paymentAmount"]["value"] = body["order"]["orderAmount"]["value"] = value
    if notify_url:
        body["paymentNotifyUrl"] = notify_url
    return json.dumps(body, separators=(",", ":"))


def pass_acceptance(api, base, dev, app, conf_path):
    """Every required sandbox case of the application, through the signed gateway."""
    gateway.setup(base, dev, app, conf_path)  # sandbox key, and pay_success (one pay)
    gw = json.load(open(conf_path))
    seed = gateway.pay_body(gateway.SEED_PAY)
    gw_call(base, gw, "pay", seed, "SUCCESS")  # duplicate_request_handled: the same pay again
    gw_call(base, gw, "pay", pay_body("bench-declined", "1001"), "USER_BALANCE_NOT_ENOUGH")
    inquiry = json.dumps({"paymentRequestId": gateway.SEED_PAY}, separators=(",", ":"))
    payment_id = gw_call(base, gw, "inquiryPayment", inquiry, "SUCCESS").get("paymentId")
    if not payment_id:
        die("acceptance: inquiryPayment answered no paymentId")
    gw_call(base, gw, "refund", json.dumps({
        "refundRequestId": "bench-refund", "paymentId": payment_id,
        "refundAmount": {"currency": "USD", "value": "400"}}, separators=(",", ":")), "SUCCESS")
    gw_call(base, gw, "inquiryPayment", inquiry, "SIGNATURE_INVALID", bad_signature=True)
    gw_call(base, gw, "inquiryPayment", inquiry, "ACCESS_DENIED", agent_token="sbx_not_the_token")
    gw_call(base, gw, "pay", pay_body("bench-notified", "1000", receiver()), "SUCCESS")
    # The notification goes out through the outbox; the cron retries it.
    deadline = time.time() + 60
    while True:
        view = api.call("GET", f"/v1/apps/{app}/acceptance", dev).json()
        if view.get("all_required_passed"):
            return
        if time.time() > deadline:
            pending = [c["id"] for c in view["cases"] if c["required"] and c["status"] != "passed"]
            die(f"acceptance: required cases still pending after 60 s: {pending}")
        time.sleep(1)
        api.call("GET", "/__scheduled", params={"cron": "* * * * *"}, want=(200, 204))


# ---- the grantor's browser ----------------------------------------------------------------

def hidden(html, name):
    m = re.search(r'name="' + name + r'" value="([^"]*)"', html)
    return m.group(1) if m else None


def browser_login(base, email, password, next_path):
    """The grantor signs in through the /login form; returns the dc_session cookie's value."""
    s = requests.Session()
    r = s.get(base + "/login", params={"next": next_path}, timeout=30)
    csrf = hidden(r.text, "csrf_token")
    if r.status_code != 200 or not csrf:
        die(f"GET /login answered {r.status_code} without a csrf_token: {r.text[:300]}")
    r = s.post(base + "/login", data={"csrf_token": csrf, "next": next_path, "email": email, "password": password},
               allow_redirects=False, timeout=30)
    if r.status_code != 303 or not r.cookies.get("dc_session"):
        die(f"POST /login answered {r.status_code} (expected 303 with dc_session): {r.text[:300]}")
    return r.cookies["dc_session"]


class Consents:
    """Consents to one authorization URL, as the signed-in grantor (one consent page read for its
    CSRF cookie, then one POST /authorize per grantor workspace)."""

    def __init__(self, base, conf, url_index):
        self.base, self.request = base, conf["urls"][url_index]
        self.s = requests.Session()
        self.cookie = conf["session_cookie"]
        r = self.s.get(base + "/authorize", params={"request": self.request},
                       headers={"cookie": f"dc_session={self.cookie}"}, allow_redirects=False, timeout=30)
        self.csrf = hidden(r.text, "csrf_token")
        jar = r.headers.get("set-cookie", "")
        m = re.search(r"dc_consent_csrf=([^;]*)", jar)
        if r.status_code != 200 or not self.csrf or not m or 'id="grantor_id"' not in r.text:
            die(f"the consent page answered {r.status_code}: {r.text[:400]}")
        self.csrf_cookie = m.group(1)

    def code(self, grantor_id):
        r = self.s.post(self.base + "/authorize", data={
            "csrf_token": self.csrf, "request": self.request, "grantor_id": grantor_id,
            "accept_terms": "yes", "decision": "authorize"},
            headers={"cookie": f"dc_session={self.cookie}; dc_consent_csrf={self.csrf_cookie}"},
            allow_redirects=False, timeout=30)
        where = r.headers.get("location", "")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(where).query)
        if r.status_code != 303 or not where.startswith(REDIRECT + "?") or "code" not in query:
            reason = re.search(r'<code id="reason">([^<]*)<', r.text)
            die(f"POST /authorize for {grantor_id} answered {r.status_code} {where or ''}"
                f"{' reason ' + reason.group(1) if reason else ''}: {r.text[:300]}")
        if query.get("state") != ["bench"]:
            die(f"POST /authorize redirected without state=bench: {where}")
        return query["code"][0]


def token_body(conf, code, client_assertion):
    return urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": conf["verifier"], "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion})


def check_answer(kind, status, body, conf):
    """None if the answer is KIND's, else what is wrong with it."""
    want_status, want_text = EXPECT[kind]
    if status != want_status or want_text not in body:
        return f"HTTP {status}, expected {want_status} with {want_text}: {body[:300]}"
    try:
        v = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:300]}"
    if kind == "introspect":
        if (v.get("active") is not True or v.get("client_id") != conf["client_id"]
                or v.get("token_type") != "Agent-Token" or v.get("grantor_id") != conf["grantors"][0]
                or v.get("environment") != "production"):
            return f"not the active token's introspection: {body[:300]}"
    elif want_status == 401:
        if v.get("error") != "invalid_client":
            return f"not invalid_client: {body[:300]}"
    elif kind == "ok":
        if not str(v.get("access_token", "")).startswith("agt_") or v.get("scope") not in (
                " ".join(p) for p in PRODUCT_SETS):
            return f"no Agent-Token with a bench scope: {body[:300]}"
    return None


# ---- the commands -------------------------------------------------------------------------

def setup(base, dev, op_email, grantor_email, password, grantors, conf_path):
    api = Api(base)
    op = session(api, op_email, password)
    ws = workspace(api, dev, "isv", "Bench OAuth Co", op)
    app = api.call("POST", f"/v1/workspaces/{ws}/apps", dev, want=(201,), json={
        "name": "Bench OAuth app", "type": "online", "registration_country": "SG", "description": "bench",
        "products": [{"code": "cashier_payment", "scenarios": ["online", "app"]},
                     {"code": "auto_debit", "scenarios": ["online", "app"]}],
        "test_currency": "USD"}).json()["id"]
    start = time.monotonic()
    pass_acceptance(api, base, dev, app, conf_path + ".gateway.json")
    say(f"acceptance cases passed in {time.monotonic() - start:.1f} s")

    production, stranger = new_key(), new_key()
    api.call("PUT", f"/v1/apps/{app}/environments/production/public-key", dev, json={"public_key": pem_public(production)})
    api.call("PATCH", f"/v1/apps/{app}", dev, json={"redirect_uris": [REDIRECT]})
    client_id = api.call("GET", f"/v1/apps/{app}", dev).json()["production_client_id"]

    start = time.monotonic()
    grantor = session(api, grantor_email, password)
    ids = []
    for i in range(int(grantors) + 1):
        gws = workspace(api, grantor, "acqp", f"Bench Acquirer {i:04d}", op)
        api.call("PUT", f"/v1/admin/workspaces/{gws}/contract", op, json={"products": PRODUCT_SETS[1]})
        ids.append(gws)
    say(f"{len(ids)} grantor workspaces (approved, with a contract) in {time.monotonic() - start:.1f} s")

    verifier = b64url(secrets.token_bytes(48))
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    urls = []
    for products in PRODUCT_SETS:
        url = api.call("POST", f"/v1/apps/{app}/authorization-urls", dev, want=(201,), json={
            "grantor_kind": "acqp", "products": products, "redirect_uri": REDIRECT, "state": "bench",
            "code_challenge": challenge, "code_challenge_method": "S256"}).json()["url"]
        urls.append(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["request"][0])
    conf = {
        "base": base, "app": app, "client_id": client_id, "private_key": pem_private(production),
        "stranger_key": pem_private(stranger), "verifier": verifier, "urls": urls, "grantors": ids,
        "next_url": 0,
        "session_cookie": browser_login(base, grantor_email, password, "/authorize?request=" + urls[0]),
    }
    # The first grantor's authorization: its token is what introspection asks about (no later
    # consent touches it: exchanges use the other grantors).
    code = Consents(base, conf, 0).code(ids[0])
    r = requests.post(base + "/oauth/token", data=token_body(conf, code, assertion(
        production, client_id, base + "/oauth/token", int(time.time()))),
        headers={"content-type": "application/x-www-form-urlencoded"}, timeout=30)
    bad = check_answer("ok", r.status_code, r.text, conf)
    if bad:
        die(f"the first exchange: {bad}")
    conf["agent_token"] = r.json()["access_token"]
    save(conf, conf_path)


def save(conf, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(conf, f)
    os.replace(tmp, path)


def introspections(base, conf, kind, count):
    key = load_key(conf["private_key"])
    client = conf["client_id"] if kind == "introspect" else UNKNOWN_CLIENT
    aud, now = base + "/oauth/token", int(time.time())
    return [urllib.parse.urlencode({"token": conf["agent_token"], "client_assertion_type": ASSERTION_TYPE,
                                    "client_assertion": assertion(key, client, aud, now)})
            for _ in range(count)]


def percentile(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def exchange(base, conf_path, count):
    conf = json.load(open(conf_path))
    grantors = conf["grantors"][1:]
    if count > len(grantors):
        die(f"{count} exchanges need {count} grantor workspaces; setup made {len(grantors)}")
    # Alternate the product sets: a consent for exactly the active products is refused
    # (already_authorized), one for other products rotates the token and issues a code.
    start = time.monotonic()
    consents = Consents(base, conf, conf["next_url"])
    codes = [consents.code(g) for g in grantors[:count]]
    say(f"{count} consents (codes) in {time.monotonic() - start:.1f} s")
    conf["next_url"] = 1 - conf["next_url"]
    save(conf, conf_path)

    key, stranger = load_key(conf["private_key"]), load_key(conf["stranger_key"])
    aud, now = base + "/oauth/token", int(time.time())
    signer = {"ok": (key, conf["client_id"]), "wrongkey": (stranger, conf["client_id"]),
              "unknown": (key, UNKNOWN_CLIENT)}
    plan = []
    for i, code in enumerate(codes):
        # The failing kinds in both orders (every other code), then ok, which redeems the code.
        order = ("unknown", "wrongkey", "ok") if i % 2 == 0 else ("wrongkey", "unknown", "ok")
        for kind in order:
            k, client = signer[kind]
            plan.append((kind, token_body(conf, code, assertion(k, client, aud, now))))

    netloc = urllib.parse.urlsplit(base).netloc
    conn = http.client.HTTPConnection(netloc, timeout=30)
    headers = {"content-type": "application/x-www-form-urlencoded", "host": netloc}
    ms = {kind: [] for kind in EXCHANGE_KINDS}
    for kind, body in plan:
        start = time.perf_counter()
        conn.request("POST", "/oauth/token", body=body, headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        ms[kind].append((time.perf_counter() - start) * 1000)
        bad = check_answer(kind, r.status, text, conf)
        if bad:
            die(f"exchange {kind}: {bad}")
    conn.close()
    for kind in EXCHANGE_KINDS:
        v = sorted(ms[kind])
        print(f"exchange: {kind} n {len(v)} mean {sum(v) / len(v):.3f} p50 {percentile(v, 0.5):.3f} "
              f"p90 {percentile(v, 0.9):.3f}")


def main(argv):
    if len(argv) >= 8 and argv[0] == "setup":
        setup(*argv[1:8])
    elif len(argv) >= 5 and argv[0] == "sign":
        conf = json.load(open(argv[1]))
        with open(argv[4], "w") as f:
            for body in introspections(conf["base"], conf, argv[2], int(argv[3])):
                f.write(body + "\n")
    elif len(argv) >= 4 and argv[0] == "check":
        base, conf, kind = argv[1], json.load(open(argv[2])), argv[3]
        for body in introspections(base, conf, kind, int(argv[4]) if len(argv) > 4 else 3):
            r = requests.post(base + "/oauth/introspect", data=body,
                              headers={"content-type": "application/x-www-form-urlencoded"}, timeout=30)
            bad = check_answer(kind, r.status_code, r.text, conf)
            if bad:
                die(f"{kind}: {bad}")
    elif len(argv) >= 4 and argv[0] == "exchange":
        exchange(argv[1], argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
