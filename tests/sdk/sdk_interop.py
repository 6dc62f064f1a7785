"""The official Alipay global open SDK for Python (global-open-sdk-python, pinned in
tests/python/requirements.in) against devcenter's sandbox gateway (/ams/sandbox/api/...).

    python tests/sdk/sdk_interop.py BASE_URL [--gateway https://127.0.0.1] [--dev-vars FILE]

BASE_URL is the devcenter server (ENVIRONMENT=development: the setup reads codes from
/dev/mailbox). The SDK cannot use BASE_URL itself: it always connects with HTTPS to port 443
of the gateway host, so scripts/sdk.sh puts tests/sdk/tls_front.py on 127.0.0.1:443 and runs
this with SSL_CERT_FILE naming the front's throwaway certificate.

1. Setup through the public API: an account, the operator (OPERATOR_EMAILS: read from
   --dev-vars if it sets it, else operator@devcenter.test as in wrangler.toml), an approved
   workspace, an application with cashier_payment, an RSA-2048 key pair whose public half is
   uploaded for the sandbox; the sandbox client id, the platform's public key and the test
   Agent-Token are read back.
2. The SDK's DefaultAlipayClient and its request models call pay (twice with the same
   request: idempotency), a declined pay (amount ending in 01), inquiryPayment, refund,
   inquiryRefund, cancel (of a second payment, and of the refunded one: refused), and two
   refusals the gateway must sign too: a signature made with a key that was never uploaded,
   and an unknown Agent-Token. The SDK raises when an answer's signature does not verify
   with the platform key: every call that returns is a verified answer. The parsed
   resultCode/resultStatus are checked against /work/notes/gateway-contract.md.
3. The pay notification is received on loopback (paymentNotifyUrl), verified with the SDK's
   com.alipay.ams.api.tools.signature_tool.verify and the platform key, and acknowledged.
4. GET /v1/apps/{app}/acceptance is printed; every required case exercised here must pass.

Nothing of the SDK is patched. Exits non-zero with a message naming the failed step.
"""

import argparse
import enum
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse

# enum34 (a dependency of the SDK, for Python 2) installs an `enum` package into
# site-packages; on Python 3 the stdlib's enum comes first on sys.path, so it stays unused.
# Should that ever change (PYTHONPATH naming site-packages, say), say so instead of failing
# somewhere deep inside the SDK.
if not hasattr(enum, "IntFlag") or not os.path.abspath(enum.__file__).startswith(os.path.abspath(sys.base_prefix)):
    sys.exit(f"sdk interop: `enum` is {enum.__file__}, not the standard library's (enum34 shadows it); "
             "do not put site-packages on PYTHONPATH")

import requests  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys  # noqa: E402

from com.alipay.ams.api.default_alipay_client import DefaultAlipayClient  # noqa: E402
from com.alipay.ams.api.exception.exception import AlipayApiException  # noqa: E402
from com.alipay.ams.api.model.amount import Amount  # noqa: E402
from com.alipay.ams.api.model.env import Env  # noqa: E402
from com.alipay.ams.api.model.order import Order  # noqa: E402
from com.alipay.ams.api.model.payment_method import PaymentMethod  # noqa: E402
from com.alipay.ams.api.model.product_code_type import ProductCodeType  # noqa: E402
from com.alipay.ams.api.model.terminal_type import TerminalType  # noqa: E402
from com.alipay.ams.api.request.notify.alipay_pay_result_notify import AlipayPayResultNotify  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_inquiry_refund_request import AlipayInquiryRefundRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_pay_cancel_request import AlipayPayCancelRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_pay_query_request import AlipayPayQueryRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_pay_request import AlipayPayRequest  # noqa: E402
from com.alipay.ams.api.request.pay.alipay_refund_request import AlipayRefundRequest  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_inquiry_refund_response import AlipayInquiryRefundResponse  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_pay_cancel_response import AlipayPayCancelResponse  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_pay_query_response import AlipayPayQueryResponse  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_pay_response import AlipayPayResponse  # noqa: E402
from com.alipay.ams.api.response.pay.alipay_refund_response import AlipayRefundResponse  # noqa: E402
from com.alipay.ams.api.tools import signature_tool  # noqa: E402

