#!/usr/bin/env python3
"""Regenerate fxsnap's derived test fixtures from the real pages in tests/fixtures/pages/.

Usage (from anywhere):
    python3 scripts/make_html_fixtures.py           # (re)write every derived fixture
    python3 scripts/make_html_fixtures.py --check   # exit 1 if a committed file differs

Python 3 standard library only; the output is byte-for-byte deterministic (no clock, no
locale, no hash-order dependence, no `random` module), so running it twice changes nothing.

It reads only tests/fixtures/pages/ (verbatim copies of the real timesca.com pages) and writes:

  tests/fixtures/html/<name>.html   one HTML rendering per real page (seed-page.txt and NNN.txt)
  tests/fixtures/bad/*              bad inputs derived from 001.txt, plus random.bin
  tests/fixtures/other-crawls/*     two constructed "other crawl of the same day" pages

It never touches tests/fixtures/html/variants/ (hand-written) or tests/fixtures/pages/.

HTML rendering of a page:
  * <head> with <title>, a <style> block and a <script> block whose text contains a decoy
    "USD/KZT = 999" (script text is not page text, so it must never become a rate);
  * <header> with a nav, then <div class="ticker"><ul class="marquee"> holding one <li> per
    ticker line of the page, in order, every repetition included (so 8 blocks of 4 or 5
    items). The markup of the items cycles through four styles (&#8226;&nbsp; / &bull; with
    plain spaces / literal U+2022 with newlines inside the <li> / literal U+2022 with mixed
    &nbsp;), so repetitions of one line never have the same markup in consecutive blocks;
  * <div class="date">DD Month YYYY</div> right after the ticker, only when the page has a
    date line;
  * <main> with the page's "next text" line (listing counter or article headline) or, for the
    seed page, every non-empty prose line, each in its own element; then fixed decoy prose
    ("$5 billion", "9.25%", "5,000 som", "24%", "&amp;", "470 per dollar"). The prose never
    contains an "XXX/YYY = number" pattern.
"""

import hashlib
import html
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
PAGES = os.path.join(FIX, "pages")

BULLET = "\u2022"
TICKER_LINE = re.compile(r"^\s*\u2022 ([A-Z]{3}/[A-Z]{3}) = (\S+) (\S+)$")


# --------------------------------------------------------------------------- reading pages

def read_text(name):
    with open(os.path.join(PAGES, name), "rb") as f:
        return f.read().decode("utf-8")


def parse_page(text):
    """Split a real text page into (ticker items, date line or None, rest lines)."""
    lines = text.split("\n")
    items = []
    i = 0
    while i < len(lines):
        m = TICKER_LINE.match(lines[i])
        if not m:
            break
        items.append(m.groups())
        i += 1
    if not items:
        raise SystemExit("no ticker lines found")
    date = None
    if i < len(lines) and lines[i].strip():
        date = lines[i]
        i += 1
    rest = [l for l in lines[i:] if l.strip()]
    return items, date, rest


# --------------------------------------------------------------------------- HTML rendering

def chg_class(chg):
    if chg.startswith("-"):
        return "chg down"
    if chg.strip("0.%") == "":
        return "chg"
    return "chg up"


def render_item(style, pair, val, chg):
    """One ticker item in markup style 0..3."""
    cls = chg_class(chg)
    if style == 0:
        return ('<li class="item">&#8226;&nbsp;<span class="pair">%s</span>&nbsp;=&nbsp;'
                '<span class="val">%s</span> <span class="%s">%s</span></li>' % (pair, val, cls, chg))
    if style == 1:
        return ('<li class="item">&bull; <span class="pair">%s</span> = '
                '<span class="val">%s</span> <span class="%s">%s</span></li>' % (pair, val, cls, chg))
    if style == 2:
        ind = "            "
        return ('<li class="item">\n'
                + ind + BULLET + "\n"
                + ind + '<span class="pair">%s</span>\n' % pair
                + ind + "=\n"
                + ind + '<span class="val">%s</span>\n' % val
                + ind + '<span class="%s">%s</span>\n' % (cls, chg)
                + "          </li>")
    return ('<li class="item">' + BULLET + '&nbsp;<span class="pair">%s</span> =&nbsp;'
            '<span class="val">%s</span>&nbsp;<span class="%s">%s</span></li>' % (pair, val, cls, chg))


