"""The main job's allow-list at scale, on real istiod and Envoy: past 256 clients it is cut into
prefix buckets held by several policies, and the gateway still lets in exactly the allowed
certificates; a shorter list takes the buckets away again; 0.4's per-workload policy goes."""

import json
import os
import time

import pytest

from tests.integration.conftest import main_job, request_as, running_local_environment

POLICIES = "/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies"
HOST = ("httpbin.local.kyma.dev", "/headers")
CLIENTS = [{"name": "c%d" % i, "subject": "/CN=c%d.example.com/O=example" % i} for i in range(1200)]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("allowlist")), kyma=False) as env:
        from tests.support.kube import Kube  # pylint: disable=import-outside-toplevel
        env["kube"] = Kube(env["kubeconfig"])
        env["pki"] = os.path.join(env["dir"], "pki")
        yield env


def job(env, allowed):
    run = main_job(env, mtls_expose_mode="virtualservice", mtls_clients=CLIENTS, mtls_allowed_clients=allowed)
    assert run.returncode == 0, run.stdout[-3000:]
    return run


def policies(env):
    return env["kube"].get(POLICIES + "?labelSelector=kyma.mtls%2Fallow-list%3Dkyma-mtls-gateway-allowed-clients")["items"]


def status_until(env, client, wanted, seconds=30):
    """The client's status once it is `wanted` (istiod pushes within a second), or the last one seen."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            status = request_as(env, client, *HOST)[0]
        except OSError:
            status = None
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.3)


def test_six_hundred_allowed_clients_are_cut_into_buckets_and_only_they_get_in(env):
    # kyma.mtls 0.4's policy for the workload, here one that denies everyone: the job must delete it.
    env["kube"].create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "kyma-mtls", "labels": {"istio-injection": "enabled"}}})
    env["kube"].create(POLICIES, {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {
        "name": "httpbin-mtls-allowed-clients", "namespace": "kyma-mtls",
        "labels": {"app.kubernetes.io/managed-by": "kyma.mtls"}},
        "spec": {"selector": {"matchLabels": {"app": "httpbin"}}, "action": "DENY", "rules": [{}]}})
    job(env, ["c%d" % i for i in range(600)])
    found = policies(env)
    # 600 subjects and 600 fingerprints: a few buckets each, in one bucket policy beside the main one.
    assert [p["metadata"]["name"].startswith("kyma-mtls-gateway-allowed-clients-") for p in found].count(True) >= 1
    assert len(found) >= 2 and max(len(json.dumps(p)) for p in found) < 256 * 1024
    assert env["kube"].get(POLICIES + "/httpbin-mtls-allowed-clients") is None
    for allowed in ("c0", "c333", "c599"):
        assert status_until(env, allowed, 200) == 200, allowed
    for denied in ("c600", "c1199"):
        assert status_until(env, denied, 403) == 403, denied


def test_a_short_list_takes_the_buckets_away(env):
    job(env, ["c1199"])
    assert [p["metadata"]["name"] for p in policies(env)] == ["kyma-mtls-gateway-allowed-clients"]
    assert status_until(env, "c1199", 200) == 200
    assert status_until(env, "c0", 403) == 403


def test_the_job_is_idempotent_with_buckets(env):
    job(env, ["c%d" % i for i in range(0, 1200, 2)])
    again = job(env, ["c%d" % i for i in range(0, 1200, 2)])
    assert again.changed() == 0, [name for name, task in again.tasks().items() if task.get("changed")]
    assert status_until(env, "c1198", 200) == 200 and status_until(env, "c1197", 403) == 403
