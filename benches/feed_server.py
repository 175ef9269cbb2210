#!/usr/bin/env python3
"""A loopback server of NBK documents for the fetch benchmarks (scripts/bench.sh).

    feed_server.py DIR PORTFILE

Serves DIR/nbk-YYYY-MM-DD.xml for NBK's URL `/rss/get_rates.cfm?fdate=DD.MM.YYYY`
(HTTP/1.1, keep-alive, a Date header, Content-Length, each response in one
write), 404 for anything else.
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
        status = "200 OK" if body is not None else "404 Not Found"
        body = body or b""
        head = (
            f"HTTP/1.1 {status}\r\nDate: {self.date_time_string()}\r\nContent-Type: text/xml; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        # One write: headers and body in separate small writes meet Nagle's
        # algorithm and the client's delayed ACK, a 40 ms stall per response
        # that no real web server has.
        self.wfile.write(head.encode() + body)

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
