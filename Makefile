# rolloutgen — the two commands that matter:
#   make demo   render the built-in demo into a fresh local Git repo and show it
#   make test   everything CI runs (unit, integration, drift and validation checks, end to end)
SHELL := /bin/bash
GO ?= go
BIN := bin/gen
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/rolloutgen/rolloutgen/internal/cli.Version=$(VERSION)

.PHONY: all build demo test unit lint check bench tools e2e e2e-capture demo-images
all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gen

demo: build
	./hack/demo.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 30m ./...

# The committed demo repository must be exactly what gen.yaml renders and
# pass gen validate: run through the CI script gen renders for GitOps repos.
check: build
	GEN=$(CURDIR)/$(BIN) bash hack/gitops-ci.sh

test: lint unit check e2e

# The demo app's images (v1..v4), built without Docker and pushed to
# REGISTRY (host:port); prints each tag's digest. See README, "The demo app".
demo-images:
	@test -n "$(REGISTRY)" || { echo "make demo-images: set REGISTRY=host:port (e.g. 127.0.0.1:5000)"; exit 2; }
	$(GO) run ./internal/demoimage/cmd/demoimages -registry $(REGISTRY) $(if $(REPOSITORY),-repository $(REPOSITORY)) $(if $(INSECURE),-insecure)

bench: build
	./hack/bench.sh

# Pinned tools of the end-to-end test, built from source into a cache outside
# the repository (a fresh clone on the same machine reuses it).
# Without HOME: the git-ignored .cache/ of the repository.
TOOLS_DIR ?= $(or $(ROLLOUTGEN_TOOLS_DIR),$(if $(HOME),$(HOME)/.cache/rolloutgen/tools,$(CURDIR)/.cache/tools))

tools:
	ROLLOUTGEN_TOOLS_DIR=$(TOOLS_DIR) ./hack/e2e-tools.sh

# The scenario on a local cluster of real components (test/e2e/README.md),
# in its own network namespace (hack/e2e-netns.sh): the test binary is built
# first, since nothing in the namespace reaches the module proxy.
e2e: build tools
	$(GO) vet -tags e2e ./test/e2e/
	$(GO) test -c -tags e2e -o bin/e2e.test ./test/e2e/
	cd test/e2e && ROLLOUTGEN_TOOLS_DIR=$(TOOLS_DIR) GEN_BIN=$(abspath $(BIN)) \
		../../hack/e2e-netns.sh ../../bin/e2e.test -test.count=1 -test.timeout=20m -test.v

# The e2e run in capture mode: it also writes the real Rollout, Application,
# ReplicaSet and Event objects at key phases to internal/release/testdata/e2e,
# the fixtures of the gate and status tests (review the diff, commit it).
e2e-capture:
	ROLLOUTGEN_E2E_CAPTURE=$(abspath internal/release/testdata/e2e) $(MAKE) e2e
