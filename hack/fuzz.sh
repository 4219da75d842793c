#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for BUDGET each and stops at
# the first failure (a failing input is kept in that package's
# testdata/fuzz/ for `go test` to replay).
#
#   hack/fuzz.sh 1000000x  what `make fuzz` runs: a count of executions
#   hack/fuzz.sh 5m        a longer run before a release
#
# `make fuzz` uses a count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out while a worker is mid-call (golang/go#75804, fixed in Go
# 1.27). A count has no deadline to race.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUDGET   (a go test -fuzztime value, e.g. 50000x or 30s)" >&2
  exit 2
fi
budget="$1"

cd "$(dirname "$0")/.."

# "dir FuzzName" for each `func FuzzName(` in a _test.go file, skipping
# vendored and npm trees.
mapfile -t targets < <(
  grep -rE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=vendor --exclude-dir=.git \
    -o '^func Fuzz[A-Za-z0-9_]+\(' . |
    sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#\1 \2#' |
    sort -u
)

if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

# The files of a seed corpus; none when the target has no testdata/fuzz
# directory (its seeds are all f.Add calls).
corpus_files() { if [[ -d "$1" ]]; then find "$1" -type f | sort; fi; }

for target in "${targets[@]}"; do
  read -r dir name <<<"$target"
  corpus="$dir/testdata/fuzz/$name"
  before="$(corpus_files "$corpus")"
  echo "fuzz: $name in $dir for $budget" >&2
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$budget" "$dir"; then
    new="$(comm -13 <(echo "$before") <(corpus_files "$corpus"))"
    if [[ -n "$new" ]]; then
      echo "fuzz: $name failed; the failing input is $new" >&2
    else
      echo "fuzz: $name failed without writing a failing input (see the output above)" >&2
    fi
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets passed" >&2
