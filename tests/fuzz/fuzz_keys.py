"""RSA keys and signatures for the fuzz setup and hooks: key pairs, the sandbox gateway's
Alipay-style request signature, and RS256 JWTs (the `private_key_jwt` client assertions of the
OAuth endpoints). `cryptography` is in tests/python/requirements.txt."""

import base64
import functools
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def rsa_pair():
    """(private PEM PKCS#8, public PEM SubjectPublicKeyInfo) of a fresh RSA-2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@functools.lru_cache(maxsize=8)
def _key(private_pem):
    return serialization.load_pem_private_key(private_pem.encode(), password=None)


def sign(private_pem, content):
    """RSASSA-PKCS1-v1_5 / SHA-256 of `content` (bytes)."""
    return _key(private_pem).sign(content, padding.PKCS1v15(), hashes.SHA256())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rs256_jwt(private_pem, claims):
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{body}"
    return f"{signing_input}.{b64url(sign(private_pem, signing_input.encode()))}"


def client_assertion(private_pem, client_id, audience):
    """A fresh `private_key_jwt` assertion (RFC 7523): iss = sub = the client id, a new jti."""
    now = int(time.time())
    return rs256_jwt(private_pem, {"iss": client_id, "sub": client_id, "aud": audience,
                                   "jti": secrets.token_hex(16), "iat": now, "exp": now + 300})
