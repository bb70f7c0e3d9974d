# rolloutgen — the two commands that matter:
#   make demo   render the built-in demo into a fresh local Git repo and show it
#   make test   everything CI runs (unit, integration, drift and validation checks, end to end)
SHELL := /bin/bash
GO ?= go
BIN := bin/gen
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/rolloutgen/rolloutgen/internal/cli.Version=$(VERSION)

.PHONY: all build demo test unit lint check bench
all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gen

demo: build
	./hack/demo.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

# The committed demo repository must be exactly what gen.yaml renders and
# pass gen validate: run through the CI script gen renders for GitOps repos.
check: build
	GEN=$(CURDIR)/$(BIN) bash hack/gitops-ci.sh

test: lint unit check

bench: build
	./hack/bench.sh
