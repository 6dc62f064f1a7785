"""The bench's sandbox gateway client (scripts/bench.sh): sets an application up for signed
calls, pre-signs request sets for scripts/bench/gateway.lua, and checks sample answers.

    gateway.py setup BASE TOKEN APP CONF     RSA-2048 key pair, public half uploaded for the
                                             sandbox, one successful pay (what inquiry reads);
                                             writes CONF (JSON: client id, keys, path names)
    gateway.py sign CONF KIND COUNT FILE     COUNT requests of KIND, signed now, one per line
    gateway.py check BASE CONF KIND [N]      N (3) fresh requests of KIND: the answer must be
                                             KIND's result code, and signed by the platform
                                             key exactly when the request named a client id

KINDs (what the Worker does for them, see handlers/src/gateway/client.rs):
    inquiry    signed inquiryPayment of the seeded payment: SUCCESS (client read, RS256
               verification, payment batch with its log line, response signature)
    pay        signed pay with a fresh paymentRequestId per request: SUCCESS (client read,
               verification, the payment's write batch, response signature)
    badsig     inquiry with a well-formed signature over other content: SIGNATURE_INVALID
               (client read, verification that fails, log batch, response signature)
    nokey      inquiry naming keyVersion=99, never uploaded: KEY_NOT_FOUND (client read, no
               verification, log batch, response signature)
    clientonly only a Client-Id header: PARAM_ILLEGAL (no D1, no verification, response
               signature)
    anon       no gateway headers: PARAM_ILLEGAL (no D1, no verification, unsigned answer)

A line of a request set is CLIENT-ID TAB REQUEST-TIME TAB SIGNATURE TAB BODY (an empty field
is a header not sent). Signing uses the `cryptography` package (python3 here has it).
"""

import base64
import datetime
import json
import secrets
import sys
import urllib.parse

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PAYMENTS = "/ams/sandbox/api/v1/payments/"
SEED_PAY = "bench-seed-pay"
EXPECT = {
    "inquiry": "SUCCESS", "pay": "SUCCESS", "badsig": "SIGNATURE_INVALID",
    "nokey": "KEY_NOT_FOUND", "clientonly": "PARAM_ILLEGAL", "anon": "PARAM_ILLEGAL",
}


def die(msg):
    sys.exit(f"gateway bench: {msg}")


def api(kind):
    return "pay" if kind == "pay" else "inquiryPayment"


def now_text():
    # ISO 8601 with offset, milliseconds, as the SDKs send it.
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def sign(key, path, client, t, body, version):
    """The Signature header of POST PATH by CLIENT at T with BODY."""
    text = "POST " + path + "\n" + client + "." + t + "." + body
    raw = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    value = urllib.parse.quote_plus(base64.b64encode(raw).decode())
    return f"algorithm=RSA256,keyVersion={version},signature={value}"


def pay_body(request_id):
    return json.dumps({
        "productCode": "CASHIER_PAYMENT", "paymentRequestId": request_id,
        "paymentAmount": {"currency": "USD", "value": "1000"},
        "order": {"referenceOrderId": request_id, "orderDescription": "bench order",
                  "orderAmount": {"currency": "USD", "value": "1000"}},
        "paymentMethod": {"paymentMethodType": "ALIPAY_CN"},
    }, separators=(",", ":"))


def requests_of(conf, kind, count):
    """COUNT (client id, time, signature header, body) of KIND, signed now."""
    key = serialization.load_pem_private_key(conf["private_key"].encode(), None)
    path = PAYMENTS + api(kind)
    client = conf["client_id"]
    tag = secrets.token_hex(4)
    inquiry = json.dumps({"paymentRequestId": SEED_PAY}, separators=(",", ":"))
    out = []
    for i in range(count):
        t = now_text()
        if kind in ("inquiry", "nokey"):
            body = inquiry
            version = 99 if kind == "nokey" else conf["key_version"]
            sig = sign(key, path, client, t, body, version)
        elif kind == "badsig":
            body = inquiry
            # A real signature with the uploaded key, over another body: it parses, decodes
            # and has the right length, and fails only in the RSA check.
            sig = sign(key, path, client, t, "{}", conf["key_version"])
        elif kind == "pay":
            body = pay_body(f"bench-{tag}-{i}")
            sig = sign(key, path, client, t, body, conf["key_version"])
        elif kind == "clientonly":
            t, sig, body = "", "", inquiry
        elif kind == "anon":
            client, t, sig, body = "", "", "", inquiry
        else:
            die(f"unknown kind {kind}")
        out.append((client, t, sig, body))
    return out


