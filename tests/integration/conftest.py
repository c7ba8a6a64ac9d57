"""Fixtures shared by the integration tests: a PKI issued through the collection's own playbooks."""

import os

import pytest

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


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory):
    """A local cluster of its own (folder and ports) for the tests that apply objects; stopped at the end."""
    local = str(tmp_path_factory.mktemp("cluster"))
    ports = {"local_cluster_etcd_port": free_port(), "local_cluster_etcd_peer_port": free_port(),
             "local_cluster_apiserver_port": free_port()}
    env = {"KYMA_MTLS_LOCAL_DIR": local}
    try:
        up = run_playbook(os.path.join(REPO, "playbooks", "local_up.yml"), ports, env=env)
        assert up.returncode == 0, up.stdout[-4000:]
        yield {"dir": local, "ports": ports, "env": env, "kubeconfig": os.path.join(local, "kubeconfig")}
    finally:
        run_playbook(os.path.join(REPO, "playbooks", "local_down.yml"), ports, env=env)
