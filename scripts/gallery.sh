#!/usr/bin/env bash
# The chart gallery (docs/gallery/) and the README picture (docs/rates.png), from the bundled
# data, with one command:
#
#     scripts/gallery.sh
#
# Every picture is reproducible byte for byte: SOURCE_DATE_EPOCH (default: the time of the
# last commit that changed data/) fixes the time the charts say they were made, which is also
# where their time axes end, so a feed that stopped shows as the gap it is.
#
# The bundled data (data/pages: the timesca ticker 2024-2026; data/history: NBU cross rates
# 1996-2022) has no day with both sources, so --vs has nothing to compare there: vs.png is
# drawn from a small constructed CSV written below, and its title says so.
#
# Env: FXSNAP=/path/to/fxsnap (else a release build), SOURCE_DATE_EPOCH, OUT (docs/gallery).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/docs/gallery}"
if [ -z "${FXSNAP:-}" ]; then
    (cd "$root" && cargo build --release --quiet)
    FXSNAP="${CARGO_TARGET_DIR:-$root/target}/release/fxsnap"
fi
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct -- data)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/fxsnap-gallery.XXXXXX")"
trap 'rm -rf "$work"' EXIT
db="$work/rates.db"
mkdir -p "$out"

"$FXSNAP" --db "$db" ingest -q "$root/data/pages" "$root/data/history" "$root/data/feeds"
chart() { local name="$1"; shift; "$FXSNAP" --db "$db" chart -o "$out/$name" "$@"; echo "  $out/$name" >&2; }

echo "charts made at $(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M UTC'):" >&2
chart default.png
chart log.png --log
chart index.png --index
chart invert.png --invert
chart dark.png --theme dark
chart small.png --width 400 --height 300 --pair KGS

# --vs: two sources on the same days. Constructed: the ticker at 0.3% to 1.1% above an
# official rate of KZT/USD over 60 days (not real rates).
vsdb="$work/vs.db"
python3 - "$work/vs.csv" <<'PY'
import datetime, math, sys
with open(sys.argv[1], "w") as f:
    f.write("timestamp,pair,rate,source\n")
    for d in range(60):
        day = (datetime.date(2026, 1, 1) + datetime.timedelta(days=d)).isoformat()
        official = 0.0019500 * (1 + 0.0004 * d) * (1 + 0.004 * math.sin(d / 5))
        ticker = official * (1.007 + 0.004 * math.sin(d / 3))
        if d % 7 != 6:
            f.write(f"{day}T06:00:00Z,KZT/USD,{official:.7f},nbk\n")
        if d % 11 != 4:
            f.write(f"{day}T12:00:00Z,KZT/USD,{ticker:.5f},timesca\n")
PY
"$FXSNAP" --db "$vsdb" ingest -q "$work/vs.csv"
"$FXSNAP" --db "$vsdb" chart -o "$out/vs.png" --vs nbk --to 2026-03-02 --title="fxsnap chart --vs nbk, on constructed data (not real rates)"
echo "  $out/vs.png" >&2

# The README picture: the quick-start command's chart (not with OUT set elsewhere).
if [ -z "${OUT:-}" ]; then
    "$FXSNAP" --db "$db" chart -o "$root/docs/rates.png"
    echo "  $root/docs/rates.png" >&2
fi
