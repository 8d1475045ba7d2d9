#!/usr/bin/env python3
"""A logging HTTP proxy for looking at what a run asks of the cluster and how long each request
takes there: python3 bench/logproxy.py UPSTREAM_HOST UPSTREAM_PORT LISTEN_PORT LOG_FILE.
One line per request: start time, milliseconds upstream, status, method, path, body sizes, the
body's first 150 bytes. Used by bench/freeze-trace.sh. (It adds ~40 ms between a client's
requests: its answers are not sent with TCP_NODELAY; read the per-request milliseconds, not the
gaps.)"""
import http.client, http.server, socketserver, sys, time, threading
target_host, target_port, listen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = open(sys.argv[4], "w")
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def handle_one(self):
        pass
    def _do(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else None
        t0 = time.time()
        c = http.client.HTTPConnection(target_host, target_port, timeout=300)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse(); data = r.read()
        dt = time.time() - t0
        with lock:
            log.write(f"{t0:.3f} {dt*1000:8.1f}ms {r.status} {self.command} {self.path[:120]} {len(body or b'')}B->{len(data)}B {(body or b'')[:150]!r}\n"); log.flush()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"): self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers(); self.wfile.write(data)
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _do
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S(("127.0.0.1", listen), H).serve_forever()