DECOY_PROSE = [
    "Bilateral trade exceeded $5 billion last year, and the central bank kept its key policy "
    "rate at 9.25% for a third meeting in a row.",
    "At the Osh bazaar a sack of flour now costs 5,000 som, 24% more than in spring, "
    "traders said on Tuesday.",
    "On the Kazakhstan Stock Exchange the tenge traded at 470 per dollar in the morning "
    "session; analysts at Fitch &amp; Moody&#8217;s expect a further 0.5% of weakness by "
    "the end of the quarter.",
]

STYLE = """  <style>
    body { margin: 0; font: 16px/1.5 Georgia, serif; color: #222; }
    .ticker { overflow: hidden; height: 32px; background: #0b2545; color: #fff; }
    .marquee { display: flex; gap: 24px; margin: 0; padding: 0 8px; list-style: none;
               white-space: nowrap; animation: scroll 40s linear infinite; }
    .chg.down { color: #e63946; } .chg.up { color: #2a9d8f; }
    .date { font-size: 13px; padding: 4px 8px; }
    @keyframes scroll { from { transform: translateX(0); } to { transform: translateX(-50%); } }
  </style>"""

SCRIPT = """  <script>
    var x = 5; // USD/KZT = 999
    window.tcaTicker = { speedSeconds: 40, pauseOnHover: true };
    if (document.documentElement.clientWidth < 768) { window.tcaTicker.speedSeconds = 25; }
  </script>"""

NAV = """    <nav class="menu">
      <a href="/category/kazakhstan/">Kazakhstan</a>
      <a href="/category/kyrgyzstan/">Kyrgyzstan</a>
      <a href="/category/tajikistan/">Tajikistan</a>
      <a href="/category/turkmenistan/">Turkmenistan</a>
      <a href="/category/uzbekistan/">Uzbekistan</a>
    </nav>"""


def esc(s):
    return html.escape(s, quote=False)


