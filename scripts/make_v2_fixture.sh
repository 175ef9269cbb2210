#!/bin/sh
# Builds tests/fixtures/v2/ (see its README.md) with the schema-version-2
# binary built from commit 30a71f3. Run from the repository's top level:
#   scripts/make_v2_fixture.sh /work/bin/fxsnap-v2-30a71f3
set -eu
V2=${1:?usage: scripts/make_v2_fixture.sh PATH-TO-FXSNAP-V2}
cd tests/fixtures
rm -f v2/rates-v2.db v2/rates-v2.db-wal v2/rates-v2.db-shm
db=v2/rates-v2.db
# Ticker pages, the banks' documents (one rate a day: version 2 stored a
# rollup row of one observation for each), and dense.csv (many a bucket).
"$V2" --db $db ingest -q pages/001.txt pages/002.txt pages/005.txt
"$V2" --db $db ingest -q feeds/nbk-2026-04-01.xml feeds/cbu-2026-04-03.json feeds/cbr-dynamic-KZT-2026-03.xml
"$V2" --db $db ingest -q v2/dense.csv
sqlite3 $db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
"$V2" --db $db history --pair all --format csv > v2/history-v2.csv
"$V2" --db $db check
