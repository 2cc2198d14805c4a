#!/bin/sh
# dpor vs systematic on each kata's solution (issue 14 part 4): wall time, outcome, and
# the explore summaries; each run cut at $LIMIT seconds. Run from the repository root:
#   sh bench/dpor_katas.sh [strategy ...]   (default: dpor systematic)
# BROKEN=1: the katas as shipped (broken): time to the first failure instead.
LIMIT=${LIMIT:-120}
SOLUTIONS=--threadlesson-solutions
[ -n "$BROKEN" ] && SOLUTIONS=""
STRATEGIES=${*:-"dpor systematic"}
for test in katas/test_k*.py; do
  for strategy in $STRATEGIES; do
    # a search ends by itself; the default samples: its budget stays the default (100)
    budget=--threadlesson-schedules=100000
    [ "$strategy" = random ] && budget=""
    start=$(date +%s.%N)
    out=$(timeout "$LIMIT" .venv/bin/pytest "$test" $SOLUTIONS -x \
      --threadlesson-strategy="$strategy" $budget -q \
      -p no:cacheprovider 2>&1)
    rc=$?
    end=$(date +%s.%N)
    last=$(printf '%s\n' "$out" | grep -E "passed|failed|error" | tail -1)
    [ "$rc" = 124 ] && last="TIMEOUT after ${LIMIT} s"
    printf '%-32s %-10s %6.1f s  %s\n' "$(basename "$test" .py)" "$strategy" \
      "$(echo "$end - $start" | bc)" "$last"
  done
done
