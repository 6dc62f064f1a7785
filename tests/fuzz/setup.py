"""Creates, through the public API of a running devcenter, everything the fuzzer needs to
reach past 401/404: accounts with sessions, an approved developer workspace with an
application, a second member, pending invitations, review targets, RSA keys, and for the
authorization routes (issue 10) a second application that passed its sandbox acceptance cases,
with a redirect URI and a production key, authorized once by an approved acqp workspace with a
contract (through the consent page and POST /oauth/token, as a grantor and a developer's server
would). Writes the result as JSON (read by hooks.py and fuzz.sh).

    python tests/fuzz/setup.py BASE_URL STATE.json

Signup is seed 004's order: POST /v1/signup/code, the code from GET /dev/mailbox, then
POST /v1/signup.
"""

import base64
import html
import json
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

import fuzz_keys

BASE = sys.argv[1].rstrip("/")
OUT = sys.argv[2]
PASSWORD = "fuzzing is fun " + secrets.token_hex(4)
OPERATOR = "operator@devcenter.test"
http = requests.Session()
# Failed logins are also throttled per client IP (CF-Connecting-IP). The e2e suite tests that
# throttle from this machine just before; a documentation address of its own keeps the
# fuzzer's logins out of that bucket wherever the runtime takes the header from the client.
http.headers["CF-Connecting-IP"] = "198.51.100.250"


