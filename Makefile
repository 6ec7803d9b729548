# oom.guard — every entry point. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE ?= /var/tmp/oom-guard
VENV ?= $(CACHE)/venv
# ansible-test must run from .../ansible_collections/oom/guard: a synced copy lives here.
COLL_TREE := $(CACHE)/tree/ansible_collections/oom/guard
# The built tarball is installed here, and molecule / the demo use that installed copy.
COLL_INSTALL := $(CACHE)/collections
# Unit tests import ansible_collections.oom.guard from this checkout (one link per checkout, so
# two clones never test each other's code).
COLLROOT := $(CURDIR)/.cache/collroot
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := $(CACHE)/dist/oom-guard-$(VERSION).tar.gz
SCENARIO ?=
PYTHON_VERSION := 3.11

export PATH := $(VENV)/bin:$(PATH)
export OOM_GUARD_CACHE := $(CACHE)
export OOM_GUARD_VENV := $(VENV)
export CONTAINERS_CONF := $(CURDIR)/tests/hosts/containers.conf
export ANSIBLE_COLLECTIONS_PATH := $(COLL_INSTALL)
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

.PHONY: help setup image lint ruff ansible-lint sanity unit build molecule docs test demo bench clean

help:
	@echo "make test                 everything CI runs (setup, lint, sanity, unit, build, docs, molecule)"
	@echo "make setup                Debian packages, controller venv ($(VENV)), ansible-test cache"
	@echo "make image                the Debian 12 test-host image (debootstrap, cached)"
	@echo "make lint                 ruff + ansible-lint (production profile)"
	@echo "make sanity               ansible-test sanity (from $(COLL_TREE))"
	@echo "make unit                 pytest tests/unit"
	@echo "make build                ansible-galaxy collection build + install of the tarball"
	@echo "make docs                 the docs site (guide, cookbook, generated reference, changelog) -> $(DOCS_OUT)/html"
	@echo "make molecule [SCENARIO=harness]   one or every molecule scenario"
	@echo "make bench                benchmarks against named baselines -> bench/RESULTS.md"
	@echo "make demo                 audit this machine read-only: summary + ./oom-report/<host>.json"

setup:
	@scripts/setup.sh

image: setup
	@tests/hosts/build-image.sh

ruff: setup
	ruff check plugins tests bench extensions
	ruff format --check plugins tests bench extensions

ansible-lint: build
	ansible-lint --offline

lint: ruff ansible-lint

# Refreshed on every run, except for the controller venv `ansible-test --venv` keeps in it
# ($(SANITY_VENV)): carried over, it spares each run ~7 s and a pip download. ansible-test rebuilds
# it when it was left half built (no marker.txt); the sanity tests' own venvs it caches in
# ~/.ansible/test/venv.
SANITY_VENV := tests/output/.tmp/delegation
$(COLL_TREE): FORCE
	@rm -rf $(CACHE)/tree.venv; [ ! -d $(COLL_TREE)/$(SANITY_VENV) ] || mv $(COLL_TREE)/$(SANITY_VENV) $(CACHE)/tree.venv
	@rm -rf $(COLL_TREE) && mkdir -p $(dir $(COLL_TREE)/$(SANITY_VENV))
	@[ ! -d $(CACHE)/tree.venv ] || mv $(CACHE)/tree.venv $(COLL_TREE)/$(SANITY_VENV)
	@git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done \
	  | tar --null -T - -cf - | tar -C $(COLL_TREE) -xf -

sanity: setup $(COLL_TREE)
	cd $(COLL_TREE) && ansible-test sanity --venv --python $(PYTHON_VERSION) --color no

unit: setup
	@mkdir -p $(COLLROOT)/ansible_collections/oom
	@ln -sfn $(CURDIR) $(COLLROOT)/ansible_collections/oom/guard
	PYTHONPATH=$(COLLROOT) python -m pytest -q -p no:cacheprovider tests/unit

build: setup
	@mkdir -p $(CACHE)/dist
	ansible-galaxy collection build --force --output-path $(CACHE)/dist .
	ansible-galaxy collection install --force --offline -p $(COLL_INSTALL) $(TARBALL)
	@for type in module filter; do \
	  ansible-doc -t $$type -l oom.guard; \
	  for p in $$(ansible-doc -t $$type -l oom.guard -j | python -c 'import json,sys; print(" ".join(json.load(sys.stdin)))'); do \
	    ansible-doc -t $$type $$p >/dev/null || { echo "ansible-doc -t $$type $$p failed"; exit 1; }; done; done

# Every scenario without SCENARIO: the podman scenarios one at a time, and beside them the side
# stream (reliability, then the qemu guest scenarios extensions/molecule/vm_* where
# tests/guests/vm-available.sh says qemu can run; OOM_GUARD_VM=0 turns them off), whose log
# (tests/output/molecule-vm.log) is printed at the end. How, and what a failure stops:
# scripts/test-streams.sh.
molecule: image build
	if [ -n "$(SCENARIO)" ]; then molecule test -s $(SCENARIO); else scripts/test-streams.sh molecule; fi

# The docs site: docs/, playbooks/examples/, the reference antsibull-docs generates from this
# checkout, the changelog from the fragments; warnings are errors, internal links are checked.
DOCS_OUT ?= $(CACHE)/docs
docs: setup
	DOCS_OUT=$(DOCS_OUT) scripts/build-docs.sh

# Everything CI runs, in two streams (scripts/test-streams.sh): after setup, the qemu guest's image
# build starts in the background, then, once the collection is built and installed and the
# test-host image exists, the side stream of `make molecule`; the foreground runs lint, sanity,
# unit, docs, then the other podman scenarios. A failing stage stops the side stream.
test: setup
	@scripts/test-streams.sh test

# Read-only audit of this machine with the installed collection, through the system Python
# (what managed hosts run modules with).
demo: build
	ansible-playbook -i localhost, -c local -e ansible_python_interpreter=/usr/bin/python3 oom.guard.audit
	@echo "facts written to $(CURDIR)/oom-report/"

# Benchmarks (never part of `make test`): writes bench/RESULTS.md and bench/plots/ (bench/README.md).
# BENCH_ARGS=--quick for a smoke run, BENCH_ARGS="--only log scan" for some; the fleet needs the image.
bench: image build
	@mkdir -p $(COLLROOT)/ansible_collections/oom
	@ln -sfn $(CURDIR) $(COLLROOT)/ansible_collections/oom/guard
	PYTHONPATH=$(COLLROOT) python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(CACHE)/tree $(CACHE)/tree.venv $(CACHE)/dist .cache/collroot tests/output

FORCE:
