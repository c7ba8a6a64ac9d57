# kyma.mtls: every set-up step a fresh machine needs lives here (and in requirements*.txt).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
# The main environment runs the newest ansible-core, which needs Python 3.12 or later (pyenv's, or
# python3.12 on PATH); the other maintained releases are make compat's.
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-test.txt | md5sum | cut -c1-12)
COLLECTIONS := $(CURDIR)/.build/collections
SANITY_ROOT := $(CURDIR)/.build/sanity/ansible_collections

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)
# The local environment's folder (cluster data, certificates, logs); Molecule and tests use their own.
export KYMA_MTLS_LOCAL_DIR ?= $(CURDIR)/.local

CACHE_DIR ?= $(HOME)/.cache/kyma-mtls
BUILD := bash localenv/scripts/build_binaries.sh
# The versions the local environment's roles pin (one place: their defaults).
version = $(shell sed -n 's/^$(1): //p' localenv/roles/$(2)/defaults/main.yml)
KUBERNETES_VERSION := $(call version,cluster_kubernetes_version,cluster)
ISTIO_VERSION := $(call version,istio_version,istio)
HELM_VERSION := $(call version,istio_helm_version,istio)
KUSTOMIZE_VERSION := $(call version,kyma_kustomize_version,kyma)
API_GATEWAY_VERSION := $(call version,kyma_api_gateway_version,kyma)
FORTIO_VERSION := $(shell sed -n 's/^FORTIO_VERSION = "\(.*\)"/\1/p' tests/support/fortio.py)
# Kyma's api-gateway source: kept beside this repository (the kyma role also takes a checkout or a clone).
API_GATEWAY_SOURCE ?= $(abspath $(CURDIR)/../shared/vendor/kyma-api-gateway-$(API_GATEWAY_VERSION))

.PHONY: help venv collection system-packages binaries up down status demo test unit integration faults molecule sanity sanity-tree compat lint bench build clean

help:
	@echo "make demo   the whole tutorial locally: Kubernetes, istiod, the ingress gateway, the main job, requests with client certificates"
	@echo "make test   unit + integration tests, Molecule, ansible-test sanity, ansible-lint (production)"
	@echo "make up / make down / make status   the local environment (real Kubernetes control plane, istiod, Envoy)"
	@echo "make binaries   build Kubernetes, istiod, pilot-agent, helm, kustomize, Kyma's api-gateway and fortio once (cached in $(CACHE_DIR))"
	@echo "make bench  benchmarks (ratios measured side by side)"

$(STAMP): requirements.txt requirements-test.txt
	@[ -n "$(PYTHON312)" ] || { echo "the main environment needs Python 3.12 (pyenv's, or python3.12 on PATH; or PYTHON312=...)" >&2; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON312) and installing pinned requirements"
	rm -rf $(VENV)
	$(PYTHON312) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

# A Python with a cryptography too old for the modules (tests/integration/test_old_cryptography.py).
OLD_CRYPTOGRAPHY := $(CURDIR)/.build/old-cryptography
$(OLD_CRYPTOGRAPHY)/.installed: tests/requirements-old-cryptography.txt
	$(PYTHON) -m venv $(OLD_CRYPTOGRAPHY)
	$(OLD_CRYPTOGRAPHY)/bin/python -m pip install --quiet -r tests/requirements-old-cryptography.txt
	touch $@

# kyma.mtls (this checkout) and kyma_mtls.localenv (its local environment, never in the built
# collection) are importable from .build/collections through links.
collection: venv
	@mkdir -p $(COLLECTIONS)/ansible_collections/kyma $(COLLECTIONS)/ansible_collections/kyma_mtls
	@ln -sfn ../../../.. $(COLLECTIONS)/ansible_collections/kyma/mtls
	@ln -sfn ../../../../localenv $(COLLECTIONS)/ansible_collections/kyma_mtls/localenv

