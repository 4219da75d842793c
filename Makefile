# oauth-client-operator
#
#   make demo    run the operator locally against a real API server and auth server
#   make test    verify generated files, then run every test with the race detector

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

BIN            := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
# Heavy tools are cached outside the checkout by version, as hack/hydra.sh
# and hack/envtest-assets.sh cache theirs, so a fresh checkout reuses them.
TOOLS_CACHE    ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/oauth-client-operator/tools
GOLANGCI_LINT  := $(TOOLS_CACHE)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
PROMTOOL_VERSION ?= v0.316.0
# promtool for the alert unit tests: the machine's own when it has one
# (Debian's prometheus package, which .ci/run installs), else Prometheus 3's
# built from the Go module proxy into the tools cache (10 to 20 minutes the
# first time on 2 cores).
PROMTOOL       ?= $(or $(shell command -v promtool 2>/dev/null),$(TOOLS_CACHE)/promtool-$(PROMTOOL_VERSION)/promtool)
GO_TEST_FLAGS  ?= -race -count=1 -timeout 20m
GENERATED      := api config/crd config/rbac
HYDRA          ?= $(shell hack/hydra.sh)

.PHONY: all
all: build

.PHONY: help
help: ## Show the targets.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from the code markers.
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=manager-role paths=./controllers/... output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy functions.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: fmt
fmt: ## gofmt the tree.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with .golangci.yml (staticcheck, gosec, revive, ...).
	$(GOLANGCI_LINT) run --allow-parallel-runners ./...

.PHONY: verify
verify: $(CONTROLLER_GEN) $(GOLANGCI_LINT) ## Fail when generated files are stale or gofmt, go vet or golangci-lint complain.
	@before=$$(find $(GENERATED) -type f -print0 | sort -z | xargs -0 sha256sum); \
	$(MAKE) --no-print-directory manifests generate >/dev/null; \
	after=$$(find $(GENERATED) -type f -print0 | sort -z | xargs -0 sha256sum); \
	if [ "$$before" != "$$after" ]; then \
	  echo "verify: generated files were stale; they are regenerated now, commit them:"; \
	  diff <(echo "$$before") <(echo "$$after") || true; exit 1; fi
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "verify: gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(MAKE) --no-print-directory lint

##@ Test

.PHONY: envtest
envtest: ## Build (or reuse) kube-apiserver and etcd for envtest; prints the directory.
	@hack/envtest-assets.sh

.PHONY: hydra
hydra: ## Build (or reuse) Ory Hydra v2.3.0 from the Go module proxy; prints the binary's path.
	@hack/hydra.sh

.PHONY: authserver-deps
authserver-deps: hack/authserver/node_modules/.package-lock.json ## Install the dev auth server (npm oidc-provider).

hack/authserver/node_modules/.package-lock.json: hack/authserver/package-lock.json
	cd hack/authserver && npm ci --no-audit --no-fund --loglevel=error

.PHONY: test
test: verify authserver-deps $(PROMTOOL) ## Verify, run every test (unit, envtest, e2e) with the real auth server; fuzz seeds and kept crashers replay.
	TEST_INTEGRATION=1 PROMTOOL=$(PROMTOOL) HYDRA_BIN="$$(hack/hydra.sh)" KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" go test $(GO_TEST_FLAGS) ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 1000000x executions; a duration like 5m also works).
	hack/fuzz.sh $${FUZZTIME:-1000000x}

##@ Build

.PHONY: build
build: ## Build the manager binary.
	go build -o $(BIN)/manager ./cmd

# The image tag is the chart's appVersion, as for make image and config/manager.
APP_VERSION   := $(shell awk '/^appVersion:/ {print $$2}' charts/oauth-client-operator/Chart.yaml)
IMG           ?= oauth-client-operator:$(APP_VERSION)
CONTAINER_TOOL ?= docker

.PHONY: docker-build
docker-build: ## Build the manager image IMG with CONTAINER_TOOL (docker, podman, ...); not needed for demo or test.
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: demo
demo: build authserver-deps ## Run the built operator against a local API server and auth server (docs/demo.md).
	go run ./hack/demo

$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# promtool (Prometheus 3's, module tag v0.316.0), where the machine has none.
$(TOOLS_CACHE)/promtool-$(PROMTOOL_VERSION)/promtool:
	GOBIN=$(dir $@) go install github.com/prometheus/prometheus/cmd/promtool@$(PROMTOOL_VERSION)

.PHONY: promtool
promtool: $(PROMTOOL) ## Find (or build and cache) promtool for the alert unit tests; prints its path.
	@echo $(PROMTOOL)

##@ Image and cluster test (docs/testing.md)

IMAGE_ARCHIVE   ?= $(BIN)/oauth-client-operator-image.tar
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64

.PHONY: image
image: ## Build the manager image without Docker: an OCI archive IMAGE_ARCHIVE for IMAGE_PLATFORMS (IMAGE=name:tag to rename).
	go run ./hack/image -o $(IMAGE_ARCHIVE) -platforms $(IMAGE_PLATFORMS) $(if $(IMAGE),-image $(IMAGE))

.PHONY: node-assets
node-assets: ## Build (or reuse) the node binaries, containerd and helm for test-cluster; prints their directories.
	@hack/node-assets.sh

.PHONY: test-cluster
test-cluster: image authserver-deps ## As root: a real single-node cluster, the operator installed with kustomize and Helm, workloads in pods.
	NODE_ASSETS="$$(hack/node-assets.sh)" KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" OPERATOR_IMAGE="$(IMAGE_ARCHIVE)" OPERATOR_IMAGE_PLATFORMS="$(IMAGE_PLATFORMS)" \
	  go test -count=1 -timeout 30m -v ./test/cluster

.PHONY: bench
bench: build authserver-deps ## Measure the operator at scale (N=1000 clients; `make bench N=200`); results in .bench/ (docs/performance.md).
	go run ./test/bench
