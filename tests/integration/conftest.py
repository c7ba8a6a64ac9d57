"""Fixtures shared by the integration tests: a PKI issued through the collection's own playbooks."""

import contextlib
import os

import pytest

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
def running_local_environment(local_dir):
    """The local environment in a folder and on free ports of its own; stopped on the way out, even
    after a failure."""
    ports = {name: free_port() for name in PORTS}
    env = {"KYMA_MTLS_LOCAL_DIR": local_dir}
    try:
        up = run_playbook(localenv_playbook("up.yml"), ports, env=env)
        assert up.returncode == 0, up.stdout[-4000:]
        yield {"dir": local_dir, "ports": ports, "env": env, "kubeconfig": os.path.join(local_dir, "kubeconfig"),
               "socket": os.path.join(local_dir, "node", "https.sock"), "https": ports["node_https_port"],
               "istiod": "http://127.0.0.1:%d" % ports["istio_http_port"],
               "node": "http://127.0.0.1:%d" % ports["node_status_port"]}
    finally:
        run_playbook(localenv_playbook("down.yml"), ports, env=env)
