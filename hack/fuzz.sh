#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for DURATION each and stops at
# the first failure (the failing input is kept in that package's
# testdata/fuzz/ for `go test` to replay).
#
#   hack/fuzz.sh 10s       what `make fuzz` runs (FUZZTIME=10s)
#   hack/fuzz.sh 5m        a longer run before a release
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DURATION   (a go test -fuzztime value, e.g. 30s or 1000x)" >&2
  exit 2
fi
duration="$1"

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

for target in "${targets[@]}"; do
  read -r dir name <<<"$target"
  echo "fuzz: $name in $dir for $duration" >&2
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$duration" "$dir"; then
    echo "fuzz: $name in $dir failed; a new failing input is saved under $dir/testdata/fuzz/$name" >&2
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets passed" >&2
