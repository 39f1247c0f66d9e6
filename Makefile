# The hub's two entry points for people: `make demo` and `make test`.
SWIFT ?= swift
# Integration tests start real processes; give a slow disk room.
export HUB_TEST_TIMEOUT_SCALE ?= 1

.PHONY: deps build test demo demo-stop lint format clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build --build-tests

# Builds once, then runs every suite from that build: the unit suites first, then the
# integration suites that start real processes, so the two do not compete for the cores.
test: build
	$(SWIFT) test --skip-build --filter 'HubProtocolTests|HubNodeTests'
	$(SWIFT) test --skip-build --filter IntegrationTests

# Four municipalities' nodes on loopback, playing a narrated scenario (scripts/demo.sh);
# they keep running until `make demo-stop`.
demo:
	@SWIFT="$(SWIFT)" scripts/demo.sh

demo-stop:
	@scripts/demo-stop.sh

lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests Package.swift

clean:
	rm -rf .build
