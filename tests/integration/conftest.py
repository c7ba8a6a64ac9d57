"""Fixtures shared by the integration tests: a PKI issued through the collection's own playbooks."""

import contextlib
import os

import pytest
import yaml

from tests.support.https import get
from tests.support.localenv import PORTS
from tests.support.playbooks import REPO, run_playbook
from tests.support.processes import free_port

DOMAIN = "mtls.example.test"
GATEWAY_SPIFFE = "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"


def issue_pki(pki, clients):
    """CA and gateway certificates (tutorial playbook) plus the given clients; returns {name: result}."""
    tutorial = run_playbook(os.path.join(REPO, "playbooks", "tutorial_certificates.yml"),
                            {"mtls_pki_dir": pki, "mtls_domain": DOMAIN, "mtls_clients": []})
    assert tutorial.returncode == 0, tutorial.stdout[-2000:]
    identity = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "gateway_identity.yml"),
                            {"pki": pki, "domain": DOMAIN})
    assert identity.returncode == 0, identity.stdout[-2000:]
    issued = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "client_set.yml"),
                          {"pki": pki, "clients": clients})
    assert issued.returncode == 0, issued.stdout[-3000:]
    return {c["name"]: c for c in issued.tasks()["Issue the clients"]["certificates"]}


@pytest.fixture(scope="session")
def pki_factory(tmp_path_factory):
    def make(clients):
        pki = str(tmp_path_factory.mktemp("pki"))
        return pki, issue_pki(pki, clients)
    return make


def localenv_playbook(name):
    return os.path.join(REPO, "localenv", "playbooks", name)


@contextlib.contextmanager
def running_local_environment(local_dir, kyma=True, **variables):
    """The local environment in a folder and on free ports of its own (variables: more for its
    playbooks, kept with the ports); stopped on the way out, even after a failure. kyma=False:
    without Kyma's parts (no copy of its code to find, no clone to be had), for tests of Istio alone."""
    ports = {name: free_port() for name in PORTS}
    if not kyma:
        ports.update(kyma_vendor=os.path.join(local_dir, "no-vendor"),
                     kyma_api_gateway_repository="file:///nonexistent/api-gateway")
    ports.update(variables)  # every later playbook run gets them too
    env = {"KYMA_MTLS_LOCAL_DIR": local_dir}
    try:
        up = run_playbook(localenv_playbook("up.yml"), ports, env=env)
        assert up.returncode == 0, up.stdout[-4000:]
        yield {"dir": local_dir, "ports": ports, "env": env, "kubeconfig": os.path.join(local_dir, "kubeconfig"),
               "up": up.stdout,
               "socket": os.path.join(local_dir, "node", "https.sock"), "https": ports["node_https_port"],
               "istiod": "http://127.0.0.1:%d" % ports["istio_http_port"],
               "node": "http://127.0.0.1:%d" % ports["node_status_port"]}
    finally:
        run_playbook(localenv_playbook("down.yml"), ports, env=env)


def main_job(env, check=False, **variables):
    """playbooks/expose_mtls.yml on a local environment, as make demo runs it (localenv/vars/local.yml)
    unless variables say otherwise."""
    with open(os.path.join(REPO, "localenv", "vars", "local.yml")) as handle:
        local = yaml.safe_load(handle)
    local.update(env["ports"])
    local.update(variables)
    return run_playbook(os.path.join(REPO, "playbooks", "expose_mtls.yml"), local, check=check, env=env["env"])


def request_as(env, client, host, path, headers=None, method="GET"):
    """(status, headers, body) of a request through the environment's gateway as a client of the
    environment's PKI (a name), a client whose files are at a path, or no one (None)."""
    cert = key = None
    if client:
        cert, key = (os.path.join(env["pki"], client + ".crt"), os.path.join(env["pki"], client + ".key")) \
            if "/" not in client else (client + ".crt", client + ".key")
    return get(env["https"], host, path, os.path.join(env["pki"], "server-ca.crt"), cert, key, headers=headers,
               method=method)
