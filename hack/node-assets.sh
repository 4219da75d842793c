#!/usr/bin/env bash
# Builds what a single-node test cluster needs beyond envtest's kube-apiserver
# and etcd, from the Go module proxy at pinned versions, into caches outside
# the checkout keyed by version:
#
#   kube-<v>/        kubelet, kube-controller-manager, kube-scheduler,
#                    kube-proxy, kubectl (k8s.io/kubernetes, built the way
#                    hack/envtest-assets.sh builds kube-apiserver)
#   containerd-<v>/  containerd, containerd-shim-runc-v2, ctr
#   helm-<v>/        helm
#
# runc, the CNI plugins and iptables come from Debian: when missing they are
# installed with apt-get (root only). Prints the three directories as one
# PATH-style list (dir:dir:dir). Reuses whatever is already built.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
CONTAINERD_VERSION="${CONTAINERD_VERSION:-v2.4.2}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${NODE_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth-client-operator/node}"

KUBE_DIR="$CACHE_ROOT/kube-${KUBE_VERSION}"
CONTAINERD_DIR="$CACHE_ROOT/containerd-${CONTAINERD_VERSION}"
HELM_DIR="$CACHE_ROOT/helm-${HELM_VERSION}"

KUBE_BINARIES=(kubelet kube-controller-manager kube-scheduler kube-proxy kubectl)
CONTAINERD_BINARIES=(containerd containerd-shim-runc-v2 ctr)

log() { echo "node-assets: $*" >&2; }

all_present() {
  local dir="$1"; shift
  local b
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Debian packages: the runtime pieces that are plain C programs.
debian_packages() {
  local missing=()
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root"
    exit 1
  fi
  log "installing ${missing[*]} from Debian"
  local out="$work/apt.log"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$out" 2>&1; then
    cat "$out" >&2
    exit 1
  fi
}

# timed runs a build step and logs how long it took when it did any work.
timed() {
  local start=$SECONDS
  "$@"
  local took=$((SECONDS - start))
  [[ $took -gt 1 ]] && log "$1 took ${took}s"
  return 0
}

build_kube() {
  all_present "$KUBE_DIR" "${KUBE_BINARIES[@]}" && return 0
  log "building ${KUBE_BINARIES[*]} ${KUBE_VERSION} (several minutes when the build cache is cold)"
  local mod="$work/kube" minor staging gomod m pkg ldflags
  mkdir -p "$mod" "$KUBE_DIR"
  cd "$mod"
  go mod init node.local/kube >/dev/null 2>&1
  go mod edit -require="k8s.io/kubernetes@${KUBE_VERSION}"
  # As in hack/envtest-assets.sh: k8s.io/kubernetes replaces its staging
  # modules with local paths, so each is replaced by its published version.
  staging="v0.${KUBE_VERSION#v1.}"
  gomod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  for m in $(sed -n 's#^\s*\(k8s.io/[^ ]*\) => ./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace="${m}=${m}@${staging}"
  done
  {
    printf 'package tools\n\nimport (\n'
    for b in "${KUBE_BINARIES[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
    printf ')\n'
  } > tools.go
  go mod tidy >/dev/null
  minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION}"
  mkdir -p "$work/kube-out"
  local pkgs=()
  for b in "${KUBE_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  # One go build for all five: the packages they share compile once.
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$work/kube-out/" "${pkgs[@]}"
  for b in "${KUBE_BINARIES[@]}"; do mv "$work/kube-out/$b" "$KUBE_DIR/$b"; done
}

build_containerd() {
  all_present "$CONTAINERD_DIR" "${CONTAINERD_BINARIES[@]}" && return 0
  log "building containerd ${CONTAINERD_VERSION}"
  local mod="$work/containerd" b
  mkdir -p "$mod" "$CONTAINERD_DIR" "$work/containerd-out"
  cd "$mod"
  go mod init node.local/containerd >/dev/null 2>&1
  go mod edit -require="github.com/containerd/containerd/v2@${CONTAINERD_VERSION}"
  {
    printf 'package tools\n\nimport (\n'
    for b in "${CONTAINERD_BINARIES[@]}"; do printf '\t_ "github.com/containerd/containerd/v2/cmd/%s"\n' "$b"; done
    printf ')\n'
  } > tools.go
  go mod tidy >/dev/null
  local pkgs=()
  for b in "${CONTAINERD_BINARIES[@]}"; do pkgs+=("github.com/containerd/containerd/v2/cmd/$b"); done
  # Static: no btrfs, devmapper or zfs snapshotters (they need cgo); overlayfs
  # is what the test uses. runc is Debian's.
  CGO_ENABLED=0 go build -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}" \
    -o "$work/containerd-out/" "${pkgs[@]}"
  for b in "${CONTAINERD_BINARIES[@]}"; do mv "$work/containerd-out/$b" "$CONTAINERD_DIR/$b"; done
}

build_helm() {
  all_present "$HELM_DIR" helm && return 0
  log "building helm ${HELM_VERSION}"
  mkdir -p "$HELM_DIR" "$work/helm-out"
  # go install pkg@version builds with helm's own go.mod, nothing of ours.
  CGO_ENABLED=0 GOBIN="$work/helm-out" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  mv "$work/helm-out/helm" "$HELM_DIR/helm"
}

timed debian_packages
timed build_kube
timed build_containerd
timed build_helm
echo "$KUBE_DIR:$CONTAINERD_DIR:$HELM_DIR"
