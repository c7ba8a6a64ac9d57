# kyma.mtls: every set-up step a fresh machine needs lives here (and in requirements*.txt).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-test.txt | md5sum | cut -c1-12)
COLLECTIONS := $(CURDIR)/.build/collections
LINK := $(COLLECTIONS)/ansible_collections/kyma/mtls
SANITY_ROOT := $(CURDIR)/.build/sanity/ansible_collections/kyma/mtls

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)

KUBERNETES_VERSION ?= v1.34.4
CACHE_DIR ?= $(HOME)/.cache/kyma-mtls

.PHONY: help venv collection shellcheck cluster-binaries up down status demo test unit integration molecule sanity lint bench build clean

help:
	@echo "make demo   the whole tutorial locally: cluster, gateway (real Envoy), the main job, requests with client certificates"
	@echo "make test   unit + integration tests, ansible-test sanity, ansible-lint (production)"
	@echo "make up / make down / make status   the local cluster and gateway (real etcd, kube-apiserver, Envoy)"
	@echo "make bench  benchmarks (ratios measured side by side)"

$(STAMP): requirements.txt requirements-test.txt
	@echo "==> creating $(VENV) and installing pinned requirements"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

# The collection is importable as ansible_collections.kyma.mtls through a link to this checkout.
collection: venv
	@mkdir -p $(dir $(LINK))
	@ln -sfn ../../../.. $(LINK)

# Build (once per version, with progress) the kube-apiserver the local cluster runs.
cluster-binaries:
	@if [ -n "$${KUBEBUILDER_ASSETS:-}" ]; then echo "using binaries from KUBEBUILDER_ASSETS=$$KUBEBUILDER_ASSETS"; \
	else bash roles/local_cluster/files/build_kube_apiserver.sh $(KUBERNETES_VERSION) $(CACHE_DIR); fi

up: collection cluster-binaries
	$(BIN)/ansible-playbook playbooks/local_up.yml

down: collection
	$(BIN)/ansible-playbook playbooks/local_down.yml

status: collection
	$(BIN)/ansible-playbook playbooks/local_status.yml

demo: collection cluster-binaries
	$(BIN)/ansible-playbook playbooks/demo.yml -e @playbooks/vars/local.yml
	@echo "The local cluster and gateway keep running (.local/demo.json says where); 'make down' stops them."

test: unit integration molecule sanity lint

unit: collection
	$(BIN)/python -m pytest tests/unit

integration: collection cluster-binaries
	$(BIN)/python -m pytest tests/integration

# Molecule: default = the local cluster; cluster = KUBECONFIG's cluster (says it is skipped without one).
molecule: collection cluster-binaries
	$(BIN)/molecule test --all

# ansible-test wants the collection at ansible_collections/kyma/mtls inside a git tree, and makes a
# virtual environment per test whose pip it bootstraps with a script it cannot download here.
# shellcheck (Debian package) lets ansible-test check the roles' shell scripts.
shellcheck:
	@command -v shellcheck >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; \
	  else echo "shellcheck is missing: sudo apt-get install shellcheck" >&2; exit 1; fi; }

sanity: venv shellcheck
	rm -rf $(dir $(SANITY_ROOT))mtls && mkdir -p $(SANITY_ROOT)
	git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C $(SANITY_ROOT)
	cd $(SANITY_ROOT) && git init -q && git add -A
	@pip_version=$$(grep -oP "pip='\K[0-9.]+" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py); \
	  mkdir -p $$HOME/.ansible/test/cache; \
	  cp tests/sanity/pip_bootstrap.py $$HOME/.ansible/test/cache/get_pip_$${pip_version//./_}.py
	cd $(SANITY_ROOT) && $(BIN)/ansible-test sanity --python 3.11 --color no

lint: collection
	$(BIN)/ansible-lint --profile production --offline

bench: collection cluster-binaries
	$(BIN)/python bench/xfcc_parse.py
	$(BIN)/python bench/certificate_fleet.py
	cd bench && $(BIN)/python gateway_load.py && $(BIN)/python policy_propagation.py

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean:
	rm -rf .build .local tests/output
