"""A TLS reverse proxy in front of `wrangler dev`, for the official Alipay SDK.

The SDK (global-open-sdk-python, com/alipay/ams/api/net/default_http_rpc.py) always opens
HTTPS to port 443 of the gateway URL's host, whatever scheme and port the URL names, and
sends the request line in absolute form (`POST https://127.0.0.1/ams/... HTTP/1.1`), which
local workerd refuses. This front listens with TLS on 127.0.0.1:443, rewrites the request
line to origin form (`POST /ams/... HTTP/1.1`) and forwards the request to the dev server,
copying headers (Host included) and body; the answer's status, headers (names exactly as the
dev server wrote them: the SDK matches `signature`, `response-time` and `client-id`
case-sensitively) and body come back unchanged. Only hop-by-hop headers are not copied, and
the body is re-framed with Content-Length.

    python tests/sdk/tls_front.py --upstream http://127.0.0.1:PORT --cert CERT --key KEY
        [--listen 127.0.0.1] [--port 443]

One line per request on stderr. Exits 2 with a clear message if the port cannot be bound.
"""

import argparse
import errno
import http.client
import http.server
import ssl
import sys
import urllib.parse

# RFC 9110 7.6.1 hop-by-hop headers: they describe one connection, not the message.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
              "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}


def origin_form(target):
    """`https://host[:port]/p?q` → `/p?q`; an origin-form target is returned as it is."""
    if target.startswith(("http://", "https://")):
        parts = urllib.parse.urlsplit(target)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port), set in main
    timeout = 60

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def forward(self):
        target = origin_form(self.path)
        body = self.read_body()
        dropped = HOP_BY_HOP | {h.strip().lower() for h in self.headers.get("Connection", "").split(",")}
        upstream = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            # putrequest/putheader, not request(): nothing added, nothing re-cased.
            upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in dropped and name.lower() != "content-length":
                    upstream.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            answer = upstream.getresponse()
            answer_body = answer.read()
            answer_headers = answer.getheaders()
            status, reason = answer.status, answer.reason
        except OSError as e:
            self.log_message("%s %s -> upstream failed: %s", self.command, self.path, e)
            self.send_response_only(502, "Bad Gateway")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        finally:
            upstream.close()
        self.send_response_only(status, reason)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer_body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer_body)
        self.log_message('"%s %s" as %s -> %d (%d bytes)', self.command, self.path, target, status,
                         len(answer_body))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward

    def log_message(self, fmt, *args):
        sys.stderr.write("tls-front: " + (fmt % args) + "\n")
        sys.stderr.flush()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context):
        self.context = context
        super().__init__(address, Front)

    def finish_request(self, request, client_address):
        # The handshake in the worker thread: a client that never completes it blocks only itself.
        request.settimeout(60)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write(f"tls-front: TLS handshake with {client_address[0]} failed: {e}\n")
            return
        try:
            Front(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="the dev server, e.g. http://127.0.0.1:8787")
    ap.add_argument("--cert", required=True, help="PEM certificate for 127.0.0.1/localhost")
    ap.add_argument("--key", required=True, help="its PEM private key")
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=443)
    args = ap.parse_args()

    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname:
        sys.exit(f"tls-front: --upstream must be an http:// URL, not {args.upstream!r}")
    Front.upstream = (up.hostname, up.port or 80)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    try:
        server = Server((args.listen, args.port), context)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            hint = f"port {args.port} on {args.listen} is already taken (see: ss -ltnp 'sport = :{args.port}')"
        elif e.errno == errno.EACCES:
            hint = f"no permission to bind port {args.port} (run as root, or grant CAP_NET_BIND_SERVICE)"
        else:
            hint = str(e)
        print(f"tls-front: cannot listen on {args.listen}:{args.port}: {hint}", file=sys.stderr)
        sys.exit(2)
    print(f"tls-front: https://{args.listen}:{args.port} -> {args.upstream}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
