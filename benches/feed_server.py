#!/usr/bin/env python3
"""A loopback server of NBK documents for the fetch benchmarks (scripts/bench.sh).

    feed_server.py DIR PORTFILE

Serves DIR/nbk-YYYY-MM-DD.xml for NBK's URL `/rss/get_rates.cfm?fdate=DD.MM.YYYY`
(HTTP/1.1, keep-alive, a Date header, Content-Length), 404 for anything else.
Binds 127.0.0.1 on a free port and writes the port to PORTFILE once listening.
"""

import http.server
import os
import sys
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        body = None
        if url.path == "/rss/get_rates.cfm" and "fdate" in q:
            d, m, y = q["fdate"][0].split(".")
            path = os.path.join(self.server.dir, f"nbk-{y}-{m}-{d}.xml")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    body = f.read()
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    directory, portfile = sys.argv[1], sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.dir = directory
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
