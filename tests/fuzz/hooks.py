"""Schemathesis hooks for fuzzing devcenter (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.sh).

What they do, and why (none of it hides an answer from the checks):
- Real ids: in the signed-in runs, a path id that was generated as a well-formed UUID is
  replaced, most of the time, with a real one of the fuzzing account (tests/fuzz/setup.py made
  them), so the routes are exercised past 404. Malformed ids are left alone (they must be 404).
- Secrets the fuzzer cannot guess: for a few routes a valid request needs something only an
  inbox or a key pair holds (an emailed code, an invitation token, the current password, an RSA
  key, a webhook signature, the CSRF cookie of a form). For schema-valid cases those values are
  filled in with real ones, so the route is reached with a 2xx; schemathesis then revalidates the
  case, so its positive/negative label stays true.
- Rules JSON Schema cannot say: a confirmation equal to the password, and the role family of the
  workspace kind (the fuzzed workspace is a tsp one).
- Authorization routes (issue 10): their path ids name the application and authorization the
  setup authorized; a positive case of POST .../authorization-urls asks for the application's
  own product and registered redirect URI (and keeps `state` within its 512 bytes), GET
  /authorize gets a real signed request, POST /login the page's CSRF token (and every other
  case the real password), and /oauth/introspect and /oauth/revoke a real client assertion.
  /oauth/token keeps what was generated: no schema-valid request knows a code, so it is
  refused (401 `invalid_client`, the assertion being checked first).
- Every answer is logged (FUZZ_LOG, one JSON line per call) so fuzz.sh can check that every
  create route was reached with a 2xx.
"""

import base64
import hashlib
import hmac
import html
import json
import os
import random
import re
import secrets
import threading
import time

import requests
import schemathesis

import fuzz_keys

STATE = json.load(open(os.environ["FUZZ_STATE"]))
RUN = os.environ.get("FUZZ_RUN", "anonymous")
BASE = STATE["base_url"]
IDS = STATE["ids"]
LOG_PATH = os.environ["FUZZ_LOG"]
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEVELOPER_ROLES = ("owner", "developer_admin", "developer", "merchant_onboarding")
GRANTOR_ROLES = ("owner", "admin", "member")

_lock = threading.Lock()
_rng = random.Random(int(os.environ.get("FUZZ_SEED", "1")))
_done = set()  # operations that answered 2xx to an injected request
_owner_password = [STATE["owner"]["password"]]
_invitations = list(STATE["invitations"])
AUTH = STATE["auth"]
# Routes whose {app} is the authorized application and whose {id} is its authorization.
AUTH_APP_OPS = {
    "POST /v1/apps/{app}/authorization-urls",
    "GET /v1/apps/{app}/authorizations",
    "GET /v1/apps/{app}/authorizations/{id}/token",
}


def _webhook_key():
    path = os.environ.get("FUZZ_DEV_VARS")
    if not path:
        return None
    for line in open(path):
        name, _, value = line.strip().partition("=")
        if name == "PROVISIONING_WEBHOOK_SECRET":
            return base64.b64decode(value.strip().strip('"').removeprefix("whsec_"))
    return None


WEBHOOK_KEY = _webhook_key()


def label(case):
    return f"{case.method.upper()} {case.operation.path}"


def is_positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _chance(p):
    with _lock:
        return _rng.random() < p


def _fresh_signup_code():
    """A fresh address and its signup code (new flow), or None when the server has no such route."""
    email = f"fuzz-signup-{secrets.token_hex(5)}@example.com"
    r = requests.post(f"{BASE}/v1/signup/code", json={"email": email}, timeout=30)
    if r.status_code != 202:
        return None
    for _ in range(10):
        msgs = requests.get(f"{BASE}/dev/mailbox", params={"to": email}, timeout=30).json()["messages"]
        for m in msgs:
            if m["template"] == "signup_verification":
                return email, m["data"]["code"]
        time.sleep(0.5)
    return None


