"""A tiny web app: GET / counts the visit in Redis and in PostgreSQL and says so.

GET /healthz answers "ok" without touching either (the container's healthcheck).
Settings come from the environment: GREETING, DB_HOST, DB_NAME, DB_USER, DB_PASSWORD or
DB_PASSWORD_FILE (a Compose secret), REDIS_HOST, PORT.
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import redis

GREETING = os.environ.get("GREETING", "Hello")


def db_password():
    path = os.environ.get("DB_PASSWORD_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get("DB_PASSWORD", "")


def connect_db():
    return psycopg2.connect(
        host=os.environ.get("DB_HOST", "db"),
        dbname=os.environ.get("DB_NAME", "app"),
        user=os.environ.get("DB_USER", "app"),
        password=db_password(),
        connect_timeout=5,
    )


cache = redis.Redis(host=os.environ.get("REDIS_HOST", "cache"), port=6379, socket_timeout=5)


def count_visit():
    hits = cache.incr("hits")
    with connect_db() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, at timestamptz DEFAULT now())")
        cur.execute("INSERT INTO visits DEFAULT VALUES")
        cur.execute("SELECT count(*), current_setting('server_version') FROM visits")
        visits, version = cur.fetchone()
    conn.close()
    return hits, visits, version


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, "ok\n")
        if self.path != "/":
            return self.reply(404, "not found\n")
        try:
            hits, visits, version = count_visit()
        except Exception as e:  # noqa: BLE001 - report any backend failure as 503
            return self.reply(503, f"backend error: {e}\n")
        return self.reply(200, f"{GREETING}: redis hits={hits}, postgres visits={visits} (PostgreSQL {version})\n")

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
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # `docker stop` sends SIGTERM: stop serving and exit 0.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
