#!/usr/bin/env bash
# fxsnap benchmark harness (issue 6: Performance). One command:
#
#     scripts/bench.sh
#
# It builds fxsnap in release mode, generates (once) deterministic synthetic data
# with benches/gen_synthetic.py -- ten years of 5-minute snapshots of KGS, KZT, TJS,
# UZS and TMT against USD (5,256,000 observations) as CSV, and 3,000 ticker pages --
# then measures each figure of the issue beside its reference, in the same run:
#
#   1. bulk CSV ingest into a new database   vs  sqlite3 .import into a WITHOUT ROWID
#                                                table keyed by (source, pair,
#                                                timestamp): the key is the table  <= 1.0x
#   2. a cron run: one ticker page into the  vs  the sqlite3 CLI inserting the same
#      big database (a new day: 5 new rows;      five rows (INSERT / INSERT OR IGNORE)
#      and the same page again: duplicates)                                     <= 1.5x
#   3. chart -o out.png of the full range    vs  a one-day chart from the same db <= 3x
#                                            vs  gnuplot drawing the same five series
#                                                from a prepared data file       <= 0.1x
#      chart --ranges 7d,90d,2y,all (4 files)  vs  one chart of the whole range   <= 2x
#                                                (both up to the data's last day)
#   4. history --format csv of everything    vs  sqlite3 -csv selecting the same rows
#      (to /dev/null)                            (a: same order, so the same bytes;
#                                                b: key order, no sort)           <= 1.5x
#      (v2) 2c. a bank document (cbu, 75 rates, vs  the 5-rate ticker page's cron run    <= 1.5x
#      a new day each run) into the big database
#      (v2) 3d. chart --cross of ten years of  vs  the direct chart of the same source <= 2x
#      daily bank quotes (KGS/USD from nbk =       (USD/KZT from nbk)
#      KGS/KZT / USD/KZT)
#   5. bytes per observation on disk, indexes included (after a WAL checkpoint) <= 48
#   6. peak memory (max RSS) of every fxsnap run above                          <= 100 MiB
#   7. fetch of one NBK document from a     vs  curl -s URL | fxsnap ingest -     <= 1.3x
#      loopback server (benches/feed_server.py)  of the same document
#   8. a 365-day NBK backfill, fetch         vs  fxsnap ingest of the same 365
#      --delay 0 from the loopback server        documents from files             <= 1.5x
#
#   9. report -o DIR of the bundled data     vs  the same charts drawn by separate
#      (data/pages, data/history, data/feeds)   `chart` runs (one per SVG the report
#                                                holds, same size, range and pair) and
#                                                (v3) its data files by `latest` and
#                                                `history` runs: the same bytes, checked <= 1.0x
#
# BENCH_ONLY=fetch runs figures 7 and 8 alone (no synthetic data; needs curl, python3, sqlite3);
# BENCH_ONLY=report runs figure 9 alone (seconds; needs python3 and GNU time).
#  10. fxsnap serve (issue 19): /v1/latest?base=USD under wrk at 64 connections vs nginx
#      serving the same bytes as a static file (>= 0.5x its requests/s; p99 <= 20 ms); a 304
#      vs nginx's 304 (>= 0.8x); RSS with 1,000 idle keep-alive connections (<= 64 MiB);
#      RSS growth while a 26-year daily range streams (< 20 MiB); /metrics on the big store
#      (<= 20 ms, also the first scrape after a write); /chart.png vs the chart command
#      drawing the same picture (<= 1.2x); (v4) /api/latest?pair=all against /v1/latest in
#      the same run (>= 0.5x its requests/s). BENCH_ONLY=serve runs it alone on the bundled
#      data (no /metrics figure; BENCH_SERVE_DB=STORE gives one).
#      Needs wrk and nginx (Debian packages; scripts/test.sh installs them).
#
# and ends with a table: figure, fxsnap, reference, ratio, target, met / NOT met.
# Times are medians, and every fxsnap run is interleaved with its reference's
# (fxsnap, reference, fxsnap, ...) so that load from elsewhere on the machine hits
# both alike: long runs (ingest, history, gnuplot) under GNU time, short ones
# (cron runs, charts) with benches/interleave.py (posix_spawn, ns clock, warmup
# rounds; peak memory from one more run under GNU time). Run-by-run alternation
# matters: the cron figure is a few fsyncs, and a burst of another process's disk
# writes during only one side's runs (as with hyperfine, which does all the runs
# of one command, then the other's) turned a 1.2x into a 9x in a trial.
#
# Needs: cargo, python3, sqlite3, gnuplot, GNU time. Missing Debian packages
# (sqlite3 gnuplot-nox time) are installed with apt-get when running as root
# (set BENCH_NO_INSTALL=1 to refuse).
#
# Settings (environment):
#   BENCH_DIR=/tmp/fxsnap-bench  work folder, outside the repo. Generated data stays
#                                in $BENCH_DIR/data between runs (regenerated only when
#                                missing or when BENCH_YEARS/BENCH_PAGES change);
#                                databases and results are rebuilt on every run.
#   BENCH_RUNS=3                 runs of each long measurement (median reported)
#   BENCH_SHORT_RUNS=30          runs of each short measurement (after 3 warmup rounds)
#   BENCH_YEARS=10 BENCH_PAGES=3000   size of the synthetic data (10 -> 5,256,000 rows)
#   FXSNAP=/path/to/fxsnap       use this binary instead of building one
#   CARGO_TARGET_DIR             where cargo builds (default: the repo's target/)
#   BENCH_VERIFY=1               also check once that history's CSV equals sqlite3's bytes
#
# The machine should be otherwise idle; expect noise on a shared one.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
W=${BENCH_DIR:-/tmp/fxsnap-bench}
RUNS=${BENCH_RUNS:-3}
SHORT=${BENCH_SHORT_RUNS:-30}
WARM=3
YEARS=${BENCH_YEARS:-10}
PAGES=${BENCH_PAGES:-3000}
VERIFY=${BENCH_VERIFY:-1}
N=$((YEARS * 365 * 288 * 5))
DATA=$W/data
DB=$W/fx.db
REF=$W/ref.db
RES=$W/results
DAY=$(( 2016 + YEARS - 1 ))-06-15   # the one-day chart: a day inside the data
LAST=$(( 2016 + YEARS - 1 ))-12-31  # the data's last day: where --ranges counts back from

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
need_tools() {
    local missing=()
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v python3 >/dev/null || die "python3 is needed for the data generator"
    if [ ${#missing[@]} -gt 0 ]; then
        [ "${BENCH_NO_INSTALL:-0}" = 1 ] && die "missing: ${missing[*]} (BENCH_NO_INSTALL=1)"
        [ "$(id -u)" = 0 ] || die "missing: ${missing[*]}; install them (apt-get install -y ${missing[*]})"
        say "installing ${missing[*]}"
        apt-cache policy "${missing[@]}" | grep -q Candidate || apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# ---------------------------------------------------------------- timing helpers
# run_timed OUTFILE CMD... : one run under GNU time, appending "seconds max_rss_kib"
# to OUTFILE. Standard output goes to /dev/null.
run_timed() {
    local out=$1; shift
    local t; t=$(mktemp)
    if ! /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err"; then
        cat "$t.err" >&2; rm -f "$t" "$t.err"; die "failed: $*"
    fi
    tail -n 1 "$t" >>"$out"; rm -f "$t" "$t.err"
}
median_col() { # FILE COLUMN(1|2) -> median
    python3 - "$1" "$2" <<'EOF'
import sys, statistics
v = [float(l.split()[int(sys.argv[2]) - 1]) for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(v))
EOF
}
max_col() { awk -v c="$2" 'BEGIN{m=0} {if ($c+0>m) m=$c+0} END{print m}' "$1"; }
# interleaved JSON_NAME --name N --prepare P --cmd C ... : short runs, alternating
interleaved() {
    local out=$RES/$1.json; shift
    python3 "$REPO/benches/interleave.py" --runs "$SHORT" --warmup "$WARM" --json "$out" "$@"
}
rss_once() { # NAME CMD... : one more run, under GNU time, for peak memory (KiB in $RES/NAME.rss)
    local name=$1; shift
    : >"$RES/$name.rss.raw"
    run_timed "$RES/$name.rss.raw" "$@"
    max_col "$RES/$name.rss.raw" 2 >"$RES/$name.rss"
}
jget() { # JSON_NAME COMMAND_NAME FIELD
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$RES/$1.json" "$2" "$3"
}

# results table: one line per row, tab-separated
ROWS=$W/results/table.tsv
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }
fmt_s() { python3 -c 'import sys; v=float(sys.argv[1]); print(f"{v:.3f} s" if v>=1 else f"{v*1000:.1f} ms")' "$1"; }
ratio_row() { # FIGURE FX_SECONDS REF_SECONDS TARGET_MAX [REF_LABEL]
    local fig=$1 fx=$2 ref=$3 target=$4
    python3 - "$fig" "$fx" "$ref" "$target" >>"$ROWS" <<'EOF'
import sys
fig, fx, ref, target = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
f = lambda v: f"{v:.3f} s" if v >= 1 else f"{v*1000:.1f} ms"
r = fx / ref
print("\t".join([fig, f(fx), f(ref), f"{r:.2f}x", f"<= {target:g}x", "met" if r <= target else "NOT met"]))
EOF
}

mib() { python3 -c 'import sys; print(f"{int(sys.argv[1])/1024:.1f} MiB")' "$1"; }
rss_row() { # LABEL FX_KIB [REF_KIB]
    local ref="-"; [ -n "${3:-}" ] && ref=$(mib "$3")
    local met="met"; [ "$2" -gt $((100 * 1024)) ] && met="NOT met"
    row "6. peak RSS: $1" "$(mib "$2")" "$ref" "-" "<= 100 MiB" "$met"
}

# ---------------------------------------------------------------- 9. report
# The report of the bundled data against the same charts drawn one `chart` run
# each (the way a cron script would make them without `report`): the report
# also reads and writes its tables, the chart runs only draw.
report_figure() {
    say "9. report of the bundled data vs the same charts and data files by separate runs"
    local rdb=$W/bundled.db site=$W/report-site charts=$W/report-charts
    fresh "$rdb"
    "$FX" --db "$rdb" ingest -q "$REPO/data/pages" "$REPO/data/history/nbu-usd-cross.csv"
    if "$FX" --db "$rdb" ingest -q "$REPO/data/feeds" 2>/dev/null; then
        echo "  bundled data: pages, NBU history and the bank documents of data/feeds" >&2
    else
        echo "  bundled data: pages and NBU history (this build's ingest does not read the bank documents)" >&2
    fi
    rm -rf "$site" "$charts"; mkdir -p "$charts"
    "$FX" --db "$rdb" report -o "$site"
    # One chart run per SVG of the report: NAME is pair-range.svg; width and
    # height as the report draws them (src/report/charts.rs).
    local w h
    w=$(sed -n 's/^pub const CHART_WIDTH: u32 = \([0-9]*\);/\1/p' "$REPO/src/report/charts.rs")
    h=$(sed -n 's/^pub const CHART_HEIGHT: u32 = \([0-9]*\);/\1/p' "$REPO/src/report/charts.rs")
    : >"$W/charts.sh"
    local n=0 f base pair range from
    for f in "$site"/*.svg; do
        base=$(basename "$f" .svg); range=${base##*-}; pair=$(tr a-z A-Z <<<"${base%-*}" | tr - /)
        echo "$FX --db $rdb chart -o $charts/${base%-*}-{range}.svg --pair $pair --ranges $range --width $w --height $h" >>"$W/charts.sh"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || die "the report drew no chart"
    # (v3) and one run per data file the report holds: latest.csv, latest.json and
    # history-XXX-USD.csv, which is `history --pair XXX --format csv` (XXX/USD, a computed value
    # with its published quote).
    local d=0 cur
    for f in "$site"/latest.csv "$site"/latest.json; do
        [ -e "$f" ] || continue
        echo "$FX --db $rdb latest --format ${f##*.} >$charts/$(basename "$f")" >>"$W/charts.sh"
        d=$((d + 1))
    done
    for f in "$site"/history-*.csv; do
        [ -e "$f" ] || continue
        cur=$(basename "$f" .csv); cur=${cur#history-}; cur=${cur%%-*}
        echo "$FX --db $rdb history --pair $cur --format csv >$charts/$(basename "$f")" >>"$W/charts.sh"
        d=$((d + 1))
    done
    # The same charts: made at one fixed time, every SVG of the report and of its chart run is
    # the same bytes.
    local epoch; epoch=$(date +%s)
    SOURCE_DATE_EPOCH=$epoch "$FX" --db "$rdb" report -o "$site"
    SOURCE_DATE_EPOCH=$epoch sh -e "$W/charts.sh"
    for f in "$site"/*.svg "$site"/*.csv "$site"/*.json; do
        [ -e "$f" ] || continue
        cmp -s "$f" "$charts/$(basename "$f")" || die "$(basename "$f"): the report's file differs from the separate run's"
    done
    echo "  $n charts and $d data files, each the same bytes as its separate run's (SOURCE_DATE_EPOCH=$epoch); report folder $(du -sk "$site" | cut -f1) KiB" >&2
    interleaved report \
        --name report --prepare '' --cmd "$FX --db $rdb report -o $site" \
        --name charts --prepare '' --cmd "sh -e $W/charts.sh"
    jget report report median >"$RES/report.s"; jget report charts median >"$RES/report_charts.s"
    rss_once report "$FX" --db "$rdb" report -o "$site"
    ratio_row "9. report of the bundled data vs its $n charts and $d data files by separate runs" "$(cat "$RES/report.s")" "$(cat "$RES/report_charts.s")" 1.0
    rss_row "report of the bundled data" "$(cat "$RES/report.rss")"
}
# ---------------------------------------------------------------- 7, 8. fetch
# NBK documents for 365 days (the real 2026-04-01 document, re-dated), served by
# benches/feed_server.py on a free loopback port; every run into a new database.
fetch_figures() {
    command -v curl >/dev/null || die "curl is needed for the fetch figures"
    local feeds=$W/feeds srv_pid port n1 n2
    rm -rf "$feeds"; mkdir -p "$feeds/docs"
    python3 - "$REPO/tests/fixtures/feeds/nbk-2026-04-01.xml" "$feeds/docs" <<'PY'
import datetime, sys
src = open(sys.argv[1], "rb").read()
d = datetime.date(2025, 1, 1)
for _ in range(365):
    doc = src.replace(b"<date>01.04.2026</date>", d.strftime("<date>%d.%m.%Y</date>").encode())
    assert doc != src
    open(f"{sys.argv[2]}/nbk-{d.isoformat()}.xml", "wb").write(doc)
    d += datetime.timedelta(days=1)
PY
    python3 "$REPO/benches/feed_server.py" "$feeds/docs" "$feeds/port" &
    srv_pid=$!
    for _ in $(seq 100); do [ -s "$feeds/port" ] && break; sleep 0.05; done
    [ -s "$feeds/port" ] || die "the feed server did not start"
    port=$(cat "$feeds/port")
    export FXSNAP_NBK_ORIGIN=http://127.0.0.1:$port
    local url="$FXSNAP_NBK_ORIGIN/rss/get_rates.cfm?fdate=15.06.2025"
    curl -fsS "$url" | cmp -s - "$feeds/docs/nbk-2025-06-15.xml" || { kill $srv_pid; die "the feed server does not serve $url"; }

    say "7. one fetch vs curl | ingest - of the same document (interleaved, $SHORT runs each)"
    interleaved fetch1 \
        --name fetch --prepare "rm -f $feeds/f.db*" --cmd "$FX --db $feeds/f.db fetch -q nbk --date 2025-06-15 --delay 0" \
        --name curl --prepare "rm -f $feeds/c.db*" --cmd "sh -c 'curl -s \"$url\" | $FX --db $feeds/c.db ingest -q -'"
    n1=$(sqlite3 "$feeds/f.db" "SELECT count(*) FROM observation" 2>/dev/null || echo '?')
    n2=$(sqlite3 "$feeds/c.db" "SELECT count(*) FROM observation" 2>/dev/null || echo '?')
    echo "  rows stored: fetch $n1, curl | ingest $n2" >&2
    ratio_row "7. fetch one document vs curl | ingest -" "$(jget fetch1 fetch median)" "$(jget fetch1 curl median)" 1.3

    say "8. 365-day backfill, fetch --delay 0 vs ingest of the 365 files ($RUNS runs each, alternating)"
    : >"$RES/backfill.fx"; : >"$RES/backfill.ref"
    for i in $(seq "$RUNS"); do
        fresh "$feeds/b.db"
        run_timed "$RES/backfill.fx" "$FX" --db "$feeds/b.db" fetch -q nbk --from 2025-01-01 --to 2025-12-31 --delay 0
        fresh "$feeds/i.db"
        run_timed "$RES/backfill.ref" "$FX" --db "$feeds/i.db" ingest -q "$feeds/docs"
        printf '  run %d: fetch %s s, ingest %s s\n' "$i" "$(tail -1 "$RES/backfill.fx" | cut -d' ' -f1)" "$(tail -1 "$RES/backfill.ref" | cut -d' ' -f1)" >&2
    done
    n1=$(sqlite3 "$feeds/b.db" "SELECT count(*) FROM observation" 2>/dev/null || echo '?')
    n2=$(sqlite3 "$feeds/i.db" "SELECT count(*) FROM observation" 2>/dev/null || echo '?')
    echo "  rows stored: fetch $n1, ingest $n2" >&2
    ratio_row "8. 365-day backfill, fetch vs ingest of the files" "$(median_col "$RES/backfill.fx" 1)" "$(median_col "$RES/backfill.ref" 1)" 1.5
    kill $srv_pid 2>/dev/null || true
    unset FXSNAP_NBK_ORIGIN
}

# ---------------------------------------------------------------- 10. serve
# fxsnap serve under wrk (Debian's) on this machine, load generator and server
# sharing it: /v1/latest?base=USD at 64 connections against nginx serving the
# same bytes as a static file (and each one's 304), the RSS of 1,000 idle
# keep-alive connections, the RSS growth while a 26-year daily range streams,
# /metrics on the big store (and its first scrape after a write), /chart.png
# against the chart command drawing the same picture.
# serve_figures STORE: STORE is the big synthetic store (for /metrics), or
# empty to skip that figure (BENCH_ONLY=serve without the synthetic data).
serve_figures() {
    local big=${1:-}
    say "10. serve: wrk against nginx, idle connections, a streamed range, /metrics"
    command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
    local nginx; nginx=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$nginx" ] || die "nginx is needed (apt-get install nginx)"
    local sdb=$W/serve.db sw=$W/serve port nport
    fresh "$sdb"; rm -rf "$sw"; mkdir -p "$sw/static/v1" "$sw/cache"
    "$FX" --db "$sdb" ingest -q "$REPO/data/feeds" "$REPO/data/history/nbu-usd-cross.csv"
    # The bank documents are of April and May 2026: "now" is fixed after them, as in the tests.
    local epoch; epoch=$(date -u -d 2026-05-25T12:00:00Z +%s)
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    port=$(free_port)
    ulimit -n 4096 2>/dev/null || true
    SOURCE_DATE_EPOCH=$epoch "$FX" --db "$sdb" serve --listen "127.0.0.1:$port" >"$sw/serve.out" 2>"$sw/serve.err" &
    local spid=$!
    local base=http://127.0.0.1:$port
    for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fs "$base/healthz" >/dev/null || { kill $spid; die "fxsnap serve did not start: $(cat "$sw/serve.err")"; }
    local url="$base/v1/latest?base=USD"
    curl -fs "$url" >"$sw/static/v1/latest" || { kill $spid; die "no answer from $url"; }
    # The ETag of the request wrk sends: its tag names the Accept header too
    # (a format can be chosen by it), and wrk sends none where curl sends
    # `*/*`, so curl is told to send none; with curl's tag every "304" was a 200.
    local etag; etag=$(curl -fsI -H 'Accept:' "$url" | tr -d '\r' | sed -n 's/^etag: //Ip')
    # nginx serving those bytes as a static file, with its own ETag for the 304.
    nport=$(free_port)
    cat >"$sw/nginx.conf" <<EOF
daemon off; master_process on; worker_processes 1; pid $sw/nginx.pid; error_log $sw/nginx.err warn;
events { worker_connections 4096; }
http {
  access_log off; client_body_temp_path $sw/b; proxy_temp_path $sw/p; fastcgi_temp_path $sw/f; uwsgi_temp_path $sw/u; scgi_temp_path $sw/s;
  server { listen 127.0.0.1:$nport; root $sw/static; default_type application/json; }
}
EOF
    "$nginx" -c "$sw/nginx.conf" -p "$sw" 2>"$sw/nginx.start.err" &
    local npid=$!
    local nurl=http://127.0.0.1:$nport/v1/latest
    for _ in $(seq 100); do curl -fs "$nurl" >/dev/null 2>&1 && break; sleep 0.1; done
    cmp -s <(curl -fs "$nurl") "$sw/static/v1/latest" || { kill $spid $npid; die "nginx does not serve the same bytes"; }
    local netag; netag=$(curl -fsI "$nurl" | tr -d '\r' | sed -n 's/^etag: //Ip')
    # wrk_run NAME URL [HEADER]: requests/s and p99 (ms) into $RES/NAME.wrk; fxsnap and nginx alternate.
    wrk_run() {
        local name=$1 u=$2; shift 2
        wrk -t2 -c64 -d"${BENCH_WRK_SECONDS:-10}"s --latency "$@" "$u" >"$RES/$name.wrk.txt"
        python3 - "$RES/$name.wrk.txt" >>"$RES/$name.wrk" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
n = re.search(r"(\d+) requests in [^,]+, ([\d.]+)([KMGT]?B) read", t)
read = float(n.group(2)) * {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}[n.group(3)]
# the bytes per response (head and body): tells a 304 from a 200
print(rps, p99, int(bad.group(1)) if bad else 0, sum(map(int, errs.groups())) if errs else 0, read / max(int(n.group(1)), 1))
PY
    }
    : >"$RES/s200.wrk"; : >"$RES/n200.wrk"; : >"$RES/s304.wrk"; : >"$RES/n304.wrk"
    for _ in $(seq "$RUNS"); do
        wrk_run s200 "$url"; wrk_run n200 "$nurl"
        wrk_run s304 "$url" -H "If-None-Match: $etag"; wrk_run n304 "$nurl" -H "If-None-Match: $netag"
    done
    local s200 n200 s304 n304 p99
    s200=$(median_col "$RES/s200.wrk" 1); n200=$(median_col "$RES/n200.wrk" 1)
    s304=$(median_col "$RES/s304.wrk" 1); n304=$(median_col "$RES/n304.wrk" 1)
    p99=$(median_col "$RES/s200.wrk" 2)
    awk '$3 > 0 || $4 > 0 { bad = 1 } END { exit bad }' "$RES/s200.wrk" "$RES/s304.wrk" \
        || echo "  WARNING: fxsnap answered some wrk requests with an error or a socket error (see $RES/s*.wrk.txt)" >&2
    # A 304 is its head alone: a "304" run whose responses are as large as a 200's measured 200s.
    local b200 b304; b200=$(median_col "$RES/s200.wrk" 5); b304=$(median_col "$RES/s304.wrk" 5)
    python3 -c "import sys; sys.exit(not $b304 < $b200 / 2)" \
        || { kill $spid $npid; die "the If-None-Match runs were not answered 304 ($b304 bytes a response, a 200 is $b200)"; }
    # Higher is better here: the ratio is nginx's rate over fxsnap's, so <= 2x means >= 0.5x of nginx.
    ratio_row "10a. /v1/latest?base=USD, 64 conns: nginx req/s over fxsnap's" "$(python3 -c "print(1/$s200)")" "$(python3 -c "print(1/$n200)")" 2 "nginx static"
    row "10a. (requests per second)" "$(printf %.0f "$s200")/s" "$(printf %.0f "$n200")/s nginx" "-" ">= 0.5x" "(info)"
    python3 - "$p99" >>"$ROWS" <<'PY'
import sys
p = float(sys.argv[1]); print("\t".join(["10b. /v1/latest p99 at 64 connections", f"{p:.2f} ms", "-", "-", "<= 20 ms", "met" if p <= 20 else "NOT met"]))
PY
    ratio_row "10c. a 304, 64 conns: nginx's 304 req/s over fxsnap's" "$(python3 -c "print(1/$s304)")" "$(python3 -c "print(1/$n304)")" 1.25 "nginx 304"
    row "10c. (304s per second)" "$(printf %.0f "$s304")/s" "$(printf %.0f "$n304")/s nginx" "-" ">= 0.8x" "(info)"
    # 10h (v4): an /api/ answer is kept per store state (and per 5-minute window) as the
    # Frankfurter answers are: /api/latest?pair=all against /v1/latest in the same run.
    local api="$base/api/latest?pair=all"
    curl -fs "$api" >/dev/null || { kill $spid $npid; die "no answer from $api"; }
    : >"$RES/sapi.wrk"
    for _ in $(seq "$RUNS"); do wrk_run sapi "$api"; done
    local sapi; sapi=$(median_col "$RES/sapi.wrk" 1)
    awk '$3 > 0 || $4 > 0 { bad = 1 } END { exit bad }' "$RES/sapi.wrk" \
        || echo "  WARNING: fxsnap answered some /api/ requests with an error or a socket error (see $RES/sapi.wrk.txt)" >&2
    ratio_row "10h. /api/latest?pair=all, 64 conns: /v1/latest's req/s over /api/'s" "$(python3 -c "print(1/$sapi)")" "$(python3 -c "print(1/$s200)")" 2 "/v1/latest"
    row "10h. (requests per second)" "$(printf %.0f "$sapi")/s" "$(printf %.0f "$s200")/s /v1/latest" "-" ">= 0.5x" "(info)"
    kill "$npid" 2>/dev/null; wait "$npid" 2>/dev/null || true

    # 1,000 idle keep-alive connections: the server's whole RSS while they are open.
    python3 - "$port" "$spid" >"$RES/idle.kib" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1])
conns = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); conns.append(s)
for s in conns:
    s.settimeout(10); got = b""
    while b"ok\n" not in got: got += s.recv(4096)
time.sleep(1)
print(rss())
PY
    local idle; idle=$(cat "$RES/idle.kib")
    row "10d. RSS with 1,000 idle keep-alive connections (in all)" "$(mib "$idle")" "-" "-" "<= 64 MiB" "$([ "$idle" -le $((64 * 1024)) ] && echo met || echo 'NOT met')"

    # A 26-year daily range streamed (NBU's history, v2 rows): the RSS it adds.
    local before after
    before=$(awk '/^VmRSS:/ {print $2}' "/proc/$spid/status")
    curl -fs -o "$sw/range.json" "$base/v2/rates?base=USD&from=2000-01-01&to=2025-12-31&providers=NBU" || echo "  WARNING: the 26-year range failed" >&2
    after=$(awk '/^VmHWM:/ {print $2}' "/proc/$spid/status")
    local grew=$(( after > before ? after - before : 0 ))
    row "10e. RSS growth streaming 26 years daily ($(wc -c 2>/dev/null <"$sw/range.json" || echo 0) bytes)" "$(mib "$grew")" "-" "-" "< 20 MiB" "$([ "$grew" -lt $((20 * 1024)) ] && echo met || echo 'NOT met')"

    # /chart.png against `fxsnap chart` drawing the same picture (same store, options and time),
    # each the median of short runs: curl's total time against the command's wall time.
    local cq="pair=KZT,UZS&from=2000-01-01&width=1200&height=700"
    local cargs=(--db "$sdb" chart --pair KZT,UZS --from 2000-01-01 --width 1200 --height 700 -o "$sw/cli.png")
    curl -fs -o "$sw/served.png" "$base/chart.png?$cq" || echo "  WARNING: /chart.png failed" >&2
    SOURCE_DATE_EPOCH=$epoch "$FX" "${cargs[@]}" || echo "  WARNING: fxsnap chart failed" >&2
    cmp -s "$sw/served.png" "$sw/cli.png" || echo "  WARNING: /chart.png is not fxsnap chart's picture" >&2
    : >"$RES/chart_http.s"; : >"$RES/chart_cli.s"
    for _ in $(seq "$SHORT"); do
        curl -fs -o /dev/null -w '%{time_total}\n' "$base/chart.png?$cq" >>"$RES/chart_http.s"
        SOURCE_DATE_EPOCH=$epoch python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); print(time.perf_counter() - t)' "$FX" "${cargs[@]}" >>"$RES/chart_cli.s"
    done
    ratio_row "10g. /chart.png vs fxsnap chart, the same picture" "$(median_col "$RES/chart_http.s" 1)" "$(median_col "$RES/chart_cli.s" 1)" 1.2
    kill -TERM "$spid"; wait "$spid" || true

    # /metrics on the big store (after a first scrape, which reads the figures the stamp then keeps).
    if [ -n "$big" ]; then
        port=$(free_port)
        "$FX" --db "$big" serve --listen "127.0.0.1:$port" >/dev/null 2>"$sw/big.err" &
        spid=$!
        for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
        curl -fs -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >"$RES/metrics_first.s"
        : >"$RES/metrics.s"
        for _ in $(seq "$SHORT"); do curl -fs -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >>"$RES/metrics.s"; done
        local m; m=$(median_col "$RES/metrics.s" 1)
        python3 - "$m" "$(cat "$RES/metrics_first.s")" >>"$ROWS" <<'PY'
import sys
m, first = float(sys.argv[1]) * 1000, float(sys.argv[2]) * 1000
print("\t".join(["10f. /metrics on the big store", f"{m:.1f} ms", f"first scrape {first:.0f} ms", "-", "<= 20 ms", "met" if m <= 20 else "NOT met"]))
PY
        # The first scrape after a write (the synthetic store only: it gets one more input),
        # 2 s later: the server reads the figures ahead once a second.
        if [ "$big" = "$DB" ]; then
            printf 'timestamp,pair,rate,source\n2026-01-01,USD/KZT,500,benchwrite\n' >"$sw/write.csv"
            "$FX" --db "$big" ingest -q "$sw/write.csv"
            sleep 2
            curl -fs -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >"$RES/metrics_after_write.s"
            python3 - "$(cat "$RES/metrics_after_write.s")" >>"$ROWS" <<'PY'
import sys
m = float(sys.argv[1]) * 1000
print("\t".join(["10f. /metrics, first scrape 2 s after a write", f"{m:.1f} ms", "-", "-", "<= 20 ms", "met" if m <= 20 else "NOT met"]))
PY
        fi
        kill -TERM "$spid"; wait "$spid" || true
    fi
}

print_table() {
    {
        echo
        cat "$RES/header.txt"
        echo
        sort -s -t$'\t' -k1,1n "$ROWS" | awk -F'\t' '
            BEGIN { printf "%-62s %12s %26s %8s %11s  %s\n", "figure", "fxsnap", "reference", "ratio", "target", "result";
                    printf "%-62s %12s %26s %8s %11s  %s\n", "------", "------", "---------", "-----", "------", "------" }
            { printf "%-62s %12s %26s %8s %11s  %s\n", $1, $2, $3, $4, $5, $6 }'
    } | tee "$RES/summary.txt"
    echo >&2
    echo "(raw measurements in $RES)" >&2
}

# ---------------------------------------------------------------- setup
ONLY=${BENCH_ONLY:-}
if [ "$ONLY" = fetch ]; then
    command -v python3 >/dev/null || die "python3 is needed"
    command -v sqlite3 >/dev/null || die "sqlite3 is needed"
elif [ "$ONLY" = report ] || [ "$ONLY" = serve ]; then
    command -v python3 >/dev/null || die "python3 is needed"
    [ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"
else
    need_tools
fi
mkdir -p "$W" "$RES"
rm -f "$RES"/* ; : >"$ROWS"

if [ -n "${FXSNAP:-}" ]; then
    FX=$FXSNAP
else
    say "building fxsnap (release)"
    (cd "$REPO" && cargo build --release --quiet)
    FX=${CARGO_TARGET_DIR:-$REPO/target}/release/fxsnap
fi
[ -x "$FX" ] || die "no fxsnap binary at $FX"

fresh() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

if [ "$ONLY" = fetch ]; then
    {
        echo "fxsnap benchmark (fetch figures)  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit   $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
        echo "machine  $(nproc) cpu, $(uname -sr); $(curl --version | head -1 | cut -d' ' -f1-2), $(python3 --version)"
        echo "runs     $RUNS long, $SHORT short (+$WARM warmup rounds); medians; interleaved"
    } | tee "$RES/header.txt" >&2
    fetch_figures
    print_table
    exit 0
fi
if [ "$ONLY" = serve ]; then
    {
        echo "fxsnap benchmark (serve figures)  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit   $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
        echo "machine  $(nproc) cpu, $(uname -sr); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
        echo "runs     $RUNS wrk runs of ${BENCH_WRK_SECONDS:-10} s each (medians), alternating fxsnap and nginx"
    } | tee "$RES/header.txt" >&2
    serve_figures "${BENCH_SERVE_DB:-}"
    print_table
    exit 0
fi
if [ "$ONLY" = report ]; then
    {
        echo "fxsnap benchmark (report figure)  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit   $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
        echo "machine  $(nproc) cpu, $(uname -sr), $(python3 --version)"
        echo "runs     $SHORT short (+$WARM warmup rounds); medians; interleaved"
    } | tee "$RES/header.txt" >&2
    report_figure
    print_table
    exit 0
fi

if ! grep -qs "years=$YEARS pages=$PAGES " "$DATA/DONE"; then
    say "generating synthetic data in $DATA (once)"
    rm -rf "$DATA"
    /usr/bin/time -f 'generated in %e s' python3 "$REPO/benches/gen_synthetic.py" "$DATA" --years "$YEARS" --pages "$PAGES"
fi
CSV=$DATA/synthetic.csv
[ "$(($(wc -l <"$CSV") - 1))" = "$N" ] || die "$CSV does not hold $N observations"

cat >"$W/import.sql" <<EOF
CREATE TABLE obs(timestamp TEXT, pair TEXT, rate TEXT, change_pct TEXT, source TEXT, PRIMARY KEY(source, pair, timestamp)) WITHOUT ROWID;
.mode csv
.import --skip 1 $CSV obs
EOF

{
    echo "fxsnap benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    if [ -n "${FXSNAP:-}" ]; then
        echo "binary   $FX (given by FXSNAP)"
    else
        echo "commit   $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet -- src schema.sql 2>/dev/null || echo ' (+ uncommitted changes in src/)')"
    fi
    echo "machine  $(nproc) cpu, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "tools    $(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 /'), $(gnuplot --version), $(python3 --version)"
    echo "data     $N observations ($YEARS years x 365 d x 288 x 5 pairs), $PAGES pages, in $DATA"
    echo "runs     $RUNS long, $SHORT short (+$WARM warmup rounds); medians; fxsnap and reference interleaved"
} | tee "$RES/header.txt" >&2

# ---------------------------------------------------------------- 1. bulk ingest
say "1. bulk CSV ingest of $N observations (fxsnap and sqlite3 .import alternate, $RUNS runs each)"
: >"$RES/ingest.fx"; : >"$RES/ingest.ref"
for i in $(seq "$RUNS"); do
    fresh "$DB"; sync
    run_timed "$RES/ingest.fx" "$FX" --db "$DB" ingest -q "$CSV"
    fresh "$REF"; sync
    run_timed "$RES/ingest.ref" sqlite3 "$REF" ".read $W/import.sql"
    printf '  run %d: fxsnap %s s, sqlite3 %s s\n' "$i" "$(tail -1 "$RES/ingest.fx" | cut -d' ' -f1)" "$(tail -1 "$RES/ingest.ref" | cut -d' ' -f1)" >&2
done
ratio_row "1. bulk ingest ($N rows) vs sqlite3 .import" "$(median_col "$RES/ingest.fx" 1)" "$(median_col "$RES/ingest.ref" 1)" 1.0
max_col "$RES/ingest.fx" 2 >"$RES/ingest.fx.rss"; max_col "$RES/ingest.ref" 2 >"$RES/ingest.ref.rss"

# ---------------------------------------------------------------- 5. size
say "5. bytes per observation"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
count=$(sqlite3 "$DB" "SELECT count(*) FROM observation")
[ "$count" = "$N" ] || die "fxsnap stored $count observations, expected $N"
fxbytes=$(stat -c %s "$DB"); refbytes=$(stat -c %s "$REF")
python3 - "$fxbytes" "$refbytes" "$N" >>"$ROWS" <<'EOF'
import sys
fx, ref, n = (int(a) for a in sys.argv[1:])
b = fx / n
print("\t".join(["5. bytes per observation (file / rows)", f"{b:.1f} B", f"{ref/n:.1f} B (sqlite3 table)", f"{fx/ref:.2f}x", "<= 48 B", "met" if b <= 48 else "NOT met"]))
EOF
{
    echo "  fxsnap db $fxbytes bytes, reference db $refbytes bytes; fxsnap by table/index (dbstat):"
    sqlite3 "$DB" "SELECT printf('    %-28s %12d bytes %6.1f B/obs', name, sum(pgsize), sum(pgsize)*1.0/$N) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC" 2>/dev/null || true
} | tee "$RES/size.txt" >&2

# ---------------------------------------------------------------- 4. history
say "4. history --format csv of everything vs sqlite3 -csv ($RUNS runs each, alternating)"
# (v4) fxsnap's CSV ends with `quoted`, empty for a rate shown as published (every row here: the
# pages quote XXX/USD, the direction history shows).
SEL="SELECT timestamp, pair, rate, change_pct, source, '' AS quoted FROM obs"
: >"$RES/hist.fx"; : >"$RES/hist.ref"; : >"$RES/hist.refscan"
for i in $(seq "$RUNS"); do
    run_timed "$RES/hist.fx" "$FX" --db "$DB" history --format csv
    run_timed "$RES/hist.ref" sqlite3 -csv -header "$REF" "$SEL ORDER BY timestamp, pair"
    run_timed "$RES/hist.refscan" sqlite3 -csv -header "$REF" "$SEL"
    printf '  run %d: fxsnap %s s, sqlite3 ordered %s s, sqlite3 key order %s s\n' "$i" \
        "$(tail -1 "$RES/hist.fx" | cut -d' ' -f1)" "$(tail -1 "$RES/hist.ref" | cut -d' ' -f1)" "$(tail -1 "$RES/hist.refscan" | cut -d' ' -f1)" >&2
done
ratio_row "4a. history csv vs sqlite3 -csv, same order (time, pair)" "$(median_col "$RES/hist.fx" 1)" "$(median_col "$RES/hist.ref" 1)" 1.5
ratio_row "4b. history csv vs sqlite3 -csv, key order (no sort)" "$(median_col "$RES/hist.fx" 1)" "$(median_col "$RES/hist.refscan" 1)" 1.5
max_col "$RES/hist.fx" 2 >"$RES/hist.fx.rss"; max_col "$RES/hist.ref" 2 >"$RES/hist.ref.rss"
if [ "$VERIFY" = 1 ]; then
    if cmp -s <("$FX" --db "$DB" history --format csv | tr -d '\r') <(sqlite3 -csv -header "$REF" "$SEL ORDER BY timestamp, pair" | tr -d '\r'); then
        echo "  check: fxsnap's CSV and sqlite3's ordered CSV are the same bytes (and the same as the input)" >&2
    else
        echo "  check: WARNING: fxsnap's CSV differs from sqlite3's ordered CSV" | tee "$RES/verify.txt" >&2
    fi
fi

# ---------------------------------------------------------------- 3. charts
say "3. charts"
chart_ok=1
if ! out=$("$FX" --db "$DB" chart -o "$W/probe.png" --from "$DAY" --to "$DAY" 2>&1); then
    chart_ok=0
    if grep -qi "not available" <<<"$out"; then
        msg="skipped: fxsnap chart is not available yet ($out)"
    else
        msg="skipped: fxsnap chart failed: $out"
    fi
    echo "  $msg" >&2
    row "3a. full-range chart vs one-day chart" "-" "-" "-" "<= 3x" "$msg"
    row "3b. full-range chart vs gnuplot" "-" "-" "-" "<= 0.1x" "skipped"
fi
if [ $chart_ok = 1 ]; then
    interleaved chart \
        --name full --prepare '' --cmd "$FX --db $DB chart -o $W/full.png" \
        --name day --prepare '' --cmd "$FX --db $DB chart -o $W/day.png --from $DAY --to $DAY"
    jget chart full median >"$RES/chart_full.s"; jget chart day median >"$RES/chart_day.s"
    rss_once chart_full "$FX" --db "$DB" chart -o "$W/full.png"
    rss_once chart_day "$FX" --db "$DB" chart -o "$W/day.png" --from "$DAY" --to "$DAY"
    # gnuplot: the same five series, one panel each, same size, from a prepared file.
    cat >"$W/chart.gp" <<EOF
set terminal pngcairo size 1200,900
set output '$W/gnuplot.png'
set xdata time
set timefmt '%s'
set format x '%Y'
set multiplot layout 5,1
set key off
EOF
    col=2
    for p in KGS/USD KZT/USD TJS/USD UZS/USD TMT/USD; do
        echo "set title '$p'; plot '$DATA/gnuplot.dat' using 1:$col with lines" >>"$W/chart.gp"
        col=$((col + 1))
    done
    echo "unset multiplot" >>"$W/chart.gp"
    : >"$RES/gnuplot"
    for i in $(seq "$RUNS"); do run_timed "$RES/gnuplot" gnuplot "$W/chart.gp"; done
    echo "  gnuplot runs: $(cut -d' ' -f1 "$RES/gnuplot" | tr '\n' ' ')s" >&2
    ratio_row "3a. full-range chart vs one-day chart" "$(cat "$RES/chart_full.s")" "$(cat "$RES/chart_day.s")" 3
    ratio_row "3b. full-range chart vs gnuplot (same 5 series)" "$(cat "$RES/chart_full.s")" "$(median_col "$RES/gnuplot" 1)" 0.1
    # four ranges in one run (one read transaction) against one chart of the whole range
    interleaved ranges \
        --name ranges --prepare '' --cmd "$FX --db $DB chart -o $W/r-{range}.png --ranges 7d,90d,2y,all --to $LAST" \
        --name one --prepare '' --cmd "$FX --db $DB chart -o $W/one.png --to $LAST"
    for r in 7d 90d 2y all; do [ -s "$W/r-$r.png" ] || die "--ranges did not write r-$r.png"; done
    jget ranges ranges median >"$RES/chart_ranges.s"; jget ranges one median >"$RES/chart_one.s"
    rss_once chart_ranges "$FX" --db "$DB" chart -o "$W/r-{range}.png" --ranges 7d,90d,2y,all --to "$LAST"
    ratio_row "3c. chart --ranges 7d,90d,2y,all (4 files) vs one chart" "$(cat "$RES/chart_ranges.s")" "$(cat "$RES/chart_one.s")" 2
fi

# ---------------------------------------------------------------- 2. cron run
say "2. a cron run: one page into the big database vs the sqlite3 CLI, same five rows"
# Each timed run gets the next page (a new day after the data: 5 real inserts),
# copied to a fixed name by an untimed prepare step; the reference gets the
# same five rows as one INSERT.
echo 0 >"$W/fx.counter"; echo 0 >"$W/ref.counter"
next_fx="n=\$((\$(cat $W/fx.counter)+1)); echo \$n >$W/fx.counter; cp $DATA/pages/page-\$(printf %05d \$n).txt $W/cur-page.txt"
next_ref="n=\$((\$(cat $W/ref.counter)+1)); echo \$n >$W/ref.counter; cp $DATA/pages-sql/page-\$(printf %05d \$n).sql $W/cur.sql"
[ $((SHORT + WARM + 1)) -le "$PAGES" ] || die "BENCH_SHORT_RUNS too large for $PAGES pages"
interleaved cron \
    --name fxsnap --prepare "$next_fx" --cmd "$FX --db $DB ingest -q $W/cur-page.txt" \
    --name sqlite3 --prepare "$next_ref" --cmd "sqlite3 $REF '.read $W/cur.sql'"
jget cron fxsnap median >"$RES/cron_fx.s"; jget cron sqlite3 median >"$RES/cron_ref.s"
sh -c "$next_fx"; rss_once cron_fx "$FX" --db "$DB" ingest -q "$W/cur-page.txt"
sh -c "$next_ref"; rss_once cron_ref sqlite3 "$REF" ".read $W/cur.sql"
# the same page again: five duplicates (page 1 went in above)
sed 's/^INSERT INTO/INSERT OR IGNORE INTO/' "$DATA/pages-sql/page-00001.sql" >"$W/dup.sql"
interleaved dup \
    --name fxsnap --prepare '' --cmd "$FX --db $DB ingest -q $DATA/pages/page-00001.txt" \
    --name sqlite3 --prepare '' --cmd "sqlite3 $REF '.read $W/dup.sql'"
jget dup fxsnap median >"$RES/dup_fx.s"; jget dup sqlite3 median >"$RES/dup_ref.s"
rss_once dup_fx "$FX" --db "$DB" ingest -q "$DATA/pages/page-00001.txt"
rss_once dup_ref sqlite3 "$REF" ".read $W/dup.sql"
got=$(sqlite3 "$DB" "SELECT count(*) FROM observation")
want=$(sqlite3 "$REF" "SELECT count(*) FROM obs")
[ "$got" = "$want" ] || echo "  WARNING: after the cron runs fxsnap holds $got rows, the reference $want" >&2
ratio_row "2a. cron run, new day (5 inserts) vs sqlite3 INSERT" "$(cat "$RES/cron_fx.s")" "$(cat "$RES/cron_ref.s")" 1.5
ratio_row "2b. cron run, same page (5 duplicates) vs INSERT OR IGNORE" "$(cat "$RES/dup_fx.s")" "$(cat "$RES/dup_ref.s")" 1.5

# ---------------------------------------------------------------- 2c. a bank document
say "2c. a bank document (cbu, 75 rates) into the big database vs the ticker page's cron run"
# Each run gets cbu's real document (tests/fixtures/feeds) dated the next day
# after the last used: 75 new rows, as a daily fetch brings.
mkdir -p "$W/cbu"
for n in $(seq 1 $((SHORT + WARM + 2))); do
    d=$(date -u -d "2026-04-03 + $n days" +%d.%m.%Y)
    sed "s/\"Date\":\"03.04.2026\"/\"Date\":\"$d\"/g" "$REPO/tests/fixtures/feeds/cbu-2026-04-03.json" >"$W/cbu/cbu-$(printf %05d "$n").json"
done
echo 0 >"$W/cbu.counter"
next_cbu="n=\$((\$(cat $W/cbu.counter)+1)); echo \$n >$W/cbu.counter; cp $W/cbu/cbu-\$(printf %05d \$n).json $W/cur-cbu.json"
interleaved bank \
    --name bank --prepare "$next_cbu" --cmd "$FX --db $DB ingest -q $W/cur-cbu.json" \
    --name page --prepare "$next_fx" --cmd "$FX --db $DB ingest -q $W/cur-page.txt"
jget bank bank median >"$RES/bank_fx.s"; jget bank page median >"$RES/bank_page.s"
sh -c "$next_cbu"; rss_once bank_fx "$FX" --db "$DB" ingest -q "$W/cur-cbu.json"
ratio_row "2c. cron run: a 75-rate bank document vs a 5-rate ticker page" "$(cat "$RES/bank_fx.s")" "$(cat "$RES/bank_page.s")" 1.5 "fxsnap, ticker page"

# ---------------------------------------------------------------- 3d. cross chart
if [ $chart_ok = 1 ]; then
    say "3d. chart --cross of ten years of daily bank quotes vs the direct chart"
    XDB=$W/cross.db
    fresh "$XDB"
    python3 - "$W/nbk-daily.csv" <<'PY'
import datetime, sys
# Ten years of daily nbk quotes: USD/KZT and KGS/KZT, a deterministic walk.
out = open(sys.argv[1], "w")
out.write("timestamp,pair,rate,source\n")
usd, kgs, x = 180.0, 2.5, 7
d = datetime.date(2015, 1, 1)
for _ in range(3653):
    x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
    usd *= 1 + ((x >> 33) / 2**31 - 0.5) * 0.01
    kgs *= 1 + ((x >> 13 & 0xFFFFF) / 2**20 - 0.5) * 0.01
    out.write(f"{d.isoformat()},USD/KZT,{usd:.2f},nbk\n{d.isoformat()},KGS/KZT,{kgs:.2f},nbk\n")
    d += datetime.timedelta(days=1)
PY
    "$FX" --db "$XDB" ingest -q "$W/nbk-daily.csv"
    interleaved cross \
        --name cross --prepare '' --cmd "$FX --db $XDB chart -o $W/cross.png --pair KGS --source nbk --cross --to 2025-01-01" \
        --name direct --prepare '' --cmd "$FX --db $XDB chart -o $W/direct.png --pair KZT --source nbk --to 2025-01-01"
    jget cross cross median >"$RES/cross_fx.s"; jget cross direct median >"$RES/cross_direct.s"
    rss_once chart_cross "$FX" --db "$XDB" chart -o "$W/cross.png" --pair KGS --source nbk --cross --to 2025-01-01
    ratio_row "3d. chart --cross, 10 years daily (via KZT) vs the direct chart" "$(cat "$RES/cross_fx.s")" "$(cat "$RES/cross_direct.s")" 2 "fxsnap, direct"
fi

# ---------------------------------------------------------------- 6. memory
rss_row "ingest CSV" "$(cat "$RES/ingest.fx.rss")" "$(cat "$RES/ingest.ref.rss")"
rss_row "cron run, new day" "$(cat "$RES/cron_fx.rss")" "$(cat "$RES/cron_ref.rss")"
rss_row "cron run, duplicates" "$(cat "$RES/dup_fx.rss")" "$(cat "$RES/dup_ref.rss")"
rss_row "cron run, a bank document" "$(cat "$RES/bank_fx.rss")"
if [ $chart_ok = 1 ]; then
    rss_row "chart, full range" "$(cat "$RES/chart_full.rss")"
    rss_row "chart, one day" "$(cat "$RES/chart_day.rss")"
    rss_row "chart --ranges (4 files)" "$(cat "$RES/chart_ranges.rss")"
    rss_row "chart --cross, 10 years daily" "$(cat "$RES/chart_cross.rss")"
    row "6. peak RSS: (gnuplot, the chart reference)" "-" "$(mib "$(max_col "$RES/gnuplot" 2)")" "-" "-" "(info)"
fi
rss_row "history csv" "$(cat "$RES/hist.fx.rss")" "$(cat "$RES/hist.ref.rss")"

# ---------------------------------------------------------------- 7, 8. fetch
fetch_figures

# ---------------------------------------------------------------- 9. report
report_figure

# ---------------------------------------------------------------- 10. serve
serve_figures "$DB"

# ---------------------------------------------------------------- table
print_table
