#!/usr/bin/env bash
# Issue 27: the Debian package (DESIGN "Operations (v4)"), installed for real
# and taken away again. Called by scripts/test.sh after the test suite; needs
# root, dpkg, cargo-deb, lintian and systemd-analyze (test.sh installs them).
#
#  1. builds the .deb (scripts/deb.sh: cargo deb) and runs lintian: any E: fails;
#  2. dpkg -i: the fxsnap system user, /var/lib/fxsnap and its archive folder,
#     /etc/fxsnap/config.toml as a conffile, the units, the timers enabled,
#     fxsnap --version on PATH, the man page and completions;
#  3. systemd-analyze verify on every unit, and systemd-analyze security
#     --offline=true on every service: fxsnap-serve at most 2.0, the others 3.0;
#  4. the fetch unit's own ExecStart line, run as fxsnap (runuser) against a
#     fake bank on 127.0.0.1 (python3 -m http.server over the NBK and CBR
#     fixtures): every source's origin is pointed at it, and the sources the
#     fake bank has documents for (nbk cbr) are named after the line, so the
#     others are not asked; the observations land in /var/lib/fxsnap/rates.db
#     and the responses in its archive. Then the report, check and backup
#     units' lines, and serve's (on a port of its own) answering /healthz;
#  5. dpkg -r keeps the store; dpkg --purge deletes /var/lib/fxsnap and
#     /etc/fxsnap and keeps the fxsnap user (see dist/debian/postrm).
#
# Whatever happens, the trap purges the package, stops the fake bank and
# serve, and removes the fxsnap user when this script made it. A machine
# that already has the package or /var/lib/fxsnap is left alone (refused).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
started=$SECONDS
say() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i, runuser)"
for tool in dpkg lintian systemd-analyze runuser setpriv python3 cargo-deb; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (scripts/test.sh installs it)"
done
if dpkg-query -W -f='${Status}' fxsnap 2>/dev/null | grep -q 'installed\|config-files'; then
    fail "the fxsnap package is already on this machine: not touching it"
fi
[ ! -e /var/lib/fxsnap ] || fail "/var/lib/fxsnap already exists: not touching it"
[ ! -e /etc/fxsnap ] || fail "/etc/fxsnap already exists: not touching it"
user_existed=0
getent passwd fxsnap >/dev/null && user_existed=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fxsnap-package.XXXXXX")
chmod 755 "$tmp"
bank_pid=
serve_pid=
cleanup() {
    local rc=$?
    set +e
    if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
    if [ -n "$bank_pid" ]; then kill "$bank_pid" 2>/dev/null; wait "$bank_pid" 2>/dev/null; fi
    if dpkg-query -W -f='${Status}' fxsnap 2>/dev/null | grep -q 'installed\|config-files\|half'; then
        dpkg --purge fxsnap >/dev/null 2>&1 || echo "package-test: could not purge fxsnap" >&2
    fi
    rm -rf /var/lib/fxsnap /etc/fxsnap
    if [ "$user_existed" = 0 ] && getent passwd fxsnap >/dev/null; then
        userdel fxsnap 2>/dev/null || echo "package-test: could not remove the user fxsnap" >&2
        if getent group fxsnap >/dev/null; then groupdel fxsnap 2>/dev/null; fi
    fi
    rm -rf "$tmp"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The package, and lintian.
t=$SECONDS
deb=$(./scripts/deb.sh) || fail "scripts/deb.sh failed"
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $((SECONDS - t)) s"
lintian_out=$(lintian "$deb" 2>&1 | grep -v 'running with root privileges' || true)
[ -z "$lintian_out" ] || echo "$lintian_out" | sed 's/^/  lintian: /'
errors=$(echo "$lintian_out" | grep -c '^E:' || true)
warnings=$(echo "$lintian_out" | grep -c '^W:' || true)
say "lintian: $errors errors, $warnings warnings"
[ "$errors" = 0 ] || fail "lintian reports errors"

# 2. Installed.
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd fxsnap) || fail "no fxsnap user after dpkg -i"
[ "$uid" -lt 1000 ] || fail "fxsnap is not a system user (uid $uid)"
[ "$home" = /var/lib/fxsnap ] || fail "fxsnap's home is $home"
case "$shell" in */nologin | */false) ;; *) fail "fxsnap can log in (shell $shell)" ;; esac
for d in /var/lib/fxsnap /var/lib/fxsnap/archive; do
    [ -d "$d" ] || fail "no folder $d"
    [ "$(stat -c %U:%G "$d")" = fxsnap:fxsnap ] || fail "$d is owned by $(stat -c %U:%G "$d")"
