#!/usr/bin/env bash
# Fuzz the ticker reader (fuzz/fuzz_targets/read_page.rs), or with
# FUZZ_TARGET=readers the readers of bank documents and WARC archives
# (fuzz/fuzz_targets/readers.rs), with cargo-fuzz (libFuzzer +
# AddressSanitizer). Not part of CI.
#
#   scripts/fuzz.sh [SECONDS]                      # default 600 (10 minutes)
#   FUZZ_TARGET=readers scripts/fuzz.sh [SECONDS]
#
# Needs: the nightly toolchain (`rustup toolchain install nightly`), a C++
# compiler, and cargo-fuzz (`cargo install cargo-fuzz`). The corpus is seeded
# with the real pages and their HTML renderings from tests/fixtures (for
# readers: the bank documents of tests/fixtures/feeds); found crashes land in
# fuzz/artifacts/TARGET/ and are replayed with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...
# Env: FUZZ_TARGET (read_page or readers, default read_page), FUZZ_TARGET_DIR
# (build folder, default fuzz/target), FUZZ_JOBS (parallel fuzzing processes,
# default 1).
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

command -v cargo-fuzz >/dev/null || { echo "fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
rustup toolchain list | grep -q '^nightly' || { echo "fuzz.sh: the nightly toolchain is missing: rustup toolchain install nightly" >&2; exit 2; }

target="${FUZZ_TARGET:-read_page}"
case "$target" in
    read_page) seeds=(tests/fixtures/pages/*.txt tests/fixtures/html/*.html tests/fixtures/bad/*) ;;
    readers) seeds=(tests/fixtures/feeds/*.xml tests/fixtures/feeds/*.json tests/fixtures/feeds/*.html) ;;
    *) echo "fuzz.sh: FUZZ_TARGET must be read_page or readers, not '$target'" >&2; exit 2 ;;
esac
corpus="fuzz/corpus/$target"
mkdir -p "$corpus" "fuzz/artifacts/$target"
# Seeds: the real inputs of the target (and, for pages, the known-bad fixtures).
for f in "${seeds[@]}"; do
    [ -f "$f" ] && cp -n "$f" "$corpus/seed-$(basename "$f")" 2>/dev/null || true
done

target_dir="${FUZZ_TARGET_DIR:-$root/fuzz/target}"
jobs=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    # Parallel fuzzing writes one log per job (fuzz-N.log) in the current folder.
    cd fuzz
    corpus="corpus/$target"
    jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
fi
# -max_len: real pages are a few KiB; 64 KiB leaves room for mutations.
# -timeout: one input taking over 10 s is reported as a hang (a quadratic path).
cargo +nightly fuzz run --fuzz-dir "$root/fuzz" --target-dir "$target_dir" "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${jobs[@]}"
