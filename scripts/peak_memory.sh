#!/usr/bin/env bash
# Peak memory (and time) of fxsnap on inputs of hundreds of megabytes: the
# figures of issue 5 "Bounded memory". Not part of CI (it takes a few minutes
# and ~2 GB of temporary disk).
#
#   scripts/peak_memory.sh [MB]      # input size, default 300
#   CHART_ONLY=1 scripts/peak_memory.sh   # only the largest-chart figure (seconds, no big CSV)
#
# Charts (issue 12): a PNG at the largest size allowed (20000x20000) is drawn into one RGB
# buffer (1.2 GB) and encoded from it, row by row: peak RSS at most 1.3x the raw buffer. Needs
# about 1.3 GB of free memory.
#
# What it shows: a CSV input is streamed (peak memory does not depend on its
# size); anything else is read as a ticker page, at most ticker::MAX_PAGE_BYTES
# (16 MiB) of it, and refused above that; a CSV "row" over csvio::MAX_ROW_BYTES
# (1 MiB) is refused. Reading commands stream too.
#
# Needs: cargo, perl (to generate the CSV), and GNU time (`apt-get install -y
# time`) for the peak RSS; without it the peak is sampled from /proc (VmHWM).
# Env: CARGO_TARGET_DIR (where the release build goes), KEEP=1 keeps the files.
set -euo pipefail

mb="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
echo "building the release binary in $target ..." >&2
(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release --quiet)
bin="$target/release/fxsnap"

work="$(mktemp -d "${TMPDIR:-/tmp}/fxsnap-peak.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
db="$work/rates.db"

# largest_chart: a chart of the bundled data at the largest size allowed, PNG and SVG; its peak
# RSS against the raw RGB buffer (width x height x 3 bytes). Exits 1 when PNG's is over 1.3x.
largest_chart() {
    local side=20000 cdb="$work/bundled.db" kib secs raw ratio
    "$bin" --db "$cdb" ingest -q "$root/data/pages" "$root/data/history"
    raw=$((side * side * 3))
    for ext in png svg; do
        /usr/bin/time -f "%M %e" -o "$work/time.out" "$bin" --db "$cdb" chart -o "$work/largest.$ext" --width $side --height $side
        read -r kib secs <"$work/time.out"
        ratio=$(echo "$kib * 1024 / $raw" | bc -l)
        printf '%-48s peak RSS %7.1f MiB  %7.1f s  %.3fx the raw %dx%d RGB buffer (%.1f MiB); file %s\n' \
            "chart ${side}x${side} .$ext" "$(echo "$kib / 1024" | bc -l)" "$secs" "$ratio" $side $side "$(echo "$raw / 1048576" | bc -l)" \
            "$(du -h "$work/largest.$ext" | cut -f1)"
        if [ "$ext" = png ] && [ "$(echo "$ratio > 1.3" | bc)" = 1 ]; then
            echo "    NOT met: peak RSS over 1.3x the raw buffer" >&2
            return 1
        fi
    done
}

if [ "${CHART_ONLY:-0}" = 1 ]; then
    [ -x /usr/bin/time ] || { echo "CHART_ONLY needs GNU time (apt-get install -y time)" >&2; exit 1; }
    largest_chart
    exit
fi

# peak LABEL CMD...: runs CMD (stdin from $PEAK_STDIN if set), prints peak RSS and time.
peak() {
    local label="$1"; shift
    local stdin="${PEAK_STDIN:-/dev/null}" status=0 kib secs
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M %e" -o "$work/time.out" "$@" <"$stdin" >/dev/null 2>"$work/stderr" || status=$?
        read -r kib secs <"$work/time.out" || true
        # time(1) writes "Command exited with non-zero status N" first when it fails.
        if ! [[ "$kib" =~ ^[0-9]+$ ]]; then read -r kib secs < <(tail -n 1 "$work/time.out"); fi
    else
        local start hwm=0 v
        start=$(date +%s.%N)
        "$@" <"$stdin" >/dev/null 2>"$work/stderr" &
        local pid=$!
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
            sleep 0.05
        done
        wait "$pid" || status=$?
        kib=$hwm
        secs=$(echo "$(date +%s.%N) - $start" | bc)
    fi
    printf '%-48s peak RSS %7.1f MiB  %7.1f s  exit %d\n' "$label" "$(echo "$kib / 1024" | bc -l)" "$secs" "$status"
    { grep -v '^Command exited' "$work/stderr" || true; } | sed 's/^/    /' | head -n 3
}

echo "generating a ${mb} MB CSV ..." >&2
perl -e '
    my ($mb, $out) = @ARGV;
    open(my $f, ">", $out) or die $!;
    my @pairs = ("KGS/USD", "KZT/USD", "TJS/USD", "UZS/USD", "TMT/USD");
    print $f "timestamp,pair,rate,change_pct,source\n";
    my ($bytes, $i, $t) = (0, 0, 631152000);   # from 1990-01-01, every 10 minutes
    while ($bytes < $mb * 1048576) {
        my @g = gmtime($t);
        my $ts = sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0]);
        for my $p (@pairs) {
            my $line = sprintf("%s,%s,0.%05d,%.2f,big\n", $ts, $p, 1 + ($i * 7919) % 99999, (($i * 31) % 601 - 300) / 100);
            print $f $line;
            $bytes += length($line);
            $i++;
        }
        $t += 600;
    }
    print STDERR "$i rows\n";
' "$mb" "$work/big.csv"
truncate -s "${mb}M" "$work/big.bin"      # sparse: not CSV, no ticker
perl -e 'my $l = "Lorem ipsum dolor sit amet, 9.25% and \$5 billion.\n" x 1000; print $l for 1 .. int($ARGV[0] * 1048576 / length($l))' "$mb" >"$work/big.txt"
{ printf 'timestamp,pair,rate,change_pct,source\n2020-01-01,KZT/USD,'; head -c "${mb}M" /dev/zero | tr '\0' 9; printf ',0,x\n'; } >"$work/bigrow.csv"
ls -l "$work" | sed 's/^/  /' >&2

echo
echo "fxsnap $("$bin" --version | cut -d' ' -f2), inputs of $mb MB:"
peak "ingest ${mb} MB CSV (new database)" "$bin" --db "$db" ingest -q "$work/big.csv"
echo "    database: $(du -h "$db" | cut -f1)"
peak "ingest the same CSV again (all duplicates)" "$bin" --db "$db" ingest -q "$work/big.csv"
peak "ingest ${mb} MB non-CSV file (refused)" "$bin" --db "$db" ingest "$work/big.bin"
peak "ingest ${mb} MB text file (refused)" "$bin" --db "$db" ingest "$work/big.txt"
PEAK_STDIN="$work/big.txt" peak "ingest - < ${mb} MB text (refused)" "$bin" --db "$db" ingest -
peak "ingest ${mb} MB single-row CSV (refused)" "$bin" --db "$db" ingest "$work/bigrow.csv"
peak "history --format csv (every row)" "$bin" --db "$db" history --format csv
peak "check" "$bin" --db "$db" check
peak "chart -o rates.png (whole range)" "$bin" --db "$db" chart -o "$work/rates.png"
[ -x /usr/bin/time ] && largest_chart