done
grep -qx 'db = "/var/lib/fxsnap/rates.db"' /etc/fxsnap/config.toml || fail "/etc/fxsnap/config.toml does not name the store"
dpkg-query -W -f='${Conffiles}\n' fxsnap | grep -q ' /etc/fxsnap/config.toml ' || fail "/etc/fxsnap/config.toml is not a conffile"
[ "$(command -v fxsnap)" = /usr/bin/fxsnap ] || fail "fxsnap on PATH is $(command -v fxsnap || echo nothing)"
expected="fxsnap $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
[ "$(fxsnap --version)" = "$expected" ] || fail "fxsnap --version printed '$(fxsnap --version)', expected '$expected'"
man -w fxsnap >/dev/null 2>&1 || fail "no man page for fxsnap"
for f in /usr/share/bash-completion/completions/fxsnap /usr/share/zsh/vendor-completions/_fxsnap /usr/share/fish/vendor_completions.d/fxsnap.fish; do
    [ -s "$f" ] || fail "no completion file $f"
done
unitdir=
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -f "$d/fxsnap-fetch.service" ] && unitdir=$d && break
done
[ -n "$unitdir" ] || fail "no fxsnap-fetch.service in /usr/lib/systemd/system or /lib/systemd/system"
units=(fxsnap-fetch.service fxsnap-fetch.timer fxsnap-report.service fxsnap-check.service fxsnap-check.timer fxsnap-serve.service fxsnap-alert@.service)
for u in "${units[@]}"; do
    [ -f "$unitdir/$u" ] || fail "no unit $unitdir/$u"
    cmp -s "$unitdir/$u" "dist/systemd/$u" || fail "$unitdir/$u differs from dist/systemd/$u"
done
for wants in timers.target.wants/fxsnap-fetch.timer timers.target.wants/fxsnap-check.timer multi-user.target.wants/fxsnap-serve.service; do
    [ -L "/etc/systemd/system/$wants" ] || fail "$wants is not enabled"
done
say "installed: user fxsnap (uid $uid, $shell), /var/lib/fxsnap, the conffile, $expected on PATH, man page, completions, ${#units[@]} units in $unitdir, timers and serve enabled"

# 3. systemd-analyze: verify every unit (the alert template as the instance
# check's failure starts), and the exposure of every service.
verify=()
for u in "${units[@]}"; do
    case "$u" in *@.service) verify+=("fxsnap-alert@fxsnap-check.service.service") ;; *) verify+=("$unitdir/$u") ;; esac
done
if ! out=$(systemd-analyze verify "${verify[@]}" 2>&1) || [ -n "$out" ]; then
    echo "$out" >&2
    fail "systemd-analyze verify complains"
