"""Creates, through the public API of a running devcenter, everything the fuzzer needs to
reach past 401/404: accounts with sessions, an approved developer workspace with an
application, a second member, pending invitations, review targets, RSA keys. Writes the
result as JSON (read by hooks.py and fuzz.sh).

    python tests/fuzz/setup.py BASE_URL STATE.json

Signup is seed 004's order: POST /v1/signup/code, the code from GET /dev/mailbox, then
POST /v1/signup.
"""

import json
import secrets
import subprocess
import sys
import time

import requests

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

    state = {
        "base_url": BASE,
        "tokens": {"owner": t_owner, "operator": t_op, "logout": logout["session_token"],
                   "logout_current": login(logout_email)["session_token"]},
        "owner": {"email": owner_email, "password": PASSWORD, "account_id": owner["account"]["id"]},
        "login": {"email": login_email, "password": PASSWORD},
        "reset": {"email": reset_email, "code": reset_msg["data"]["code"] if reset_msg else None},
        "ids": {"ws": ws, "grantor_ws": grantor, "review_ws": review, "app": main_app,
                "doomed_app": doomed_app, "member": member["account"]["id"]},
        "invitations": invitations,
        "keys": {"sandbox": rsa_public_key_pem(), "production": rsa_public_key_pem()},
    }
    with open(OUT, "w") as f:
        json.dump(state, f, indent=2)
    print(f"fuzz setup: workspace {ws}, app {main_app}, owner {owner_email}", file=sys.stderr)


main()
