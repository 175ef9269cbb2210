#!/usr/bin/env python3
"""Independent check of fxsnap serve's Frankfurter v1 and v2 rates.

Reads the central banks' documents in tests/fixtures/feeds itself (Python's
standard library only: xml.etree, json, decimal), works out each currency's
reference rate against USD by DESIGN's rules (each of the five from its own
bank, any other currency from the first preferred bank quoting it and USD
that day, 14 days carried forward), and compares them with the answers the
server gave, which tests/frankfurter.rs saved.

usage: frankfurter_reference.py FEEDS_DIR ANSWERS_JSON
ANSWERS_JSON: a list of {"ask": {...}, "status": N, "body": "..."}, where
ask is {"api": "v1", "kind": "day"|"range", "day"|"from"/"to", "base",
"symbols" (list or null), "amount"} or {"api": "v2", "day", "base",
"quotes"}. Prints "N answers checked, M rates" and exits 0, or prints each
difference and exits 1.
"""

import datetime as dt
import json
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal, ROUND_HALF_EVEN, localcontext
from pathlib import Path

OWN_BANK = {"KZT": "nbk", "KGS": "nbkr", "UZS": "cbu", "TJS": "nbt", "TMT": "cbt"}
PREFER = ["nbk", "nbkr", "cbu", "nbt", "cbt", "cbr"]
HOME = {"nbk": "KZT", "nbkr": "KGS", "cbu": "UZS", "nbt": "TJS", "cbt": "TMT", "cbr": "RUB"}
LOOKBACK = 14


def dmy(s):
    d, m, y = s.strip().split(".")
    return dt.date(int(y), int(m), int(d))


def num(s):
    return Decimal(s.strip().replace(",", "."))


def read_feeds(folder):
    """{(source, date): {code: value of one unit in the source's home currency}}"""
    days = {}

    def put(source, date, code, nominal, value):
        days.setdefault((source, date), {})[code] = num(value) / num(nominal)

    folder = Path(folder)
    nbk = ET.parse(folder / "nbk-2026-04-01.xml").getroot()
    date = dmy(nbk.findtext("date"))
    for item in nbk.findall("item"):
        put("nbk", date, item.findtext("title"), item.findtext("quant"), item.findtext("description"))
    for row in json.loads((folder / "cbu-2026-04-03.json").read_text()):
        put("cbu", dmy(row["Date"]), row["Ccy"], row["Nominal"], row["Rate"])
    cbr = ET.fromstring((folder / "cbr-daily-2026-04-25.xml").read_bytes())
    date = dmy(cbr.get("Date"))
    for v in cbr.findall("Valute"):
        put("cbr", date, v.findtext("CharCode"), v.findtext("Nominal"), v.findtext("Value"))
    for name, code in (("cbr-dynamic-USD-2026-03.xml", "USD"), ("cbr-dynamic-KZT-2026-03.xml", "KZT")):
        dyn = ET.fromstring((folder / name).read_bytes())
        for rec in dyn.findall("Record"):
            put("cbr", dmy(rec.get("Date")), code, rec.findtext("Nominal"), rec.findtext("Value"))
    nbt = ET.parse(folder / "nbt-2026-05-18.xml").getroot()
    date = dt.date.fromisoformat(nbt.get("Date"))
    for v in nbt.findall("Valute"):
        put("nbt", date, v.findtext("CharCode"), v.findtext("Nominal"), v.findtext("Value"))
    cbt = ET.parse(folder / "cbt-2026-05-20.xml").getroot()
    date = dmy(cbt.findtext("date"))
    for r in cbt.iter("rate"):
        put("cbt", date, r.get("code"), r.findtext("multiplier"), r.findtext("rate_tmt"))
    nbkr = ET.fromstring((folder / "nbkr-daily-2026-05-24.xml").read_bytes())
    date = dmy(nbkr.get("Date"))
    for c in nbkr.findall("Currency"):
        put("nbkr", date, c.get("ISOCode"), c.findtext("Nominal"), c.findtext("Value"))
    return days


class Rates:
    def __init__(self, days):
        self.days = days
        self.codes = {c for quotes in days.values() for c in quotes} | set(HOME.values())

    def in_usd_that_day(self, code, day):
        """(value of one `code` in USD from the first source quoting it and USD on `day`, day) or None"""
        for source in [OWN_BANK[code]] if code in OWN_BANK else PREFER:
            quotes = self.days.get((source, day))
            if not quotes or "USD" not in quotes:
                continue
            x = Decimal(1) if code == HOME[source] else quotes.get(code)
            if x is None:
                continue
            with localcontext() as ctx:
                ctx.prec = 60
                return x / quotes["USD"], day
        return None

    def in_usd(self, code, day):
        """As of `day`: the newest of the 14 days before; USD is 1 (no date)."""
        if code == "USD":
            return Decimal(1), None
        for back in range(LOOKBACK + 1):
            found = self.in_usd_that_day(code, day - dt.timedelta(days=back))
            if found:
                return found
        return None

    def rate(self, base, quote, day):
        b, q = self.in_usd(base, day), self.in_usd(quote, day)
        if b is None or q is None:
            return None
        with localcontext() as ctx:
            ctx.prec = 60
            exact = b[0] / q[0]
            digits = exact.adjusted() + 1
            value = exact.quantize(Decimal(1).scaleb(digits - 10), rounding=ROUND_HALF_EVEN)
        dates = [d for d in (b[1], q[1]) if d is not None]
        return value, max(dates)

    def published_on(self, code, day):
        found = self.in_usd(code, day)
        return found is not None and found[1] == day