def _real_path_ids(case, op):
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if not (isinstance(value, str) and UUID_RE.match(value)):
            continue
        # Schemathesis also reuses ids from earlier answers (applications the fuzzer created,
        # with other products and no passed acceptance): a valid authorization-URL request
        # always goes to the authorized application.
        always = op == "POST /v1/apps/{app}/authorization-urls" and name == "app" and is_positive(case)
        if not always and not _chance(0.9):
            continue
        if RUN == "operator":
            real = {
                "POST /v1/admin/workspaces/{ws}/approve": IDS["review_ws"][0],
                "POST /v1/admin/workspaces/{ws}/reject": IDS["review_ws"][1],
                "PUT /v1/admin/workspaces/{ws}/contract": IDS["grantor_ws"],
            }.get(op)
        elif name == "ws":
            grantor_share = 0.7 if op == "GET /v1/workspaces/{ws}/authorized-apps" else 0.15
            real = IDS["grantor_ws"] if _chance(grantor_share) else IDS["ws"]
        elif name == "app" and op in AUTH_APP_OPS:
            real = IDS["auth_app"]
        elif name == "app":
            real = IDS["doomed_app"] if op == "DELETE /v1/apps/{app}" else IDS["app"]
        elif name == "id":
            real = IDS["authorization"]
        elif name == "account":
            real = IDS["member"]
        else:
            real = None
        if real:
            params[name] = real


