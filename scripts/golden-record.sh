#!/usr/bin/env bash
# Records the golden outputs (tests/golden/*.txt) from a binary, through the
# same cases and code as the golden test itself (tests/golden.rs):
#
#     scripts/golden-record.sh /work/bin/fxsnap-v1-273c26f   # the baseline
#     cargo build --release && scripts/golden-record.sh target/release/fxsnap
#
# The second form re-records after an intended change of output; review the
# result with `git diff tests/golden/` and commit it with the change. Without
# re-recording, `cargo test --test golden` fails on any difference.
set -euo pipefail
bin=${1:?usage: scripts/golden-record.sh BINARY}
[ -x "$bin" ] || { echo "golden-record: $bin is not an executable" >&2; exit 2; }
bin=$(realpath "$bin")
cd "$(dirname "$0")/.."
GOLDEN_RECORD=1 GOLDEN_BIN="$bin" cargo test --quiet --test golden -- --nocapture golden_outputs_are_unchanged
git status --short tests/golden