def v1_day(rates, base, symbols, amount, day):
    """{rates}, date as v1 answers one day; None when nothing is found."""
    if rates.in_usd(base, day) is None:
        return None
    targets = symbols if symbols is not None else sorted(c for c in rates.codes | {"USD"} if rates.in_usd(c, day))
    out, newest = {}, None
    for q in targets:
        if q == base or q not in rates.codes | {"USD"}:
            continue
        r = rates.rate(base, q, day)
        if r is None:
            continue
        out[q] = r[0] * amount
        newest = r[1] if newest is None else max(newest, r[1])
    return (out, newest) if out else None


def check_v1(rates, ask, status, body, problems):
    amount = Decimal(ask.get("amount", "1"))
    base, symbols = ask["base"], ask.get("symbols")
    got = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    n = 0
    if ask["kind"] == "day":
        day = dt.date.fromisoformat(ask["day"])
        want = v1_day(rates, base, symbols, amount, day)
        if want is None:
            if status != 404:
                problems.append(f"{ask}: want 404, got {status} {body[:200]}")
            return 0
        values, date = want
        if status != 200 or got.get("date") != date.isoformat() or got.get("base") != base or got.get("amount") != amount:
            problems.append(f"{ask}: want date {date} base {base} amount {amount}, got {status} {body[:300]}")
        n += compare(ask, values, got.get("rates", {}), problems)
        return n
    start, end = dt.date.fromisoformat(ask["from"]), dt.date.fromisoformat(ask["to"])
    involved = (set(symbols) if symbols is not None else rates.codes) | {base}
    keyed = {}
    day = start
    while day <= end:
        if any(rates.published_on(c, day) for c in involved if c != "USD"):
            found = v1_day(rates, base, symbols, amount, day)
            if found:
                keyed[day] = found[0]
        day += dt.timedelta(days=1)
    if start not in keyed:
        anchor = v1_day(rates, base, symbols, amount, start)
        if anchor:
            keyed[anchor[1]] = anchor[0]
    got_rates = got.get("rates", {})
    if sorted(got_rates) != sorted(d.isoformat() for d in keyed):
        problems.append(f"{ask}: want days {sorted(d.isoformat() for d in keyed)}, got {sorted(got_rates)}")
        return 0
    if keyed and (got.get("start_date") != min(keyed).isoformat() or got.get("end_date") != max(keyed).isoformat()):
        problems.append(f"{ask}: start/end {got.get('start_date')}..{got.get('end_date')}, want {min(keyed)}..{max(keyed)}")
    for d, values in keyed.items():
        n += compare(f"{ask} {d}", values, got_rates[d.isoformat()], problems)
    return n


def check_v2(rates, ask, status, body, problems):
    day = dt.date.fromisoformat(ask["day"])
    base, quotes = ask["base"], ask["quotes"]
    rows = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    want = {}
    for q in quotes:
        if q == base:
            continue
        r = rates.rate(base, q, day)
        if r:
            want[q] = r
    got = {row["quote"]: row for row in rows if row["quote"] != base}
    n = 0
    if sorted(got) != sorted(want):
        problems.append(f"{ask}: want quotes {sorted(want)}, got {sorted(got)}")
        return 0
    for q, (value, date) in want.items():
        row = got[q]
        if row["rate"] != value or row["date"] != date.isoformat() or row["base"] != base:
            problems.append(f"{ask} {q}: want {value} on {date}, got {row}")
        n += 1
    return n


def compare(ask, want, got, problems):
    if sorted(want) != sorted(got):
        problems.append(f"{ask}: want currencies {sorted(want)}, got {sorted(got)}")
        return 0
    for code, value in want.items():
        if got[code] != value:
            problems.append(f"{ask} {code}: want {value}, got {got[code]}")
    return len(want)


def main():
    feeds, answers = sys.argv[1], sys.argv[2]
    rates = Rates(read_feeds(feeds))
    problems, checked, n = [], 0, 0
    for a in json.loads(Path(answers).read_text()):
        ask = a["ask"]
        check = check_v1 if ask["api"] == "v1" else check_v2
        n += check(rates, ask, a["status"], a["body"], problems)
        checked += 1
    for p in problems:
        print(p)
    print(f"{checked} answers checked, {n} rates")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