class _SignWebhook(requests.auth.AuthBase):
    """Standard Webhooks signature over the exact bytes requests sends."""

    def __call__(self, r):
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        msg_id = f"msg_{secrets.token_hex(8)}"
        ts = str(int(time.time()))
        mac = hmac.new(WEBHOOK_KEY, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        r.headers["webhook-id"] = msg_id
        r.headers["webhook-timestamp"] = ts
        r.headers["webhook-signature"] = "v1," + base64.b64encode(mac).decode()
        return r


_FORM_CASES = 0
_LOGIN_CASES = 0


def _login_form_injection(case):
    """POST /login: the CSRF token and cookie of the sign-in page, as a browser sends them;
    every other case also the real email and password (so the form signs in, 303)."""
    page = requests.get(f"{BASE}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    if page.status_code != 200 or token is None:
        return
    case.cookies = {**(case.cookies or {}), **page.cookies.get_dict()}
    case.body["csrf_token"] = html.unescape(token.group(1))
    global _LOGIN_CASES
    _LOGIN_CASES += 1
    if _LOGIN_CASES % 2 == 1:
        case.body.update(STATE["login"])


def _authorization_url_body(body):
    """What JSON Schema cannot say: the products must be the application's (cashier_payment),
    a redirect URI one it registered, and `state` at most 512 bytes of UTF-8."""
    body["products"] = ["cashier_payment"]
    if body.get("redirect_uri") is not None:
        body["redirect_uri"] = AUTH["redirect_uri"]
    state = body.get("state")
    if isinstance(state, str):
        while len(state.encode()) > 512:
            state = state[:-1]
        body["state"] = state
    if body.get("code_challenge_method") is not None and body.get("code_challenge") is None:
        body["code_challenge"] = fuzz_keys.b64url(secrets.token_bytes(32))


def _client_assertion(body, endpoint):
    body["client_assertion_type"] = fuzz_keys.ASSERTION_TYPE
    body["client_assertion"] = fuzz_keys.client_assertion(AUTH["private_key"], AUTH["client_id"], BASE + endpoint)
    if "client_id" in body:
        body["client_id"] = AUTH["client_id"]


def _signup_form_injection(case):
    """POST /signup: a real code, and the hidden fields and cookies of the page the email links
    to (its CSRF token and cookie), as a browser would send them (new flow only)."""
    pair = _fresh_signup_code()
    if pair is None:
        return
    email, code = pair
    page = requests.get(f"{BASE}/signup", params={"email": email, "code": code}, timeout=30)
    if page.status_code != 200:
        return
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page.text):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if name and kind and kind.group(1) in ("hidden", "checkbox"):
            fields[name.group(1)] = html.unescape(value.group(1)) if value else "on"
    case.cookies = {**(case.cookies or {}), **page.cookies.get_dict()}
    case.body.update(fields)
    case.body.update({"email": email, "code": code})
    # Every other case also gets a username and password the policy accepts, so the form is
    # completed (201) as well as refused (422) for what the fuzzer generated.
    global _FORM_CASES
    _FORM_CASES += 1
    if _FORM_CASES % 2 == 1:
        case.body["username"] = "Fuzz Form"
        case.body["password"] = "form fuzzing passphrase " + secrets.token_hex(3)
    if "password" in case.body:
        case.body["password_confirmation"] = case.body["password"]


@schemathesis.hook
def before_call(context, case, kwargs):
    op = label(case)
    if RUN != "anonymous":
        _real_path_ids(case, op)
    body = case.body if isinstance(case.body, dict) else None

    if op == "POST /v1/hooks/provisioning" and WEBHOOK_KEY is not None:
        headers = case.headers or {}
        if all(h in headers for h in ("webhook-id", "webhook-timestamp", "webhook-signature")):
            kwargs["auth"] = _SignWebhook()

    if op == "GET /authorize" and is_positive(case):
        case.query = {**(case.query or {}), "request": AUTH["request"]}

    if not is_positive(case) or body is None:
        return
    if op == "POST /v1/apps/{app}/authorization-urls":
        _authorization_url_body(body)
    elif op in ("POST /oauth/introspect", "POST /oauth/revoke"):
        _client_assertion(body, op.split(" ", 1)[1])
    elif op == "POST /login":
        _login_form_injection(case)
    elif op == "PUT /v1/apps/{app}/environments/{env}/public-key":
        env = (case.path_parameters or {}).get("env", "sandbox")
        body["public_key"] = STATE["keys"].get(env, STATE["keys"]["sandbox"])
    elif op == "POST /v1/password-reset/confirm":
        if "new_password" in body:
            body["new_password_confirmation"] = body["new_password"]
        if op not in _done and STATE["reset"]["code"]:
            body.update({"email": STATE["reset"]["email"], "code": STATE["reset"]["code"]})
    elif op == "POST /v1/me/password" and RUN == "owner":
        body["current_password"] = _owner_password[0]
    elif op in ("POST /v1/workspaces/{ws}/members", "PATCH /v1/workspaces/{ws}/members/{account}"):
        # The role family follows the workspace kind, which a body schema cannot see.
        ws = (case.path_parameters or {}).get("ws")
        family = {IDS["ws"]: DEVELOPER_ROLES, IDS["grantor_ws"]: GRANTOR_ROLES}.get(ws)
        if family and body.get("role") not in family:
            body["role"] = family[-1]
    elif op in _done:
        return
    elif op == "POST /v1/sessions":
        body.update(STATE["login"])
    elif op == "POST /v1/invitations/accept" and RUN == "owner":
        with _lock:
            token = _invitations.pop() if _invitations else None
        if token:
            body["token"] = token
    elif op == "POST /v1/signup":
        pair = _fresh_signup_code()
        if pair:
            body["email"], body["code"] = pair
    elif op == "POST /signup":
        _signup_form_injection(case)


@schemathesis.hook
def after_call(context, case, response):
    op = label(case)
    status = response.status_code
    if 200 <= status < 300:
        with _lock:
            _done.add(op)
        if op == "POST /v1/me/password" and RUN == "owner" and isinstance(case.body, dict):
            _owner_password[0] = case.body.get("new_password", _owner_password[0])
    line = json.dumps({"run": RUN, "op": op, "status": status, "positive": is_positive(case)})
    with _lock, open(LOG_PATH, "a") as f:
        f.write(line + "\n")