fi
say "systemd-analyze verify: ${#verify[@]} units, no complaint"
over=0
for u in "${units[@]}"; do
    case "$u" in *.service) ;; *) continue ;; esac
    limit=3.0
    [ "$u" = fxsnap-serve.service ] && limit=2.0
    name=$u
    [ "$u" = fxsnap-alert@.service ] && name=fxsnap-alert@fxsnap-check.service.service
    level=$(systemd-analyze security --offline=true --no-pager "$name" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    [ -n "$level" ] || fail "systemd-analyze security gave no exposure level for $u"
    verdict=ok
    if awk -v l="$level" -v m="$limit" 'BEGIN { exit !(l > m) }'; then
        verdict="ABOVE $limit"
        over=1
    fi
    say "systemd-analyze security --offline=true $u: $level (at most $limit: $verdict)"
done
[ "$over" = 0 ] || fail "a unit's exposure is above its limit"

# 4. The fetch unit's ExecStart, as the unit would run it, against a fake bank.
mkdir -p "$tmp/bank/rss" "$tmp/bank/scripts"
cp tests/fixtures/feeds/nbk-2026-04-01.xml "$tmp/bank/rss/get_rates.cfm"
cp tests/fixtures/feeds/cbr-daily-2026-04-25.xml "$tmp/bank/scripts/XML_daily.asp"
python3 -u -m http.server --bind 127.0.0.1 --directory "$tmp/bank" 0 >"$tmp/bank.log" 2>&1 &
bank_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^Serving HTTP on [0-9.]* port \([0-9]*\).*/\1/p' "$tmp/bank.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "the fake bank did not start: $(cat "$tmp/bank.log")"
origins=()
for s in TIMESCA NBK NBKR CBU NBT CBT CBR; do
    origins+=("FXSNAP_${s}_ORIGIN=http://127.0.0.1:$port")
done
exec_line() { sed -n 's/^ExecStart=//p' "$unitdir/$1" | sed 's/%%/%/g'; }
fetch_line=$(exec_line fxsnap-fetch.service)
case "$fetch_line" in /usr/bin/fxsnap*--archive\ /var/lib/fxsnap/archive/*) ;; *) fail "unexpected ExecStart in fxsnap-fetch.service: $fetch_line" ;; esac
t=$SECONDS
# shellcheck disable=SC2086 # the unit's line, split into words as systemd does (it has no quotes)
(cd / && runuser -u fxsnap -- env "${origins[@]}" $fetch_line nbk cbr) >"$tmp/fetch.out" 2>"$tmp/fetch.err" \
    || { cat "$tmp/fetch.err" >&2; fail "the fetch unit's line failed as fxsnap"; }
[ ! -s "$tmp/fetch.out" ] && [ ! -s "$tmp/fetch.err" ] || { cat "$tmp/fetch.out" "$tmp/fetch.err" >&2; fail "fetch -q printed something"; }
asked=$(grep -c '"GET ' "$tmp/bank.log" || true)
[ "$asked" = 2 ] || { cat "$tmp/bank.log" >&2; fail "the fake bank was asked $asked times, not twice (nbk, cbr)"; }
[ "$(stat -c %U /var/lib/fxsnap/rates.db)" = fxsnap ] || fail "the store is not owned by fxsnap"
as_fxsnap() { (cd / && runuser -u fxsnap -- fxsnap --config /etc/fxsnap/config.toml "$@"); }
counts=$(as_fxsnap history --pair all --source nbk,cbr --format csv | awk -F, 'NR > 1 { n[$5]++ } END { for (s in n) printf "%s=%d ", s, n[s] }')
case "$counts" in *nbk=*cbr=* | *cbr=*nbk=*) ;; *) fail "the store lacks nbk or cbr observations: $counts" ;; esac
as_fxsnap inputs --format csv | grep -q "http://127.0.0.1:$port/rss/get_rates.cfm" || fail "no input from the fake bank's NBK URL"
ls /var/lib/fxsnap/archive/fxsnap-*.warc.gz >/dev/null 2>&1 || fail "no archive in /var/lib/fxsnap/archive/"
say "fetch unit's line as fxsnap: 2 requests to the fake bank, observations ${counts% }, archive $(basename /var/lib/fxsnap/archive/fxsnap-*.warc.gz), $((SECONDS - t)) s"

# The report, check and backup, as their units run them.
# shellcheck disable=SC2086
(cd / && runuser -u fxsnap -- $(exec_line fxsnap-report.service)) || fail "the report unit's line failed as fxsnap"
[ -s /var/lib/fxsnap/report/index.html ] || fail "no /var/lib/fxsnap/report/index.html"
set +e
# shellcheck disable=SC2086
(cd / && runuser -u fxsnap -- $(exec_line fxsnap-check.service)) >"$tmp/check.out" 2>&1
code=$?
set -e
# The fixtures are months old: past --max-age, the exit that starts the alert unit.
[ "$code" = 4 ] || { cat "$tmp/check.out" >&2; fail "the check unit's line exited $code, expected 4 (stale fixtures)"; }
as_fxsnap backup -q /var/lib/fxsnap/backup.db || fail "fxsnap backup as fxsnap failed"
as_fxsnap --db /var/lib/fxsnap/backup.db check >/dev/null || fail "the backup does not pass check"
serve_line="$(exec_line fxsnap-serve.service) --listen 127.0.0.1:0"
# shellcheck disable=SC2086
# setpriv, not runuser: it execs, so the signal and the exit status are serve's own.
(cd / && exec setpriv --reuid=fxsnap --regid=fxsnap --init-groups $serve_line) >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
addr=
for _ in $(seq 100); do
    addr=$(sed -n 's|^fxsnap: serving http://\([^/]*\)/.*|\1|p' "$tmp/serve.out")
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || fail "serve did not start: $(cat "$tmp/serve.err")"
health=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://" + sys.argv[1] + "/healthz").read().decode().strip())' "$addr") \
    || fail "serve's /healthz did not answer"
[ "$health" = ok ] || fail "serve's /healthz said $health"
kill -TERM "$serve_pid"
set +e
wait "$serve_pid"
code=$?
set -e
serve_pid=
[ "$code" = 0 ] || fail "serve exited $code on SIGTERM"
say "report, check (exit 4 on the stale fixtures), backup and serve (/healthz ok, SIGTERM exit 0) as fxsnap"

# 5. Remove keeps the store; purge deletes it.
dpkg -r fxsnap >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -r failed"; }
[ ! -e /usr/bin/fxsnap ] || fail "dpkg -r left /usr/bin/fxsnap"
[ -s /var/lib/fxsnap/rates.db ] || fail "dpkg -r deleted the store"
[ -f /etc/fxsnap/config.toml ] || fail "dpkg -r deleted the conffile"
dpkg --purge fxsnap >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg --purge failed"; }
[ ! -e /var/lib/fxsnap ] || fail "dpkg --purge left /var/lib/fxsnap"
[ ! -e /etc/fxsnap ] || fail "dpkg --purge left /etc/fxsnap"
for wants in timers.target.wants/fxsnap-fetch.timer timers.target.wants/fxsnap-check.timer multi-user.target.wants/fxsnap-serve.service; do
    [ ! -e "/etc/systemd/system/$wants" ] || fail "dpkg --purge left $wants"
done
getent passwd fxsnap >/dev/null || fail "dpkg --purge removed the fxsnap user (designed to keep it)"
say "dpkg -r kept the store and the conffile; dpkg --purge deleted /var/lib/fxsnap and /etc/fxsnap, kept the user fxsnap"
say "ok in $((SECONDS - started)) s"
