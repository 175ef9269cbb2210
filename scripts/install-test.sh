#!/usr/bin/env bash
# Issue 14, Must show 1: the binary installs with the README's command,
# `cargo install --path . --locked`, into a throw-away root and CARGO_HOME,
# and the installed binary does the quick start's main job on a new default
# database (XDG_DATA_HOME in the same throw-away folder). Called by
# scripts/test.sh after the test suite.
#
# The build is the project's own target/ (--target-dir), so after a release
# build nothing is compiled twice; the throw-away CARGO_HOME borrows the
# registry already downloaded (nothing is fetched when it is complete).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fxsnap-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install-test: $*" >&2; exit 1; }

real_home=${CARGO_HOME:-$HOME/.cargo}
mkdir -p "$tmp/cargo-home"
[ -d "$real_home/registry" ] && ln -s "$real_home/registry" "$tmp/cargo-home/registry"
for f in config.toml config; do
    [ -f "$real_home/$f" ] && cp "$real_home/$f" "$tmp/cargo-home/$f"
done

CARGO_HOME="$tmp/cargo-home" cargo install --quiet --path . --locked --root "$tmp/root" --target-dir "$repo/target" \
    || fail "cargo install --path . --locked failed"
bin="$tmp/root/bin/fxsnap"
[ -x "$bin" ] || fail "cargo install left no $bin"
[ ! -e "$repo/bin/fxsnap" ] || fail "cargo install wrote into the repository"

version=$("$bin" --version) || fail "fxsnap --version failed"
expected="fxsnap $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
[ "$version" = "$expected" ] || fail "fxsnap --version printed '$version', expected '$expected'"

# The quick start's main job, with the default database in a new XDG_DATA_HOME.
export XDG_DATA_HOME="$tmp/xdg" HOME="$tmp/home"
unset FXSNAP_DB
mkdir -p "$HOME"
"$bin" ingest -q data/pages data/history data/feeds || fail "the installed fxsnap failed to ingest the bundled data"
[ -s "$XDG_DATA_HOME/fxsnap/rates.db" ] || fail "no database at the default path $XDG_DATA_HOME/fxsnap/rates.db"
"$bin" chart -o "$tmp/rates.png" || fail "the installed fxsnap failed to chart"
[ -s "$tmp/rates.png" ] || fail "chart wrote no $tmp/rates.png"
[ "$(head -c 8 "$tmp/rates.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$tmp/rates.png is not a PNG"
"$bin" check >/dev/null || fail "check failed on the quick start's database"
echo "install-test: cargo install --path . --locked, $version, the quick start's ingest and chart: ok"
