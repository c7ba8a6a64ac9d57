"""playbooks/expose_mtls.yml against the local cluster: check mode, converge, idempotence, absent."""

import base64
import json
import os
import subprocess

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "expose_mtls.yml")
LOCAL_VARS = os.path.join(REPO, "playbooks", "vars", "local.yml")
OURS = [("kyma-mtls", "gateway.networking.istio.io", "kyma-mtls-gateway"),
        ("kyma-mtls", "virtualservice.networking.istio.io", "httpbin-mtls"),
        ("kyma-mtls", "authorizationpolicy.security.istio.io", "httpbin-mtls-allowed-clients"),
        ("kyma-mtls", "deployment", "httpbin"), ("kyma-mtls", "service", "httpbin"),
        ("istio-system", "secret", "kyma-mtls-credential")]


def kubectl(cluster, *args):
    return subprocess.run(["kubectl", "--kubeconfig", cluster["kubeconfig"]] + list(args),
                          capture_output=True, text=True, check=False)


def exists(cluster, namespace, kind, name):
    return kubectl(cluster, "get", "-n", namespace, kind, name).returncode == 0


@pytest.fixture(scope="module")
def cluster(local_cluster):
    return local_cluster


def run_job(cluster, check=False, diff=False, **variables):
    variables.setdefault("mtls_kubeconfig", cluster["kubeconfig"])
    variables.setdefault("mtls_context", "kyma-mtls-local")
    variables.setdefault("mtls_expose_mode", "virtualservice")
    return run_playbook(PLAYBOOK, variables, check=check, diff=diff, env=cluster["env"])


def test_check_mode_on_an_empty_cluster_shows_without_applying(cluster):
    run = run_job(cluster, check=True, diff=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.changed() > 0
    assert not any(exists(cluster, *obj) for obj in OURS)
    assert not os.path.exists(os.path.join(cluster["dir"], "pki", "gateway.key"))
    assert "PRIVATE KEY" not in run.stdout


def test_converge_then_nothing_to_change(cluster):
    first = run_job(cluster)
    assert first.returncode == 0, first.stdout[-3000:]
    assert all(exists(cluster, *obj) for obj in OURS)
    key = open(os.path.join(cluster["dir"], "pki", "gateway.key"), "rb").read()
    assert base64.b64encode(key).decode() not in first.stdout and "PRIVATE KEY" not in first.stdout
    second = run_job(cluster)
    assert second.returncode == 0 and second.changed() == 0, [
        name for name, task in second.tasks().items() if task.get("changed")]
    checked = run_job(cluster, check=True, diff=True)
    assert checked.returncode == 0 and checked.changed() == 0


def test_policy_holds_the_issued_subject(cluster):
    policy = json.loads(kubectl(cluster, "get", "-n", "kyma-mtls", "authorizationpolicy",
                                "httpbin-mtls-allowed-clients", "-o", "json").stdout)
    assert policy["spec"]["action"] == "DENY"
    assert policy["spec"]["rules"][0]["when"][0]["notValues"] == ["O=example,CN=client2.example.com"]


def test_wildcard_subject_is_refused(cluster):
    run = run_job(cluster, mtls_clients=[{"name": "star", "subject": "/CN=*"}], mtls_allowed_clients=["star"])
    assert run.returncode != 0
    assert "none may start or end with '*'" in run.stdout


def test_absent_removes_what_it_created_and_nothing_else(cluster):
    kubectl(cluster, "create", "configmap", "-n", "kyma-mtls", "not-ours", "--from-literal=a=b")
    kubectl(cluster, "create", "secret", "generic", "-n", "istio-system", "not-ours", "--from-literal=a=b")
    run = run_job(cluster, mtls_state="absent")
    assert run.returncode == 0, run.stdout[-3000:]
    assert not any(exists(cluster, *obj) for obj in OURS)
    assert exists(cluster, "kyma-mtls", "configmap", "not-ours")
    assert exists(cluster, "istio-system", "secret", "not-ours")
    assert exists(cluster, "", "namespace", "kyma-mtls")
    # The files of this job's clients go; those of the wildcard test's other client list stay.
    assert sorted(os.listdir(os.path.join(cluster["dir"], "pki"))) == ["star.crt", "star.key"]
