"""The api: GET / shows the latest applied migration and the messages the migrations created.

It starts only after the migrate job succeeded, so it can rely on the schema being there.
GET /healthz answers "ok". Connection settings: the PG* environment variables (libpq reads them).
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2


def snapshot():
    conn = psycopg2.connect(connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1")
            (version,) = cur.fetchone()
            cur.execute("SELECT body FROM messages ORDER BY id")
            messages = [body for (body,) in cur.fetchall()]
    finally:
        conn.close()
    return version, messages


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, "ok\n")
        if self.path != "/":
            return self.reply(404, "not found\n")
        try:
            version, messages = snapshot()
        except Exception as e:  # noqa: BLE001 - report any database failure as 503
            return self.reply(503, f"database error: {e}\n")
        lines = [f"schema version: {version}"] + [f"message: {m}" for m in messages]
        return self.reply(200, "\n".join(lines) + "\n")

    def reply(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        if self.path != "/healthz":
            sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
