#!/usr/bin/env python3
"""Deterministic synthetic data for fxsnap's benchmark harness (scripts/bench.sh).

Writes into OUT_DIR (standard library only, fixed seed, same bytes on every run):

  synthetic.csv   fxsnap's exchange format `timestamp,pair,rate,change_pct,source`:
                  YEARS x 365 days x 288 five-minute slots x 5 pairs (KGS, KZT, TJS,
                  UZS, TMT against USD) from 2016-01-01T00:00:00Z, ordered by time
                  then pair, source `timesca`. 10 years = 5,256,000 observations.
                  Rates are a mean-reverting random walk in log space around
                  KGS 0.0114, KZT 0.0019, TJS 0.105, UZS 0.00008, TMT 0.2849,
                  printed with 5 significant digits at a fixed scale per pair
                  (0.011442, 0.0019234, 0.10512, 0.000080123, 0.28490);
                  change_pct is the change since the day's first slot, 2 decimals.
  gnuplot.dat     the same values for the gnuplot reference: `epoch KGS KZT TJS UZS TMT`
                  one line per slot.
  pages/page-NNNNN.txt
                  PAGES ticker pages like data/pages/seed-page.txt: the five ticker
                  lines repeated 8 times, then a date line (`1 January 2026`, one day
                  per page, all after the CSV's range so each is a real insert), then
                  prose with numbers that must not become observations. Rates with 5
                  decimals as the real ticker shows them.
  pages-sql/page-NNNNN.sql
                  the same five rows as one INSERT into the reference table `obs`
                  (for the sqlite3 side of the cron-run figure).
  DONE            written last; its presence means the set is complete.

Usage: gen_synthetic.py OUT_DIR [--years 10] [--pages 3000] [--seed 20160101]
"""

import argparse
import datetime as dt
import math
import os
import random
import sys

PAIRS = [
    # pair, centre, decimals (5 significant digits at the centre), per-step log sigma
    ("KGS/USD", 0.0114, 6, 0.00020),
    ("KZT/USD", 0.0019, 7, 0.00045),
    ("TJS/USD", 0.105, 5, 0.00020),
    ("UZS/USD", 0.00008, 9, 0.00035),
    ("TMT/USD", 0.2849, 5, 0.00005),
]
SOURCE = "timesca"
SLOTS_PER_DAY = 288
START = dt.datetime(2016, 1, 1, tzinfo=dt.timezone.utc)
# Stationary spread of the log rate around its centre (about +-10 %): keeps
# every rate positive and at the same number of significant digits.
SPREAD = 0.10

PROSE = [
    "Bilateral trade exceeded $5 billion in 2024, and 1,330 firms were registered by August 1.",
    "The central bank raised its key policy rate by 25 basis points to 9.25% on Thursday.",
    "Officials said 5,000 som notes would be reissued; inflation stood at 4.6% in the spring.",
    "Kazakhstan will need approximately 3 million qualified specialists over the next five years.",
    "Deposits increased by 20% to over $8.05 billion, while loans expanded by 22.5%.",
    "Traffic through the Middle Corridor grew 62% year on year, to 4.5 million tonnes.",
]


def thetas():
    # OU in log space: x += -theta*x + sigma*eps; stationary sd = sigma / sqrt(2 theta).
    return [s * s / (2 * SPREAD * SPREAD) for (_, _, _, s) in PAIRS]