ACK = b'{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}'
PASSWORD = "sdk interop " + secrets.token_hex(4)
CURRENCY = "USD"  # the application's test_currency


class Failed(Exception):
    pass


def fail(msg):
    raise Failed(msg)


def say(msg):
    print(f"sdk interop: {msg}", file=sys.stderr, flush=True)


# ---- the devcenter API -----------------------------------------------------------------------

class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        # Failed logins are throttled per client IP; a documentation address of its own keeps
        # this run out of the e2e suite's and the fuzzer's buckets.
        self.http.headers["CF-Connecting-IP"] = "198.51.100.251"

    def call(self, method, path, token=None, expect=None, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(3):
            try:
                r = self.http.request(method, self.base + path, headers=headers, timeout=30, **kw)
                break
            except requests.ConnectionError as e:
                # A kept-alive connection the server closed fails before the request is sent;
                # GETs are safe to send again.
                if method != "GET" or attempt == 2:
                    fail(f"setup: {method} {path}: {e}")
                time.sleep(0.5)
        wanted = expect if isinstance(expect, tuple) else (expect,)
        if expect is not None and r.status_code not in wanted:
            fail(f"setup: {method} {path} answered {r.status_code}, expected {expect}: {r.text[:500]}")
        return r

    def mailbox(self, email, template, newer_than=(), wait=0.0):
        deadline = time.time() + wait
        while True:
            for m in self.call("GET", "/dev/mailbox", params={"to": email}, expect=200).json()["messages"]:
                if m["template"] == template and m["id"] not in newer_than:
                    return m
            if time.time() >= deadline:
                return None
            time.sleep(1)

    def seen(self, email):
        return {m["id"] for m in self.call("GET", "/dev/mailbox", params={"to": email}, expect=200).json()["messages"]}

    def signup(self, email, username, wait=10):
        seen = self.seen(email)
        self.call("POST", "/v1/signup/code", expect=202, json={"email": email})
        msg = self.mailbox(email, "signup_verification", seen, wait=wait)
        if msg is None:
            return None
        return self.call("POST", "/v1/signup", expect=201, json={
            "email": email, "code": msg["data"]["code"], "username": username,
            "password": PASSWORD, "accept_terms": True}).json()["session_token"]

    def operator(self, email):
        """A session for the operator's address, which may already have an account (the e2e
        suite and the fuzzer make one): then its password is reset, waiting out the
        one-code-email-a-minute limit if needed (as tests/fuzz/setup.py does)."""
        token = self.signup(email, "Operator", wait=5)
        if token:
            return token
        deadline = time.time() + 75
        while time.time() < deadline:
            seen = self.seen(email)
            self.call("POST", "/v1/password-reset", expect=202, json={"email": email})
            msg = self.mailbox(email, "password_reset", seen, wait=3)
            if msg:
                self.call("POST", "/v1/password-reset/confirm", expect=204, json={
                    "email": email, "code": msg["data"]["code"],
                    "new_password": PASSWORD, "new_password_confirmation": PASSWORD})
                return self.call("POST", "/v1/sessions", expect=201,
                                 json={"email": email, "password": PASSWORD}).json()["session_token"]
            time.sleep(5)
        fail(f"setup: could not get a session for the operator {email}")


def operator_email(dev_vars):
    if dev_vars and os.path.exists(dev_vars):
        for line in open(dev_vars):
            name, _, value = line.strip().partition("=")
            if name.strip() == "OPERATOR_EMAILS" and value.strip().strip('"'):
                return value.strip().strip('"').split(",")[0].strip()
    return "operator@devcenter.test"


def pem_body(pem):
    """The base64 between the PEM markers, on one line: the form the SDK's key arguments take."""
    return "".join(line.strip() for line in pem.strip().splitlines() if not line.startswith("-----"))


def setup(api, dev_vars):
    owner_email = f"sdk-owner-{secrets.token_hex(5)}@example.com"
    owner = api.signup(owner_email, "SDK Owner") or fail(f"setup: no signup code for {owner_email}")
    op = api.operator(operator_email(dev_vars))
    ws = api.call("POST", "/v1/workspaces", owner, expect=201, json={
        "kind": "tsp", "company_name": "SDK Interop Payments", "business_address": "1 Raffles Place, Singapore",
        "country": "SG", "business_representative": "Sam Decker", "accept_terms": True}).json()["id"]
    api.call("POST", f"/v1/admin/workspaces/{ws}/approve", op, expect=200)
    app = api.call("POST", f"/v1/workspaces/{ws}/apps", owner, expect=201, json={
        "name": "SDK Shop", "type": "online", "registration_country": "SG", "description": "Official SDK interop",
        "products": [{"code": "cashier_payment", "scenarios": ["online", "app"]}],
        "test_currency": CURRENCY}).json()["id"]

    key = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    # The SDK wraps merchant_private_key in "BEGIN RSA PRIVATE KEY" markers: PKCS#1.
    private_pkcs1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode()
    public_spki = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    api.call("PUT", f"/v1/apps/{app}/environments/sandbox/public-key", owner, expect=200,
             json={"public_key": public_spki})
    env = api.call("GET", f"/v1/apps/{app}/environments/sandbox", owner, expect=200).json()
    sandbox = api.call("GET", f"/v1/apps/{app}/sandbox", owner, expect=200).json()
    platform = env.get("platform_public_key") or fail(f"setup: no platform_public_key in {env}")
    if "BEGIN PUBLIC KEY" not in platform:
        fail(f"setup: platform_public_key is not a PEM SubjectPublicKeyInfo (the SDK needs one): {platform[:80]}")
    if not env["client_id"].startswith("SANDBOX_"):
        # DefaultAlipayClient only rewrites /ams/api to /ams/sandbox/api for such ids.
        fail(f"setup: the sandbox client id {env['client_id']} does not start with SANDBOX_")
    if env["client_id"] != sandbox["client_id"]:
        fail(f"setup: client ids differ: environment {env['client_id']}, sandbox {sandbox['client_id']}")
    token = sandbox.get("test_agent_token") or fail(f"setup: no test_agent_token for the Owner in {sandbox}")
    say(f"setup done: app {app}, client id {env['client_id']}, key version {env['key_version']}")
    return {"owner": owner, "app": app, "client_id": env["client_id"], "private_key": pem_body(private_pkcs1),
            "platform_public_key": pem_body(platform), "agent_token": token}


# ---- notifications -------------------------------------------------------------------------

class Notifications:
    """A loopback HTTP receiver; each notification is verified with the SDK's signature tool."""

    def __init__(self, client_id, platform_public_key):
        self.client_id, self.platform = client_id, platform_public_key
        self.received = []
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                note = outer.check(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                answer = ACK if note["problem"] is None else json.dumps({"result": {
                    "resultCode": "SIGNATURE_INVALID", "resultStatus": "F", "resultMessage": note["problem"]}}).encode()
                self.send_response(200 if note["problem"] is None else 400)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with outer.cond:
                    outer.received.append(note)
                    outer.cond.notify_all()

            def log_message(self, fmt, *args):
                say("notification receiver: " + fmt % args)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify/payment"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, path, headers, body):
        note = {"path": path, "headers": headers, "body": body, "problem": None, "notify": None}
        missing = [h for h in ("client-id", "request-time", "signature") if not headers.get(h)]
        if missing:
            note["problem"] = f"missing header(s) {', '.join(missing)}"
            return note
        if headers["client-id"] != self.client_id:
            note["problem"] = f"client-id {headers['client-id']}, expected {self.client_id}"
            return note
        if "signature=" not in headers["signature"]:
            note["problem"] = f"signature header without signature=: {headers['signature']}"
            return note
        value = headers["signature"].split("signature=", 1)[1]
        try:
            # The path signed is the notify URL's path (the contract; Alipay's docs agree).
            ok = signature_tool.verify("POST", urllib.parse.urlsplit(path).path, headers["client-id"],
                                       headers["request-time"], body, value, self.platform)
        except Exception as e:  # rsa.VerificationError: the SDK raises rather than returning False
            ok, why = False, f"{type(e).__name__}: {e}"
        else:
            why = "verify returned False"
        if not ok:
            note["problem"] = f"signature does not verify with the platform key ({why})"
            return note
        try:
            note["notify"] = AlipayPayResultNotify(body)
        except Exception as e:
            note["problem"] = f"the SDK cannot parse the notification: {type(e).__name__}: {e}"
        return note

    def wait(self, payment_id, api, seconds=30):
        """The first notification about payment_id; drives the gateway's retry cron meanwhile."""
        deadline = time.time() + seconds
        next_cron = time.time() + 3
        while time.time() < deadline:
            with self.cond:
                for note in self.received:
                    n = note["notify"]
                    if note["problem"] is None and n is not None and n.payment_id == payment_id:
                        return note
                self.cond.wait(timeout=1)
            if time.time() >= next_cron:
                api.call("GET", "/__scheduled", params={"cron": "* * * * *"})
                next_cron = time.time() + 3
        problems = [f"{n['path']}: {n['problem']}" for n in self.received if n["problem"]]
        fail(f"notification: none verified for payment {payment_id} within {seconds} s"
             + (f"; refused: {problems}" if problems else f"; received {len(self.received)}"))


# ---- the SDK -------------------------------------------------------------------------------

def execute(name, client, request, response_class):
    """One SDK call. DefaultAlipayClient.execute raises unless the HTTP status is 200, the
    signature, response-time and client-id headers are present and the signature verifies."""
    try:
        body = client.execute(request)
    except AlipayApiException as e:
        hint = ""
        if "invalid http status" in str(e):
            hint = " (is the sandbox gateway of issue 9 on this server? it answers 200 for anything under /ams/)"
        fail(f"{name}: the SDK refused the call or its answer: {e}{hint}")
    try:
        response = response_class(body)
    except Exception as e:
        fail(f"{name}: the SDK cannot parse the answer ({type(e).__name__}: {e}): {body[:500]}")
    result = response.result
    if result is None:
        fail(f"{name}: answer without result: {body[:500]}")
    status = result.result_status.value if result.result_status is not None else None
    say(f"{name}: {result.result_code} {status} (signature verified by the SDK)")
    return response, body


def expect(name, response, body, code, status):
    got = (response.result.result_code, response.result.result_status.value if response.result.result_status else None)
    if got != (code, status):
        fail(f"{name}: result {got[0]}/{got[1]}, expected {code}/{status}: {body[:500]}")


def pay_request(value, notify_url=None):
    r = AlipayPayRequest()
    r.product_code = ProductCodeType.CASHIER_PAYMENT
    r.payment_request_id = "sdk-pay-" + secrets.token_hex(8)
    r.payment_amount = Amount(CURRENCY, value)
    order = Order()
    order.reference_order_id = "sdk-order-" + secrets.token_hex(6)
    order.order_description = "SDK interop order"
    order.order_amount = Amount(CURRENCY, value)
    r.order = order
    method = PaymentMethod()
    method.payment_method_type = "ALIPAY_CN"
    r.payment_method = method
    env = Env()
    env.terminal_type = TerminalType.WEB
    r.env = env
    r.payment_redirect_url = "https://merchant.example/return"
    if notify_url:
        r.payment_notify_url = notify_url
    return r


def query(payment_request_id=None, payment_id=None):
    r = AlipayPayQueryRequest()
    if payment_request_id:
        r.payment_request_id = payment_request_id
    if payment_id:
        r.payment_id = payment_id
    return r


def cancel(payment_request_id):
    r = AlipayPayCancelRequest()
    r.payment_request_id = payment_request_id
    return r


def status_of(response):
    s = response.payment_status
    return s.value if s is not None else None


def run(args):
    api = Api(args.base_url)
    s = setup(api, args.dev_vars)
    notes = Notifications(s["client_id"], s["platform_public_key"])
    client = DefaultAlipayClient(gateway_url=args.gateway, client_id=s["client_id"],
                                 merchant_private_key=s["private_key"],
                                 alipay_public_key=s["platform_public_key"], agent_token=s["agent_token"])
    exercised = set()

    # pay, and the same request again: the first answer again.
    pay = pay_request("1000", notes.url)
    r, body = execute("pay", client, pay, AlipayPayResponse)
    expect("pay", r, body, "SUCCESS", "S")
    payment_id = r.payment_id or fail(f"pay: no paymentId: {body[:500]}")
    exercised |= {"pay_success"}
    r2, body2 = execute("pay (same request again)", client, pay, AlipayPayResponse)
    expect("pay (same request again)", r2, body2, "SUCCESS", "S")
    if r2.payment_id != payment_id:
        fail(f"pay (same request again): paymentId {r2.payment_id}, the first answer had {payment_id}")
    exercised |= {"duplicate_request_handled"}

    # The notification of that payment.
    note = notes.wait(payment_id, api)
    if note["notify"].notify_type != "PAYMENT_RESULT":
        fail(f"notification: notifyType {note['notify'].notify_type}, expected PAYMENT_RESULT")
    say(f"notification: {note['notify'].notify_type} for {payment_id}, signature verified with the SDK's tool, acknowledged")
    exercised |= {"notification_acknowledged"}

    # A declined payment.
    declined = pay_request("1001")
    r, body = execute("pay (declined, amount ...01)", client, declined, AlipayPayResponse)
    expect("pay (declined, amount ...01)", r, body, "USER_BALANCE_NOT_ENOUGH", "F")
    exercised |= {"pay_declined"}
    r, body = execute("inquiryPayment (declined)", client, query(declined.payment_request_id), AlipayPayQueryResponse)
    expect("inquiryPayment (declined)", r, body, "SUCCESS", "S")
    if status_of(r) != "FAIL":
        fail(f"inquiryPayment (declined): paymentStatus {status_of(r)}, expected FAIL: {body[:500]}")

    # inquiryPayment of the successful payment.
    r, body = execute("inquiryPayment", client, query(pay.payment_request_id), AlipayPayQueryResponse)
    expect("inquiryPayment", r, body, "SUCCESS", "S")
    if status_of(r) != "SUCCESS" or r.payment_id != payment_id:
        fail(f"inquiryPayment: paymentStatus {status_of(r)}, paymentId {r.payment_id}; expected SUCCESS, {payment_id}")
    exercised |= {"inquiry_payment"}

    # refund part of it, then inquiryRefund.
    refund = AlipayRefundRequest()
    refund.refund_request_id = "sdk-refund-" + secrets.token_hex(8)
    refund.payment_id = payment_id
    refund.refund_amount = Amount(CURRENCY, "300")
    r, body = execute("refund", client, refund, AlipayRefundResponse)
    expect("refund", r, body, "SUCCESS", "S")
    refund_id = r.refund_id or fail(f"refund: no refundId: {body[:500]}")
    exercised |= {"refund"}
    inquiry = AlipayInquiryRefundRequest()
    inquiry.refund_request_id = refund.refund_request_id
    r, body = execute("inquiryRefund", client, inquiry, AlipayInquiryRefundResponse)
    expect("inquiryRefund", r, body, "SUCCESS", "S")
    if (r.refund_status.value if r.refund_status else None) != "SUCCESS" or r.refund_id != refund_id:
        fail(f"inquiryRefund: refundStatus {r.refund_status}, refundId {r.refund_id}; expected SUCCESS, {refund_id}")

    # A refunded payment cannot be cancelled; a fresh one can.
    r, body = execute("cancel (refunded payment)", client, cancel(pay.payment_request_id), AlipayPayCancelResponse)
    expect("cancel (refunded payment)", r, body, "ORDER_STATUS_INVALID", "F")
    second = pay_request("2000")
    r, body = execute("pay (to cancel)", client, second, AlipayPayResponse)
    expect("pay (to cancel)", r, body, "SUCCESS", "S")
    r, body = execute("cancel", client, cancel(second.payment_request_id), AlipayPayCancelResponse)
    expect("cancel", r, body, "SUCCESS", "S")
    exercised |= {"cancel_payment"}
    r, body = execute("inquiryPayment (cancelled)", client, query(second.payment_request_id), AlipayPayQueryResponse)
    expect("inquiryPayment (cancelled)", r, body, "SUCCESS", "S")
    if status_of(r) != "CANCELLED":
        fail(f"inquiryPayment (cancelled): paymentStatus {status_of(r)}, expected CANCELLED: {body[:500]}")

    # Refusals, signed by the platform like every other answer (else the SDK raises).
    stranger = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_key = pem_body(stranger.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption()).decode())
    wrong_key = DefaultAlipayClient(gateway_url=args.gateway, client_id=s["client_id"], merchant_private_key=stranger_key,
                                    alipay_public_key=s["platform_public_key"], agent_token=s["agent_token"])
    r, body = execute("inquiryPayment (signed with a key never uploaded)", wrong_key, query(pay.payment_request_id),
                      AlipayPayQueryResponse)
    expect("inquiryPayment (signed with a key never uploaded)", r, body, "SIGNATURE_INVALID", "F")
    exercised |= {"bad_signature_refused"}
    wrong_token = DefaultAlipayClient(gateway_url=args.gateway, client_id=s["client_id"],
                                      merchant_private_key=s["private_key"],
                                      alipay_public_key=s["platform_public_key"],
                                      agent_token="not-the-test-agent-token")
    r, body = execute("inquiryPayment (unknown Agent-Token)", wrong_token, query(pay.payment_request_id),
                      AlipayPayQueryResponse)
    expect("inquiryPayment (unknown Agent-Token)", r, body, "ACCESS_DENIED", "F")
    exercised |= {"unknown_agent_token_refused"}

    # The acceptance checklist: the notification's case may be recorded a moment after the ack.
    deadline = time.time() + 15
    while True:
        acceptance = api.call("GET", f"/v1/apps/{s['app']}/acceptance", s["owner"], expect=200).json()
        cases = {c["id"]: c for c in acceptance["cases"]}
        pending = sorted(i for i in exercised if i in cases and cases[i]["required"] and cases[i]["status"] != "passed")
        if (not pending and acceptance["all_required_passed"]) or time.time() >= deadline:
            break
        time.sleep(1)
    print(json.dumps(acceptance, indent=2))
    for c in acceptance["cases"]:
        say(f"acceptance: {c['id']:<28} {c['status']:<8} required={c['required']} evidence={c['evidence']}")
    if pending:
        fail(f"acceptance: exercised through the SDK but not passed: {', '.join(pending)}")
    if not acceptance["all_required_passed"]:
        missing = [c["id"] for c in acceptance["cases"] if c["required"] and c["status"] != "passed"]
        fail(f"acceptance: all_required_passed is false (pending: {', '.join(missing)})")


def main():
    ap = argparse.ArgumentParser(description="The official Alipay Python SDK against devcenter's sandbox gateway.")
    ap.add_argument("base_url", help="the devcenter server, e.g. http://127.0.0.1:8787")
    ap.add_argument("--gateway", default="https://127.0.0.1",
                    help="gateway_url for the SDK (it always connects to port 443 of this host)")
    ap.add_argument("--dev-vars", help="the server's secrets file (for OPERATOR_EMAILS, if it sets it)")
    args = ap.parse_args()
    try:
        run(args)
    except Failed as e:
        say(f"FAILED: {e}")
        sys.exit(1)
    say("passed: the official SDK signed every request, verified every answer and the notification")


if __name__ == "__main__":
    main()
