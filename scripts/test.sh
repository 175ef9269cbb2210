#!/usr/bin/env bash
# The test command (README "Quick start", and what CI runs through .ci/run).
# Installs the outside tools some tests read fxsnap's output back with
# (hledger, bean-check), then runs the whole suite, then installs the
# binary as the README says and runs the quick start with it (install-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v hledger >/dev/null 2>&1 || need_apt+=(hledger)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
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

cargo test --locked
./scripts/install-test.sh
