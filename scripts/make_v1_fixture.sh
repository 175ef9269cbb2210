#!/bin/sh
# Builds tests/fixtures/v1/ (see its README.md) with the version-1 binary
# built from commit 273c26f. Run from the repository's top level:
#   scripts/make_v1_fixture.sh /work/bin/fxsnap-v1-273c26f
set -eu
V1=${1:?usage: scripts/make_v1_fixture.sh PATH-TO-FXSNAP-V1}
cd tests/fixtures
rm -f v1/rates-v1.db v1/rates-v1.db-wal v1/rates-v1.db-shm
db=v1/rates-v1.db
# Four dated pages: 2025-12-08, 2025-12-05, 2025-12-15, 2024-09-17.
"$V1" --db $db ingest -q pages/001.txt pages/002.txt pages/005.txt pages/007.txt
# Conflicts kept: page 010 (07 December) given 001's date.
"$V1" --db $db ingest -q --at 2025-12-08 pages/010.txt
# Conflicts replaced: page 019 (13 December) given 005's date.
"$V1" --db $db ingest -q --at 2025-12-15 --on-conflict replace pages/019.txt
# A small CSV: two conflicts with page 002's rates, rows of its own source
# (one direction inverted), and a conflict inside the file itself.
"$V1" --db $db ingest -q v1/conflicts.csv
sqlite3 $db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
"$V1" --db $db history --format csv > v1/history-v1.csv
"$V1" --db $db conflicts --format csv > v1/conflicts-v1.csv
"$V1" --db $db check