def write_csv_and_dat(out, years, rng):
    days = years * 365
    th = thetas()
    logs = [0.0] * len(PAIRS)
    tod = ["T%02d:%02d:00Z" % divmod(m, 60) for m in range(0, 24 * 60, 5)]
    fmts = ["%%.%df" % d for (_, _, d, _) in PAIRS]
    names = [p for (p, _, _, _) in PAIRS]
    centres = [c for (_, c, _, _) in PAIRS]
    sigmas = [s for (_, _, _, s) in PAIRS]
    gauss = rng.gauss
    exp = math.exp
    n = 0
    tmp_csv, tmp_dat = os.path.join(out, "synthetic.csv.tmp"), os.path.join(out, "gnuplot.dat.tmp")
    with open(tmp_csv, "w", buffering=1 << 20) as csv, open(tmp_dat, "w", buffering=1 << 20) as dat:
        csv.write("timestamp,pair,rate,change_pct,source\n")
        dat.write("# epoch KGS/USD KZT/USD TJS/USD UZS/USD TMT/USD\n")
        epoch0 = int(START.timestamp())
        for day in range(days):
            date = (START + dt.timedelta(days=day)).strftime("%Y-%m-%d")
            day_epoch = epoch0 + day * 86400
            opens = None
            lines = []
            dlines = []
            for slot in range(SLOTS_PER_DAY):
                ts = date + tod[slot]
                texts = []
                for i in range(5):
                    x = logs[i]
                    x += -th[i] * x + sigmas[i] * gauss(0.0, 1.0)
                    logs[i] = x
                    texts.append(fmts[i] % (centres[i] * exp(x)))
                if opens is None:
                    opens = [float(t) for t in texts]
                for i in range(5):
                    chg = "%.2f" % ((float(texts[i]) / opens[i] - 1.0) * 100.0)
                    lines.append("%s,%s,%s,%s,%s\n" % (ts, names[i], texts[i], chg, SOURCE))
                dlines.append("%d %s\n" % (day_epoch + slot * 300, " ".join(texts)))
                n += 5
            csv.write("".join(lines))
            dat.write("".join(dlines))
    os.replace(tmp_csv, os.path.join(out, "synthetic.csv"))
    os.replace(tmp_dat, os.path.join(out, "gnuplot.dat"))
    return n, logs


def write_pages(out, pages, years, logs, rng):
    pdir, sdir = os.path.join(out, "pages"), os.path.join(out, "pages-sql")
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(sdir, exist_ok=True)
    th = thetas()
    first_day = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    prev = None
    logs = list(logs)
    for k in range(pages):
        day = first_day + dt.timedelta(days=k)
        # one day = 288 steps of the 5-minute walk
        for i, (_, _, _, s) in enumerate(PAIRS):
            for _ in range(4):  # a coarse daily step: 4 steps of sqrt(72) x sigma
                logs[i] += -72 * th[i] * logs[i] + s * math.sqrt(72) * rng.gauss(0.0, 1.0)
        rates = ["%.5f" % (c * math.exp(logs[i])) for i, (_, c, _, _) in enumerate(PAIRS)]
        vals = [float(r) for r in rates]
        ticker = []
        for i, (p, _, _, _) in enumerate(PAIRS):
            if prev is None or prev[i] == 0 or vals[i] == prev[i]:
                chg = "0"
            else:
                chg = ("%.2f" % ((vals[i] / prev[i] - 1.0) * 100.0)).rstrip("0").rstrip(".")
                if chg in ("-0", "0", ""):
                    chg = "-0" if vals[i] < prev[i] else "0"
            ticker.append((p, rates[i], chg))
        prev = vals
        body = []
        for rep in range(8):
            for j, (p, r, c) in enumerate(ticker):
                lead = "" if rep == 0 and j == 0 else "  "
                body.append("%s\u2022 %s = %s %s%%" % (lead, p, r, c))
        body.append("%d %s" % (day.day, day.strftime("%B %Y")))
        body.append("")
        para = [PROSE[(k + j) % len(PROSE)] for j in range(4)]
        body.append("Markets in Central Asia, day %d" % (k + 1))
        body.append("")
        body.append(" ".join(para))
        body.append("")
        body.append(" ".join(reversed(para)))
        name = "page-%05d" % (k + 1)
        with open(os.path.join(pdir, name + ".txt"), "w") as f:
            f.write("\n".join(body) + "\n")
        ts = day.strftime("%Y-%m-%dT00:00:00Z")
        values = ",".join("('%s','%s','%s','%s','%s')" % (ts, p, r, c, SOURCE) for (p, r, c) in ticker)
        with open(os.path.join(sdir, name + ".sql"), "w") as f:
            f.write("INSERT INTO obs(timestamp,pair,rate,change_pct,source) VALUES %s;\n" % values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20160101)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    done = os.path.join(a.out_dir, "DONE")
    if os.path.exists(done):
        os.remove(done)
    rng = random.Random(a.seed)
    n, logs = write_csv_and_dat(a.out_dir, a.years, rng)
    write_pages(a.out_dir, a.pages, a.years, logs, random.Random(a.seed + 1))
    with open(done, "w") as f:
        f.write("years=%d pages=%d seed=%d observations=%d\n" % (a.years, a.pages, a.seed, n))
    print("gen_synthetic: %d observations, %d pages in %s" % (n, a.pages, a.out_dir), file=sys.stderr)


if __name__ == "__main__":
    main()
