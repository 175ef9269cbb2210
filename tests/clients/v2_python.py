#!/usr/bin/env python3
"""exrate 1.0.1 (PyPI), a Frankfurter v2 command-line client, unchanged but
for its base URL (the module's `API_BASE`), run on `fxsnap serve` by
tests/frankfurter_clients.rs: latest, a past date and a range, each with
`--json`. Prints one JSON object: {name: what exrate printed, parsed}.

usage: v2_python.py BASE_URL (http://127.0.0.1:PORT/v2)
"""
import contextlib
import io
import json
import sys

import exrate

exrate.API_BASE = sys.argv[1]


def run(*argv):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exrate.main(list(argv) + ["--json"])
    return json.loads(buf.getvalue())


print(json.dumps({
    "latest_usd_kgs": run("rate", "USD", "KGS"),
    "date_usd_kzt": run("rates", "--base", "USD", "--quotes", "KZT", "--date", "2026-04-01"),
    "range_usd_rub": run("rates", "--base", "USD", "--quotes", "RUB", "--from", "2026-03-01", "--to", "2026-03-31", "--providers", "CBR"),
}))
