"""The embedded local cluster: a real etcd and kube-apiserver with Istio's CRDs, driven by its role."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import ssl

import pytest

from tests.integration.conftest import running_local_cluster
from tests.support.playbooks import REPO, run_playbook


def playbook(name):
    return os.path.join(REPO, "playbooks", name)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A cluster of this module's own: its tests kill etcd and stop it."""
    with running_local_cluster(str(tmp_path_factory.mktemp("local"))) as info:
        yield info


def api_get(cluster, path):
    pki = os.path.join(cluster["dir"], "cluster", "pki")
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
    url = "https://127.0.0.1:%d%s" % (cluster["ports"]["local_cluster_apiserver_port"], path)
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return json.loads(response.read())


def test_real_apiserver_version(cluster):
    version = api_get(cluster, "/version")
    assert version["gitVersion"] == "v1.34.4" and version["major"] == "1" and version["minor"] == "34"


def test_istio_crds_established_and_namespaces(cluster):
    crds = api_get(cluster, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]
    names = {c["metadata"]["name"]: c for c in crds}
    for name in ("gateways.networking.istio.io", "virtualservices.networking.istio.io",
                 "authorizationpolicies.security.istio.io"):
        conditions = {c["type"]: c["status"] for c in names[name]["status"]["conditions"]}
        assert conditions["Established"] == "True"
    namespaces = {n["metadata"]["name"] for n in api_get(cluster, "/api/v1/namespaces")["items"]}
    assert {"istio-system", "kyma-system"} <= namespaces


def test_anonymous_requests_are_refused(cluster):
    context = ssl.create_default_context(cafile=os.path.join(cluster["dir"], "cluster", "pki", "ca.crt"))
    url = "https://127.0.0.1:%d/api/v1/namespaces" % cluster["ports"]["local_cluster_apiserver_port"]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, context=context, timeout=10)
    assert info.value.code in (401, 403)


def test_second_start_changes_nothing(cluster):
    again = run_playbook(playbook("local_up.yml"), cluster["ports"], env=cluster["env"])
    assert again.returncode == 0 and again.changed() == 0, [
        name for name, task in again.tasks().items() if task.get("changed")]


def test_objects_through_kubernetes_core(cluster):
    run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "cluster_objects.yml"),
                       {"kubeconfig": cluster["kubeconfig"]})
    assert run.failures() == 0, run.stdout[-3000:]
    tasks = run.tasks()
    read = [r["resources"] for r in tasks["Read them back"]["results"]]
    assert read[0][0]["spec"]["servers"][0]["tls"]["mode"] == "MUTUAL"
    assert read[1][0]["spec"]["http"][0]["route"][0]["headers"]["request"]["set"] == {
        "X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}
    assert read[2][0]["spec"]["rules"][0]["when"][0]["notValues"] == ["O=example,CN=client2.example.com"]
    rejected = tasks["Apply a Gateway whose TLS mode does not exist"]
    assert rejected["failed"]
    # The apiserver's own schema validation, from Istio's CRD (the module quotes its JSON Status).
    status = json.loads(rejected["msg"].split(": ", 1)[1])
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert {"reason": "FieldValueNotSupported", "field": "spec.servers[0].tls.mode"}.items() <= status["details"]["causes"][0].items()
    assert 'Unsupported value: "SOMETIMES"' in status["message"]


def test_status_reports_a_crash(cluster):
    pid_file = os.path.join(cluster["dir"], "cluster", "run", "etcd.pid")
    with open(pid_file) as handle:
        os.kill(json.load(handle)["pid"], signal.SIGKILL)
    time.sleep(0.5)
    status = run_playbook(playbook("local_status.yml"), cluster["ports"], env=cluster["env"])
    assert status.returncode != 0
    assert "etcd has crashed (its pid file is there, its process is not)" in status.stdout
    assert "kube-apiserver has crashed" not in status.stdout


def test_stop_leaves_no_process_and_no_port(cluster):
    down = run_playbook(playbook("local_down.yml"), cluster["ports"], env=cluster["env"])
    assert down.returncode == 0
    run_dir = os.path.join(cluster["dir"], "cluster", "run")
    assert not [f for f in os.listdir(run_dir) if f.endswith(".pid")]
    for port in cluster["ports"].values():
        assert subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port],
                              capture_output=True, check=False).returncode != 0, "port %d still open" % port
    again = run_playbook(playbook("local_down.yml"), cluster["ports"], env=cluster["env"])
    assert again.returncode == 0 and again.changed() == 0
    for run_dir in (os.path.join(cluster["dir"], "cluster", "run"), os.path.join(cluster["dir"], "gateway", "run")):
        assert not [f for f in os.listdir(run_dir) if f.endswith(".pid")]


def test_check_mode_on_a_stopped_environment_starts_nothing(cluster):
    checked = run_playbook(playbook("local_up.yml"), cluster["ports"], check=True, env=cluster["env"])
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert checked.changed() > 0
    for run_dir in (os.path.join(cluster["dir"], "cluster", "run"), os.path.join(cluster["dir"], "gateway", "run")):
        assert not [f for f in os.listdir(run_dir) if f.endswith(".pid")]