# Debian packages: iptables (Istio's init container sets up each pod's traffic capture) and
# shellcheck (ansible-test checks the scripts with it).
system-packages:
	@missing=$$(for c in iptables-restore shellcheck; do command -v $$c >/dev/null || echo $$c; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables shellcheck >/dev/null; \
	  else echo "missing: $$missing; run: sudo apt-get install iptables shellcheck" >&2; exit 1; fi; fi

# Build (once per version, with progress) what the local environment runs. KUBEBUILDER_ASSETS and
# KYMA_MTLS_ISTIO_HOME name prebuilt binaries instead (see localenv/README.md).
binaries:
	$(BUILD) kubernetes $(KUBERNETES_VERSION) $(CACHE_DIR)
	@if [ -n "$${KYMA_MTLS_ISTIO_HOME:-}" ]; then echo "using Istio from KYMA_MTLS_ISTIO_HOME=$$KYMA_MTLS_ISTIO_HOME"; \
	else $(BUILD) istio $(ISTIO_VERSION) $(CACHE_DIR); fi
	$(BUILD) helm $(HELM_VERSION) $(CACHE_DIR)
	$(BUILD) kustomize $(KUSTOMIZE_VERSION) $(CACHE_DIR)
	$(BUILD) fortio $(FORTIO_VERSION) $(CACHE_DIR)
	@if [ -f "$(API_GATEWAY_SOURCE)/go.mod" ]; then $(BUILD) api-gateway $(API_GATEWAY_VERSION) $(CACHE_DIR) $(API_GATEWAY_SOURCE); \
	else echo "Kyma's api-gateway source is not at $(API_GATEWAY_SOURCE): the local environment will serve no APIRules"; fi

up: collection system-packages binaries
	$(BIN)/ansible-playbook localenv/playbooks/up.yml

down: collection
	$(BIN)/ansible-playbook localenv/playbooks/down.yml

status: collection
	$(BIN)/ansible-playbook localenv/playbooks/status.yml

demo: collection system-packages binaries
	$(BIN)/ansible-playbook localenv/playbooks/demo.yml -e @localenv/vars/local.yml
	@echo "The local environment keeps running ($(KYMA_MTLS_LOCAL_DIR)/demo.json says where); 'make down' stops it."

test: unit integration molecule sanity compat lint

# pytest on every unit test (kyma.mtls's and the local environment's), then kyma.mtls's under ansible-test
# units, as collection CI runs them (its own virtual environment, module_utils apart from controller code).
unit: collection
	$(BIN)/python -m pytest tests/unit
	$(MAKE) --no-print-directory sanity-tree
	cd $(SANITY_ROOT)/kyma/mtls && $(BIN)/ansible-test units --venv --python 3.12 --color no tests/unit/plugins/ tests/unit/meta/

integration: collection system-packages binaries $(OLD_CRYPTOGRAPHY)/.installed
	$(BIN)/python -m pytest tests/integration

# etcd, kube-apiserver and istiod killed during a converge: one round each in make test (integration),
# more with KYMA_MTLS_FAULT_ROUNDS=3 make faults.
faults: collection system-packages binaries
	$(BIN)/python -m pytest -m faults tests/integration/test_faults.py

# Molecule: default = the local environment; cluster = KUBECONFIG's cluster (says it is skipped without one).
# On a failure, the lines that say what failed come again last: CI shows the end of the output.
molecule: collection system-packages binaries
	@mkdir -p .build
	set -o pipefail; $(BIN)/molecule test --all 2>&1 | tee .build/molecule.log || { \
	  echo "=== Molecule failed; the failing tasks (whole log: .build/molecule.log):"; \
	  sed 's/\x1b\[[0-9;]*m//g' .build/molecule.log | grep -a -A15 -E 'fatal: |failed: |FAILED!|ERROR!' | tail -80; \
	  exit 1; }

# ansible-test wants each collection at ansible_collections/<namespace>/<name> inside a git tree:
# kyma.mtls without its local environment, and kyma_mtls.localenv beside it (it uses kyma.mtls).
# It makes a virtual environment per test whose pip it bootstraps with a script it cannot download here.
sanity-tree: venv
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)/kyma/mtls $(SANITY_ROOT)/kyma_mtls/localenv
	git ls-files -co --exclude-standard -z -- . ':!localenv' | xargs -0 tar -cf - | tar -xf - -C $(SANITY_ROOT)/kyma/mtls
	git ls-files -co --exclude-standard -z -- localenv | xargs -0 tar -cf - | tar -xf - --strip-components=1 -C $(SANITY_ROOT)/kyma_mtls/localenv
	for collection in kyma/mtls kyma_mtls/localenv; do (cd $(SANITY_ROOT)/$$collection && git init -q && git add -A); done
	@mkdir -p $$HOME/.ansible/test/cache; \
	for requirements in $(CURDIR)/.venv/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py \
	    $(CURDIR)/.build/ansible-*/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py; do \
	  [ -f "$$requirements" ] || continue; pip_version=$$(grep -oP "pip='\K[0-9.]+" $$requirements); \
	  cp tests/sanity/pip_bootstrap.py $$HOME/.ansible/test/cache/get_pip_$${pip_version//./_}.py; \
	done

sanity: venv system-packages sanity-tree
	for collection in kyma/mtls kyma_mtls/localenv; do \
	  (cd $(SANITY_ROOT)/$$collection && $(BIN)/ansible-test sanity --python 3.12 --color no); \
	done

# The other ansible-core releases still maintained (the newest is requirements.txt's): kyma.mtls's unit
# tests and ansible-test sanity on each, with the kubernetes.core its ansible package ships, on Python 3.12.
COMPAT_VERSIONS := 2.19 2.20
COMPAT_PYTHON ?= $(PYTHON312)
$(CURDIR)/.build/ansible-%/.installed: tests/compat/ansible-%.txt
	@[ -n "$(COMPAT_PYTHON)" ] || { echo "make compat needs Python 3.12 (pyenv's, or python3.12 on PATH; or COMPAT_PYTHON=...)" >&2; exit 1; }
	$(COMPAT_PYTHON) -m venv $(CURDIR)/.build/ansible-$*
	$(CURDIR)/.build/ansible-$*/bin/python -m pip install --quiet -r tests/compat/ansible-$*.txt
	touch $@

compat: collection system-packages $(COMPAT_VERSIONS:%=$(CURDIR)/.build/ansible-%/.installed)
	$(MAKE) --no-print-directory sanity-tree
	for version in $(COMPAT_VERSIONS); do \
	  echo "==> ansible-core $$version: unit tests"; \
	  $(CURDIR)/.build/ansible-$$version/bin/python -m pytest -q -p no:cacheprovider tests/unit; \
	  echo "==> ansible-core $$version: ansible-test sanity"; \
	  (cd $(SANITY_ROOT)/kyma/mtls && PATH=$(CURDIR)/.build/ansible-$$version/bin:$$PATH \
	    ansible-test sanity --python 3.12 --color no); \
	done

# The collection's documentation as antsibull-docs (the Ansible docsite's tool) reads it: markup and references;
# and the changelog fragments (antsibull-changelog, which antsibull-docs brings).
DOCS_LINT := $(CURDIR)/.build/docs-lint
$(DOCS_LINT)/.installed: tests/requirements-docs-lint.txt
	$(PYTHON) -m venv $(DOCS_LINT)
	$(DOCS_LINT)/bin/python -m pip install --quiet -r tests/requirements-docs-lint.txt
	touch $@

lint: collection $(DOCS_LINT)/.installed
	$(BIN)/ansible-lint --profile production --offline
	$(DOCS_LINT)/bin/antsibull-changelog lint
	cd $(COLLECTIONS)/ansible_collections/kyma/mtls && PATH=$(DOCS_LINT)/bin:$$PATH \
	  ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS):$(wildcard $(VENV)/lib/python3*/site-packages) \
	  $(DOCS_LINT)/bin/antsibull-docs lint-collection-docs --plugin-docs .

bench: collection system-packages binaries
	$(BIN)/python bench/xfcc_parse.py
	$(BIN)/python bench/certificate_fleet.py
	cd bench && $(BIN)/python environment.py && $(BIN)/python gateway_load.py && $(BIN)/python policy_propagation.py

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean:
	rm -rf .build .local tests/output