def call(method, path, token=None, expect=None, **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # A kept-alive connection the server has closed fails the next request before it is
    # sent; GETs are safe to send again.
    for attempt in range(3):
        try:
            r = http.request(method, BASE + path, headers=headers, timeout=30, **kw)
            break
        except requests.ConnectionError:
            if method != "GET" or attempt == 2:
                raise
            time.sleep(0.5)
    if expect is not None and r.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
        sys.exit(f"fuzz setup: {method} {path} answered {r.status_code}, expected {expect}: {r.text[:500]}")
    return r


def mailbox(email, template, newer_than=None, wait=0.0):
    """The newest message of `template` to `email` (not one of `newer_than`), waiting up to `wait` s."""
    deadline = time.time() + wait
    while True:
        msgs = call("GET", "/dev/mailbox", params={"to": email}, expect=200).json()["messages"]
        for m in msgs:
            if m["template"] == template and m["id"] not in (newer_than or set()):
                return m
        if time.time() >= deadline:
            return None
        time.sleep(2)


def fresh_email(who):
    return f"fuzz-{who}-{secrets.token_hex(5)}@example.com"


def signup(email, username):
    """A new active account; returns the session answer."""
    call("POST", "/v1/signup/code", expect=202, json={"email": email})
    message = mailbox(email, "signup_verification", wait=10)
    if message is None:
        return None
    return call("POST", "/v1/signup", expect=201, json={
        "email": email, "code": message["data"]["code"], "username": username,
        "password": PASSWORD, "accept_terms": True}).json()


def login(email, password=PASSWORD):
    return call("POST", "/v1/sessions", expect=201, json={"email": email, "password": password}).json()


def operator_session():
    """The operator's address may already have an account (the Rust suite makes one): then
    reset its password, waiting out the one-code-email-a-minute limit if needed."""
    seen = {m["id"] for m in call("GET", "/dev/mailbox", params={"to": OPERATOR}, expect=200).json()["messages"]}
    call("POST", "/v1/signup/code", expect=202, json={"email": OPERATOR})
    msg = mailbox(OPERATOR, "signup_verification", seen, wait=5)
    if msg:
        return call("POST", "/v1/signup", expect=201, json={
            "email": OPERATOR, "code": msg["data"]["code"], "username": "Operator",
            "password": PASSWORD, "accept_terms": True}).json()
    deadline = time.time() + 75
    while time.time() < deadline:
        seen = {m["id"] for m in call("GET", "/dev/mailbox", params={"to": OPERATOR}, expect=200).json()["messages"]}
        call("POST", "/v1/password-reset", expect=202, json={"email": OPERATOR})
        msg = mailbox(OPERATOR, "password_reset", seen, wait=3)
        if msg:
            call("POST", "/v1/password-reset/confirm", expect=204, json={
                "email": OPERATOR, "code": msg["data"]["code"],
                "new_password": PASSWORD, "new_password_confirmation": PASSWORD})
            return login(OPERATOR)
        time.sleep(5)
    sys.exit("fuzz setup: could not get a session for " + OPERATOR)


def workspace(token, kind, name):
    return call("POST", "/v1/workspaces", token, expect=201, json={
        "kind": kind, "company_name": name, "business_address": "1 Raffles Place, Singapore",
        "country": "SG", "business_representative": "Fuzz Tester", "accept_terms": True}).json()["id"]


def app(token, ws, name):
    return call("POST", f"/v1/workspaces/{ws}/apps", token, expect=201, json={
        "name": name, "type": "online", "registration_country": "SG", "description": "Fuzzed",
        "products": [{"code": "cashier_payment", "scenarios": ["online", "app"]}],
        "test_currency": "USD"}).json()["id"]


def invite(token, ws, email, role):
    seen = {m["id"] for m in call("GET", "/dev/mailbox", params={"to": email}, expect=200).json()["messages"]}
    call("POST", f"/v1/workspaces/{ws}/members", token, expect=201, json={"email": email, "role": role})
    return mailbox(email, "workspace_invitation", seen, wait=10)["data"]["token"]


def rsa_public_key_pem():
    private = subprocess.run(["openssl", "genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                             check=True, capture_output=True).stdout
    return subprocess.run(["openssl", "pkey", "-pubout"], input=private, check=True, capture_output=True).stdout.decode()


# ---- issue 10: an application grantors can authorize -------------------------------------------

# The sandbox gateway's acknowledgement of a notification.
ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
REDIRECT_URI = "https://fuzz.example.com/oauth/callback"


class NotificationReceiver:
    """A loopback receiver that acknowledges every payment notification."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(ACK)))
                self.end_headers()
                self.wfile.write(ACK)

            def log_message(self, fmt, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify/payment"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def gateway(client_id, private_pem, agent_token, api, body, tamper=False):
    """One Alipay-signed sandbox call (`POST <uri>\n<client-id>.<time>.<body>`, RSA256);
    `tamper` changes the body after signing. Returns the `result` of the answer."""
    uri = f"/ams/sandbox/api/v1/payments/{api}"
    text = json.dumps(body, separators=(",", ":"))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    signature = fuzz_keys.sign(private_pem, f"POST {uri}\n{client_id}.{when}.{text}".encode())
    value = urllib.parse.quote(base64.b64encode(signature).decode(), safe="")
    sent = text.replace("}", ' }', 1) if tamper else text
    r = call("POST", uri, expect=200, data=sent.encode(), headers={
        "Content-Type": "application/json; charset=UTF-8", "Client-Id": client_id, "Request-Time": when,
        "Signature": f"algorithm=RSA256,keyVersion=1,signature={value}", "Agent-Token": agent_token})
    return r.json().get("result", {}), r.json()


def pay_body(request_id, value, notify_url=None):
    body = {
        "productCode": "CASHIER_PAYMENT", "paymentRequestId": request_id,
        "paymentAmount": {"currency": "USD", "value": value},
        "order": {"referenceOrderId": "order-" + secrets.token_hex(6), "orderDescription": "Fuzz setup order",
                  "orderAmount": {"currency": "USD", "value": value}, "env": {"terminalType": "WEB"}},
        "paymentMethod": {"paymentMethodType": "ALIPAY_CN"},
        "paymentRedirectUrl": "https://shop.example.com/return",
        "settlementStrategy": {"settlementCurrency": "USD"}, "env": {"terminalType": "WEB"},
    }
    if notify_url:
        body["paymentNotifyUrl"] = notify_url
    return body


def pass_acceptance(token, app_id, private_pem):
    """Every case cashier_payment requires, the way a developer passes them (as
    tests/sdk/sdk_interop.py does with the official SDK)."""
    client_id = call("GET", f"/v1/apps/{app_id}/environments/sandbox", token, expect=200).json()["client_id"]
    agent_token = call("GET", f"/v1/apps/{app_id}/sandbox", token, expect=200).json()["test_agent_token"]
    receiver = NotificationReceiver()

    def gw(api, body, expect_status, **kw):
        result, answer = gateway(client_id, private_pem, kw.pop("agent_token", agent_token), api, body, **kw)
        if result.get("resultStatus") != expect_status:
            sys.exit(f"fuzz setup: sandbox {api} answered {answer}, expected resultStatus {expect_status}")
        return answer

    pay = pay_body("fuzz-pay-" + secrets.token_hex(8), "1000", receiver.url)
    payment_id = gw("pay", pay, "S")["paymentId"]
    gw("pay", pay, "S")  # the same request again: duplicate_request_handled
    gw("pay", pay_body("fuzz-pay-" + secrets.token_hex(8), "1001"), "F")  # declined
    query = {"paymentRequestId": pay["paymentRequestId"]}
    gw("inquiryPayment", query, "S")
    gw("refund", {"refundRequestId": "fuzz-refund-" + secrets.token_hex(8), "paymentId": payment_id,
                  "refundAmount": {"currency": "USD", "value": "300"}, "refundReason": "fuzz setup"}, "S")
    gw("inquiryPayment", query, "F", tamper=True)  # bad_signature_refused
    gw("inquiryPayment", query, "F", agent_token="agt_" + secrets.token_urlsafe(32)[:43])  # unknown token
    # The notification's case is recorded once the receiver acknowledged it; the cron retries.
    deadline = time.time() + 60
    while True:
        acceptance = call("GET", f"/v1/apps/{app_id}/acceptance", token, expect=200).json()
        if acceptance["all_required_passed"]:
            return
        if time.time() >= deadline:
            pending = [c["id"] for c in acceptance["cases"] if c["required"] and c["status"] != "passed"]
            sys.exit(f"fuzz setup: acceptance still pending for {pending}")
        call("GET", "/__scheduled", params={"cron": "* * * * *"})
        time.sleep(2)


def hidden_inputs(page):
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if name and kind and kind.group(1) == "hidden":
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def authorize(session_token, url):
    """The grantor's consent through the pages (browser session cookie = the API session
    token), returning the code of the redirect."""
    cookie = {"dc_session": session_token}
    page = requests.get(url, cookies=cookie, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        sys.exit(f"fuzz setup: the consent page answered {page.status_code}: {page.text[:500]}")
    form = hidden_inputs(page.text)
    form.update({"accept_terms": "yes", "decision": "authorize"})
    r = requests.post(f"{BASE}/authorize", data=form, cookies={**cookie, **page.cookies.get_dict()},
                      allow_redirects=False, timeout=30)
    location = r.headers.get("location", "")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code")
    if r.status_code != 303 or not location.startswith(REDIRECT_URI) or not code:
        sys.exit(f"fuzz setup: POST /authorize answered {r.status_code} (location {location!r}): {r.text[:500]}")
    return code[0]


def authorized_app(t_owner, t_op, ws, grantor):
    """An application that passed acceptance, authorized by `grantor`; what the hooks need."""
    auth_app = app(t_owner, ws, "Fuzz Authorized")
    sandbox_private, sandbox_public = fuzz_keys.rsa_pair()
    production_private, production_public = fuzz_keys.rsa_pair()
    for env, public in (("sandbox", sandbox_public), ("production", production_public)):
        call("PUT", f"/v1/apps/{auth_app}/environments/{env}/public-key", t_owner, expect=200,
             json={"public_key": public})
    pass_acceptance(t_owner, auth_app, sandbox_private)
    client_id = call("PATCH", f"/v1/apps/{auth_app}", t_owner, expect=200,
                     json={"redirect_uris": [REDIRECT_URI]}).json()["production_client_id"]
    call("PUT", f"/v1/admin/workspaces/{grantor}/contract", t_op, expect=200,
         json={"products": ["cashier_payment"]})
    url = call("POST", f"/v1/apps/{auth_app}/authorization-urls", t_owner, expect=201, json={
        "grantor_kind": "acqp", "products": ["cashier_payment"], "redirect_uri": REDIRECT_URI,
        "state": "fuzz-setup"}).json()["url"]
    code = authorize(t_owner, url)
    # The developer's server trades the code; a refusal here is a server bug.
    exchange = call("POST", "/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_assertion_type": fuzz_keys.ASSERTION_TYPE,
        "client_assertion": fuzz_keys.client_assertion(production_private, client_id, f"{BASE}/oauth/token")})
    if exchange.status_code != 200:
        sys.exit(f"fuzz setup: POST /oauth/token refused a valid code and assertion: "
                 f"{exchange.status_code} {exchange.text[:300]}")
    authorizations = call("GET", f"/v1/apps/{auth_app}/authorizations", t_owner, expect=200).json()["items"]
    if len(authorizations) != 1 or authorizations[0]["status"] != "active":
        sys.exit(f"fuzz setup: expected one active authorization after the consent: {authorizations}")
    # A request for GET /authorize (its link without a redirect URI).
    request = urllib.parse.parse_qs(urllib.parse.urlsplit(call(
        "POST", f"/v1/apps/{auth_app}/authorization-urls", t_owner, expect=201,
        json={"grantor_kind": "acqp", "products": ["cashier_payment"]}).json()["url"]).query)["request"][0]
    return auth_app, authorizations[0]["id"], {
        "client_id": client_id, "private_key": production_private, "production_public_key": production_public,
        "redirect_uri": REDIRECT_URI, "request": request}


def main():
    owner_email, member_email, login_email = fresh_email("owner"), fresh_email("member"), fresh_email("login")
    logout_email, reset_email, inviter_email = fresh_email("logout"), fresh_email("reset"), fresh_email("inviter")
    owner = signup(owner_email, "Fuzz Owner")
    member = signup(member_email, "Fuzz Member")
    signup(login_email, "Fuzz Login")
    logout = signup(logout_email, "Fuzz Logout")
    signup(reset_email, "Fuzz Reset")
    inviter = signup(inviter_email, "Fuzz Inviter")
    operator = operator_session()
    t_owner, t_op = owner["session_token"], operator["session_token"]

    ws = workspace(t_owner, "tsp", "Fuzz Payments")
    call("POST", f"/v1/admin/workspaces/{ws}/approve", t_op, expect=200)
    grantor = workspace(t_owner, "acqp", "Fuzz Acquirer")
    call("POST", f"/v1/admin/workspaces/{grantor}/approve", t_op, expect=200)
    review = [workspace(t_owner, "isv", f"Fuzz Review {i}") for i in range(2)]
    main_app = app(t_owner, ws, "Fuzz Shop")
    doomed_app = app(t_owner, ws, "Fuzz Doomed")
    token = invite(t_owner, ws, member_email, "developer")
    call("POST", "/v1/invitations/accept", member["session_token"], expect=200, json={"token": token})
    # Invitations of the owner to workspaces it is not in, for POST /v1/invitations/accept.
    t_inviter = inviter["session_token"]
    invitations = [invite(t_inviter, workspace(t_inviter, "isv", f"Fuzz Inviter {i}"), owner_email, "developer")
                   for i in range(3)]
    # A reset code for the reset account, for POST /v1/password-reset/confirm.
    call("POST", "/v1/password-reset", expect=202, json={"email": reset_email})
    reset_msg = mailbox(reset_email, "password_reset", wait=10)
    auth_app, authorization, auth = authorized_app(t_owner, t_op, ws, grantor)

    state = {
        "base_url": BASE,
        "tokens": {"owner": t_owner, "operator": t_op, "logout": logout["session_token"],
                   "logout_current": login(logout_email)["session_token"]},
        "owner": {"email": owner_email, "password": PASSWORD, "account_id": owner["account"]["id"]},
        "login": {"email": login_email, "password": PASSWORD},
        "reset": {"email": reset_email, "code": reset_msg["data"]["code"] if reset_msg else None},
        "ids": {"ws": ws, "grantor_ws": grantor, "review_ws": review, "app": main_app,
                "doomed_app": doomed_app, "member": member["account"]["id"],
                "auth_app": auth_app, "authorization": authorization},
        "auth": auth,
        "invitations": invitations,
        "keys": {"sandbox": rsa_public_key_pem(), "production": auth["production_public_key"]},
    }
    with open(OUT, "w") as f:
        json.dump(state, f, indent=2)
    print(f"fuzz setup: workspace {ws}, app {main_app}, owner {owner_email}", file=sys.stderr)


main()