def send(base, kind, req):
    client, t, sig, body = req
    headers = {"content-type": "application/json; charset=UTF-8"}
    for name, value in (("client-id", client), ("request-time", t), ("signature", sig)):
        if value:
            headers[name] = value
    return requests.post(base + PAYMENTS + api(kind), data=body.encode(), headers=headers, timeout=30)


def check_answer(conf, kind, req, r, want=None):
    """The answer's result code, checked; and its signature, checked against the platform key."""
    want = want or EXPECT[kind]
    if r.status_code != 200:
        die(f"{kind}: HTTP {r.status_code}: {r.text[:300]}")
    try:
        result = r.json()["result"]
    except (ValueError, KeyError):
        die(f"{kind}: not an Alipay answer: {r.text[:300]}")
    if result.get("resultCode") != want:
        die(f"{kind}: resultCode {result.get('resultCode')}, expected {want}: {r.text[:300]}")
    sig = r.headers.get("signature")
    if not req[0]:
        if sig:
            die(f"{kind}: an answer to a call without Client-Id is signed")
        return
    if not sig or r.headers.get("client-id") != req[0] or not r.headers.get("response-time"):
        die(f"{kind}: the answer lacks client-id/response-time/signature headers: {dict(r.headers)}")
    value = dict(p.strip().split("=", 1) for p in sig.split(",")).get("signature", "")
    content = "POST " + PAYMENTS + api(kind) + "\n" + req[0] + "." + r.headers["response-time"] + "." + r.content.decode()
    platform = serialization.load_pem_public_key(conf["platform_public_key"].encode())
    try:
        platform.verify(base64.b64decode(urllib.parse.unquote_plus(value)), content.encode(),
                        padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        die(f"{kind}: the answer's signature does not verify with the platform key")


def setup(base, token, app, conf_path):
    auth = {"authorization": f"Bearer {token}"}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    r = requests.put(f"{base}/v1/apps/{app}/environments/sandbox/public-key", json={"public_key": public},
                     headers=auth, timeout=30)
    if r.status_code != 200:
        die(f"setup: public key upload answered {r.status_code}: {r.text[:300]}")
    r = requests.get(f"{base}/v1/apps/{app}/environments/sandbox", headers=auth, timeout=30)
    if r.status_code != 200:
        die(f"setup: GET environments/sandbox answered {r.status_code}: {r.text[:300]}")
    env = r.json()
    conf = {
        "app": app, "client_id": env["client_id"], "key_version": env["key_version"],
        "platform_public_key": env["platform_public_key"],
        "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode(),
    }
    # The one payment every inquiry reads.
    body = pay_body(SEED_PAY)
    path = PAYMENTS + "pay"
    t = now_text()
    req = (conf["client_id"], t, sign(key, path, conf["client_id"], t, body, conf["key_version"]), body)
    check_answer(conf, "pay", req, send(base, "pay", req))
    with open(conf_path, "w") as f:
        json.dump(conf, f)


def main(argv):
    if len(argv) >= 5 and argv[0] == "setup":
        setup(*argv[1:5])
    elif len(argv) >= 4 and argv[0] == "sign":
        conf = json.load(open(argv[1]))
        with open(argv[4], "w") as f:
            for req in requests_of(conf, argv[2], int(argv[3])):
                f.write("\t".join(req) + "\n")
    elif len(argv) >= 4 and argv[0] == "check":
        base, conf, kind = argv[1], json.load(open(argv[2])), argv[3]
        for req in requests_of(conf, kind, int(argv[4]) if len(argv) > 4 else 3):
            check_answer(conf, kind, req, send(base, kind, req))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
