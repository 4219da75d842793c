#!/usr/bin/env bash
# Builds kube-apiserver and etcd for envtest from the Go module proxy, at pinned
# versions, into a cache outside the checkout keyed by version. Prints the
# directory to use as KUBEBUILDER_ASSETS. Reuses the binaries when present.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.0}"
CACHE_ROOT="${ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth-client-operator/envtest}"
DIR="$CACHE_ROOT/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}"

log() { echo "envtest-assets: $*" >&2; }

if [[ -x "$DIR/kube-apiserver" && -x "$DIR/etcd" ]]; then
  echo "$DIR"
  exit 0
fi

mkdir -p "$DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
staging="v0.${KUBE_VERSION#v1.}"

if [[ ! -x "$DIR/kube-apiserver" ]]; then
  log "building kube-apiserver ${KUBE_VERSION} (takes several minutes)"
  mkdir -p "$work/apiserver"
  cd "$work/apiserver"
  go mod init envtest.local/apiserver >/dev/null 2>&1
  go mod edit -require="k8s.io/kubernetes@${KUBE_VERSION}"
  # k8s.io/kubernetes replaces its staging modules with local paths; a module
  # that requires it must replace each with the published v0.x version.
  gomod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  for m in $(sed -n 's#^\s*\(k8s.io/[^ ]*\) => ./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace="${m}=${m}@${staging}"
  done
  printf 'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' > tools.go
  go mod tidy >/dev/null
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION}"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$DIR/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$DIR/kube-apiserver.tmp" "$DIR/kube-apiserver"
fi

if [[ ! -x "$DIR/etcd" ]]; then
  log "building etcd ${ETCD_VERSION}"
  mkdir -p "$work/etcd"
  cd "$work/etcd"
  go mod init envtest.local/etcd >/dev/null 2>&1
  go mod edit -require="go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
  printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy >/dev/null 2>&1 || true
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$DIR/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$DIR/etcd.tmp" "$DIR/etcd"
fi

echo "$DIR"