def render_page(name, text):
    items, date, rest = parse_page(text)
    title = "The Times of Central Asia"
    out = []
    out.append("<!DOCTYPE html>")
    out.append('<html lang="en">')
    out.append("<head>")
    out.append('  <meta charset="utf-8">')
    out.append('  <meta name="viewport" content="width=device-width, initial-scale=1">')
    out.append("  <!-- generated by scripts/make_html_fixtures.py from tests/fixtures/pages/%s -->" % name)
    out.append("  <title>News &amp; Analysis &ndash; %s</title>" % title)
    out.append(STYLE)
    out.append(SCRIPT)
    out.append("</head>")
    out.append("<body>")
    out.append('  <header class="site-header">')
    out.append('    <a class="logo" href="https://timesca.com/">' + title + "</a>")
    out.append(NAV)
    out.append('    <div class="ticker">')
    out.append('      <ul class="marquee">')
    npairs = len(set(p for p, _, _ in items))
    for k, (pair, val, chg) in enumerate(items):
        # item j of repetition r gets style (j + r) % 4: every line changes markup from one
        # repetition to the next, for 4-pair and 5-pair pages alike
        style = (k % npairs + k // npairs) % 4
        out.append("        " + render_item(style, pair, val, chg))
    out.append("      </ul>")
    out.append("    </div>")
    if date is not None:
        out.append('    <div class="date">%s</div>' % esc(date))
    out.append("  </header>")
    out.append('  <main class="content">')
    if name == "seed-page.txt":
        for line in rest:
            out.append("    <p>%s</p>" % esc(line))
    else:
        for line in rest:
            if line.startswith("Viewing results"):
                out.append('    <p class="results-count">%s</p>' % esc(line))
            else:
                out.append('    <h1 class="entry-title">%s</h1>' % esc(line))
    out.append('    <div class="related">')
    for p in DECOY_PROSE:
        out.append("      <p>%s</p>" % p)
    out.append("    </div>")
    out.append("  </main>")
    out.append('  <footer><p>&copy; 2025 The Times of Central Asia. All rights reserved.</p></footer>')
    out.append("</body>")
    out.append("</html>")
    return ("\n".join(out) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- bad inputs

def replace_in_ticker(text, pair, new_val, only_rep=None):
    """Replace the value of `pair` on its ticker lines (all repetitions, or only the
    1-based repetition `only_rep`). Everything else stays byte-identical."""
    lines = text.split("\n")
    rep = 0
    for i, line in enumerate(lines):
        m = TICKER_LINE.match(line)
        if not m:
            break
        if m.group(1) != pair:
            continue
        rep += 1
        if only_rep is None or rep == only_rep:
            old = "%s = %s " % (pair, m.group(2))
            assert old in line
            lines[i] = line.replace(old, "%s = %s " % (pair, new_val))
    assert rep > 0
    return "\n".join(lines)


NOTICKER = """08 December 2025

Kyrgyzstan's Budget Revenues Beat Plan

Bilateral trade exceeded $5 billion in 2024, and the National Bank kept its key rate at 9.25%.
A kilogram of meat at the Osh bazaar now costs 5,000 som; flour is up 24% since spring.
In Almaty the tenge traded at 470 per dollar, while the som held near 87.5 and the somoni near 10.9.
Remittances rose 0.28% in the third quarter, the ministry said on 12 December.
"""


def random_bytes(n, seed=b"fxsnap/tests/fixtures/bad/random.bin seed 1"):
    """n pseudo-random bytes: SHA-256 in counter mode over a fixed seed."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


def flip_zero_signs(text):
    """On ticker lines only: '-0%' -> '0%' and '0%' -> '-0%'; other changes untouched."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = TICKER_LINE.match(line)
        if not m:
            break
        chg = m.group(3)
        if chg in ("0%", "-0%"):
            new = "0%" if chg == "-0%" else "-0%"
            assert line.endswith(" " + chg)
            lines[i] = line[: -len(chg)] + new
    return "\n".join(lines)


# --------------------------------------------------------------------------- outputs

def outputs():
    files = {}
    names = sorted(n for n in os.listdir(PAGES) if n.endswith(".txt"))
    for n in names:
        files[os.path.join("html", n[:-4] + ".html")] = render_page(n, read_text(n))

    p001 = read_text("001.txt")
    bad = {
        # repetition 5 of KZT/USD says 0.00197; the other 7 say 0.00196
        "disagree.txt": replace_in_ticker(p001, "KZT/USD", "0.00197", only_rep=5),
        "zero.txt": replace_in_ticker(p001, "KGS/USD", "0.00000"),
        "negative.txt": replace_in_ticker(p001, "KGS/USD", "-0.01144"),
        "toolong.txt": replace_in_ticker(p001, "KGS/USD", "0.1234567890123456789012345678901234567890"),
        "notanumber.txt": replace_in_ticker(p001, "KGS/USD", "0.01l44"),
        "noticker.txt": NOTICKER,
        "empty.txt": "",
    }
    for n, t in bad.items():
        files[os.path.join("bad", n)] = t.encode("utf-8")
    files[os.path.join("bad", "random.bin")] = random_bytes(4096)

    files[os.path.join("other-crawls", "2025-12-05-zero-sign.txt")] = \
        flip_zero_signs(read_text("002.txt")).encode("utf-8")
    files[os.path.join("other-crawls", "2025-12-15-other.txt")] = \
        replace_in_ticker(read_text("005.txt"), "KZT/USD", "0.00193").encode("utf-8")
    return files


def main(argv):
    check = "--check" in argv[1:]
    bad_args = [a for a in argv[1:] if a != "--check"]
    if bad_args:
        sys.stderr.write("usage: make_html_fixtures.py [--check]\n")
        return 2
    stale = 0
    for rel, data in sorted(outputs().items()):
        path = os.path.join(FIX, rel)
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if check:
            if not same:
                print("stale: tests/fixtures/" + rel)
                stale += 1
        elif not same:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            print("wrote tests/fixtures/" + rel)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
