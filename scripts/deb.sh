#!/usr/bin/env bash
# Builds the Debian package (DESIGN "Operations (v4)"): the release binary,
# then what the package ships that the binary makes (the man page and the
# bash, zsh and fish completions, into target/assets), then `cargo deb`
# without building again. Prints the path of the .deb. Needs cargo-deb
# (`cargo install cargo-deb --locked`; scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
[ "$target" = target ] || { echo "deb.sh: Cargo.toml's assets name target/; unset CARGO_TARGET_DIR" >&2; exit 1; }
cargo build --release --locked --quiet
bin=target/release/fxsnap
mkdir -p target/assets
"$bin" man | gzip -9n > target/assets/fxsnap.1.gz
"$bin" completions bash > target/assets/fxsnap.bash
"$bin" completions zsh > target/assets/_fxsnap
"$bin" completions fish > target/assets/fxsnap.fish
deb=$(cargo deb --no-build --locked --quiet) || { echo "deb.sh: cargo deb failed" >&2; exit 1; }
[ -s "$deb" ] || { echo "deb.sh: cargo deb made no package ($deb)" >&2; exit 1; }
echo "$deb"
