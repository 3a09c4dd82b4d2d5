#!/usr/bin/env bash
# The whole suite on SQLite and on PostgreSQL at once, as two pytest processes (`make test`).
#
# One after the other the two halves took 78 min on this two-core machine (CI, stop 23), near CI's 90-minute
# bound; much of each half waits (on PostgreSQL, on a browser, on a server starting), so side by side they
# take less than the sum. Each half writes its own log and temporary folder; a line every five minutes
# says how far each has got; at the end both logs are printed whole and the exit status fails when either
# half failed. `make test-sqlite` and `make test-postgres` still run one half alone.
set -u
BIN="${BIN:-.venv/bin}"
work="$(mktemp -d "${TMPDIR:-/tmp}/permitwatch-tests.XXXXXX")"
started=$(date +%s)

PYTEST_ARGS=("$@")  # any arguments go to both pytest runs, e.g. a folder of tests

run_half() {  # name, then the environment the half runs with
  local name="$1"; shift
  env "$1" "$BIN/pytest" -q -p no:cacheprovider --basetemp="$work/$name-tmp" "${PYTEST_ARGS[@]}" \
    >"$work/$name.log" 2>&1
  echo $? >"$work/$name.rc"
}

run_half sqlite TEST_DATABASE=sqlite &
sqlite_pid=$!
run_half postgresql TEST_DATABASE=postgresql &
postgres_pid=$!

progress() {  # the last count pytest printed on a line of dots, e.g. "[ 42%]"
  grep -o '\[ *[0-9]*%\]' "$work/$1.log" 2>/dev/null | tail -1 || true
}

while kill -0 "$sqlite_pid" 2>/dev/null || kill -0 "$postgres_pid" 2>/dev/null; do
  for _ in $(seq 1 300); do
    kill -0 "$sqlite_pid" 2>/dev/null || kill -0 "$postgres_pid" 2>/dev/null || break
    sleep 1
  done
  echo "tests: $(( ($(date +%s) - started) / 60 )) min; sqlite $(progress sqlite); postgresql $(progress postgresql)"
done
wait "$sqlite_pid" "$postgres_pid"

status=0
for name in sqlite postgresql; do
  echo
  echo "==================== TEST_DATABASE=$name ===================="
  cat "$work/$name.log"
  rc="$(cat "$work/$name.rc" 2>/dev/null || echo 1)"
  [ "$rc" = 0 ] || status=1
done
echo
echo "tests: both halves done in $(( ($(date +%s) - started) / 60 )) min (exit status $status)"
rm -rf "$work"
exit "$status"
