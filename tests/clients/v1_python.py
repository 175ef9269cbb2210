#!/usr/bin/env python3
"""A Frankfurter v1 client from PyPI, unchanged but for its base URL,
against `fxsnap serve` (tests/frankfurter_clients.rs):
yogesh-currency-converter 1.0.0 keeps its base URL in one constant,
`converter.api.BASE_URL`, which is all that is set here. It asks for the
latest and a past date (with an amount), and rounds to 2 decimals itself.
Prints one JSON object of what it returned.

usage: v1_python.py BASE_URL (http://127.0.0.1:PORT, unversioned as
frankfurter.app serves it, or http://127.0.0.1:PORT/v1)
"""
import json
import sys

from converter import api as yogesh

yogesh.BASE_URL = sys.argv[1]

print(json.dumps({
    "latest_1_usd_kgs": yogesh.convert_currency(1, "USD", "KGS"),
    "latest_100_usd_tjs": yogesh.convert_currency(100, "USD", "TJS"),
    "date_2026_04_01_1_usd_kzt": yogesh.historical_conversion(1, "USD", "KZT", "2026-04-01"),
    "date_2026_04_03_1000_usd_uzs": yogesh.historical_conversion(1000, "USD", "UZS", "2026-04-03"),
    "currencies": sorted(yogesh.get_supported_currencies()),
}))
