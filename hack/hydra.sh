#!/usr/bin/env bash
# Builds Ory Hydra from the Go module proxy, at a pinned version, into a cache
# outside the checkout keyed by version. Prints the path of the binary. Reuses
# the binary when present.
#
# Hydra's go.mod replaces github.com/ory/hydra-client-go/v2 with a nested module
# (./internal/httpclient) that the module zip does not contain; the published
# hydra-client-go is used instead (only the CLI sub-commands import it, not the
# server). Its other replace (pop) is repeated here because replaces of a
# dependency do not apply to the module that requires it.
set -euo pipefail

HYDRA_VERSION="${HYDRA_VERSION:-v2.3.0}"
HYDRA_CLIENT_GO_VERSION="${HYDRA_CLIENT_GO_VERSION:-v2.2.1}"
POP_REPLACE="${POP_REPLACE:-github.com/ory/pop/v6@v6.2.1-0.20241121111754-e5dfc0f3344b}"
CACHE_ROOT="${HYDRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth-client-operator/hydra}"
DIR="$CACHE_ROOT/$HYDRA_VERSION"
BINARY="$DIR/hydra"

log() { echo "hydra: $*" >&2; }

if [[ -x "$BINARY" ]]; then
  echo "$BINARY"
  exit 0
fi

mkdir -p "$DIR"

# Several test packages may ask for the binary at once: one builds, the others
# wait for it and then reuse it.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR/.lock"
  flock 9
  if [[ -x "$BINARY" ]]; then
    echo "$BINARY"
    exit 0
  fi
fi

command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || {
  log "a C compiler is needed (Hydra's sqlite driver uses cgo)"
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

log "building Ory Hydra ${HYDRA_VERSION} (takes several minutes)"
go mod init hydra.local/build >/dev/null 2>&1
go mod edit -require="github.com/ory/hydra/v2@${HYDRA_VERSION}"
go mod edit -replace="github.com/ory/hydra-client-go/v2=github.com/ory/hydra-client-go/v2@${HYDRA_CLIENT_GO_VERSION}"
go mod edit -replace="github.com/gobuffalo/pop/v6=${POP_REPLACE}"
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/ory/hydra/v2"\n' > tools.go

# Start from Hydra's own go.sum so tidy resolves the versions Hydra was
# released with.
src="$(go mod download -json "github.com/ory/hydra/v2@${HYDRA_VERSION}" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
cp "$src/go.sum" go.sum
chmod u+w go.sum
go mod tidy >/dev/null 2>&1 || go mod tidy

CGO_ENABLED=1 go build -trimpath \
  -tags sqlite,sqlite_omit_load_extension \
  -ldflags "-s -w -X github.com/ory/hydra/v2/driver/config.Version=${HYDRA_VERSION}" \
  -o "$BINARY.tmp" github.com/ory/hydra/v2
mv "$BINARY.tmp" "$BINARY"
log "built $("$BINARY" version 2>/dev/null | head -n1 || true)"

echo "$BINARY"
