"""The local environment, driven by its playbooks: a real Kubernetes control plane, real istiod with
its webhooks, the ingress gateway Istio's chart defines, run by the node as a pod with a real Envoy."""

import json
import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from tests.integration.conftest import localenv_playbook, running_local_environment
from tests.support.kube import Kube
from tests.support.playbooks import REPO, run_playbook


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """An environment of this module's own (its last tests kill etcd and stop it), without Kyma's
    code: no copy beside the repository, and the clone cannot be had."""
    with running_local_environment(str(tmp_path_factory.mktemp("localenv")), kyma=False) as info:
        info["kube"] = Kube(info["kubeconfig"])
        yield info


def api_get(env, path):
    pki = os.path.join(env["dir"], "cluster", "pki")
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
    url = "https://127.0.0.1:%d%s" % (env["ports"]["cluster_apiserver_port"], path)
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return json.loads(response.read())


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("not within %ds" % seconds)


def test_a_real_kubernetes_control_plane(env):
    version = api_get(env, "/version")
    assert version["gitVersion"] == "v1.34.4"
    [node] = api_get(env, "/api/v1/nodes")["items"]
    assert {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"] == "True"
    kube = env["kube"]
    # The controller manager: a namespace gets its default ServiceAccount, and deleting it finishes.
    kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scratch"}})
    wait_for(lambda: kube.get("/api/v1/namespaces/scratch/serviceaccounts/default"))
    kube.delete("/api/v1/namespaces/scratch")
    wait_for(lambda: kube.get("/api/v1/namespaces/scratch") is None)


def test_without_kymas_code_it_says_so_and_serves_no_apirule(env):
    assert "Kyma's api-gateway source is not here" in env["up"] and "APIRules are not served here" in env["up"]
    assert "Kyma serverless (its Function CRD and runtimes) is not here" in env["up"]
    with open(os.path.join(env["dir"], "kyma", "capabilities.yml")) as handle:
        assert yaml.safe_load(handle) == {"apirules": False, "functions": False}
    assert env["kube"].get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/apirules.gateway.kyma-project.io") is None
    assert env["kube"].get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/functions.serverless.kyma-project.io") is None
    # The main job then exposes with a VirtualService and leaves the Function out.
    with open(os.path.join(REPO, "localenv", "vars", "local.yml")) as handle:
        local = yaml.safe_load(handle)
    checked = run_playbook(os.path.join(REPO, "playbooks", "expose_mtls.yml"), local, check=True, env=env["env"])
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "Exposed (virtualservice): httpbin.local.kyma.dev" in checked.stdout


def test_anonymous_requests_are_refused(env):
    context = ssl.create_default_context(cafile=os.path.join(env["dir"], "cluster", "pki", "ca.crt"))
    url = "https://127.0.0.1:%d/api/v1/namespaces" % env["ports"]["cluster_apiserver_port"]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, context=context, timeout=10)
    assert info.value.code in (401, 403)


def test_istio_of_the_pinned_version_with_its_crds_and_mesh_config(env):
    crds = {c["metadata"]["name"]: c for c in api_get(env, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]}
    for name in ("gateways.networking.istio.io", "virtualservices.networking.istio.io",
                 "authorizationpolicies.security.istio.io", "telemetries.telemetry.istio.io"):
        assert {c["type"]: c["status"] for c in crds[name]["status"]["conditions"]}["Established"] == "True"
    with urllib.request.urlopen(env["istiod"] + "/ready", timeout=5) as response:
        assert response.status == 200
    mesh = env["kube"].get("/api/v1/namespaces/istio-system/configmaps/istio")["data"]["mesh"]
    assert "metrics: []" in mesh and "discoveryAddress: localhost:15012" in mesh


def test_the_ingress_gateway_is_a_pod_istiod_injected_behind_a_load_balancer(env):
    kube = env["kube"]
    [pod] = kube.get("/api/v1/namespaces/istio-system/pods")["items"]
    assert pod["metadata"]["labels"]["app"] == "istio-ingressgateway"
    assert pod["metadata"]["labels"]["istio"] == "ingressgateway"
    assert "sidecar.istio.io/status" in pod["metadata"]["annotations"]  # written by istiod's injection webhook
    [proxy] = pod["spec"]["containers"]
    assert proxy["image"].startswith("docker.io/istio/proxyv2:") and proxy["args"][:2] == ["proxy", "router"]
    assert pod["spec"]["serviceAccountName"] == "istio-ingressgateway-service-account"
    assert pod["status"]["phase"] == "Running" and pod["status"]["containerStatuses"][0]["ready"]
    service = kube.get("/api/v1/namespaces/istio-system/services/istio-ingressgateway")
    assert [i["ip"] for i in service["status"]["loadBalancer"]["ingress"]] == ["127.0.0.1"]
    ports = {p["port"]: p["targetPort"] for p in service["spec"]["ports"]}
    assert ports[443] == 8443 and ports[80] == 8080
    # The load balancer reaches the gateway's listener; without a Gateway object there is none on 8443 yet.
    slices = kube.get("/apis/discovery.k8s.io/v1/namespaces/istio-system/endpointslices")["items"]
    assert pod["status"]["podIP"] in [a for s in slices for e in s["endpoints"] for a in e["addresses"]]


def test_istiods_validation_webhook_is_live(env):
    """The CRD schema accepts a MUTUAL server without credentials; istiod's own validation does not."""
    kube = env["kube"]
    gateway = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
               "metadata": {"name": "no-credential", "namespace": "default"},
               "spec": {"selector": {"istio": "ingressgateway"},
                        "servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                                     "hosts": ["*.example.com"], "tls": {"mode": "MUTUAL"}}]}}
    status, body = kube.call("POST", "/apis/networking.istio.io/v1/namespaces/default/gateways", gateway)
    assert status == 400, body
    assert "validation.istio.io" in body["message"] and "MUTUAL TLS requires a private key" in body["message"]


def processes_of(env):
    """Pids of every process started for the environment (their command lines name its folder or pod namespaces)."""
    prefix = node_netns_prefix(env)
    found = []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().decode("utf-8", "replace")
            netns = os.readlink("/proc/%d/ns/net" % pid)
        except OSError:
            continue
        if env["dir"] in cmdline or (prefix and any(os.stat("/run/netns/" + n).st_ino == int(netns[5:-1])
                                                    for n in netns_names(prefix))):
            found.append(pid)
    return found


def node_netns_prefix(env):
    with open(os.path.join(env["dir"], "node", "run", "node.json")) as handle:
        return json.load(handle)["netns_prefix"]


def netns_names(prefix):
    try:
        return [n for n in os.listdir("/run/netns") if n == prefix or n.startswith(prefix + "-")]
    except FileNotFoundError:
        return []


def test_nothing_listens_beyond_the_hosts_loopback(env):
    pids = set(processes_of(env))
    listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout.splitlines()
    ours = [line for line in listening if any("pid=%d," % pid in line for pid in pids)]
    assert ours  # etcd, kube-apiserver, istiod, the node, the load balancer
    for line in ours:
        local = line.split()[3]
        assert local.startswith(("127.", "[::1]", "[::ffff:127.")), line
    # The pods' Envoys listen on all addresses, but inside their own network namespaces.
    assert not [line for line in ours if "envoy" in line or "pilot-agent" in line]


def test_a_second_start_changes_nothing(env):
    again = run_playbook(localenv_playbook("up.yml"), env["ports"], env=env["env"])
    assert again.returncode == 0 and again.changed() == 0, [
        name for name, task in again.tasks().items() if task.get("changed")]


def test_status_lists_every_process_and_each_proxys_sync_state(env):
    status = run_playbook(localenv_playbook("status.yml"), env["ports"], env=env["env"])
    assert status.returncode == 0, status.stdout[-3000:]
    for expected in ('"etcd: running (pid', '"kube-controller-manager: running (pid', '"kube-scheduler: running (pid',
                     '"istiod: running (pid', '"node: running (pid', 'istio-proxy (docker.io/istio/proxyv2:',
                     "as istio-proxy): running pid", 'istio-system/istio-ingressgateway:443 -> 10'):
        assert expected in status.stdout.replace("100.", "10"), expected
    assert ".istio-system: synced" in status.stdout


def test_objects_through_kubernetes_core(env):
    run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "cluster_objects.yml"),
                       {"kubeconfig": env["kubeconfig"]})
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
    assert 'Unsupported value: "SOMETIMES"' in status["message"]


def test_status_reports_a_crash(env):
    with open(os.path.join(env["dir"], "cluster", "run", "etcd.pid")) as handle:
        os.kill(json.load(handle)["pid"], signal.SIGKILL)
    time.sleep(0.5)
    status = run_playbook(localenv_playbook("status.yml"), env["ports"], env=env["env"])
    assert status.returncode != 0
    assert "etcd has crashed (its pid file is there, its process is not)" in status.stdout
    assert "kube-apiserver has crashed" not in status.stdout


def test_stop_leaves_no_process_port_or_network_namespace(env):
    prefix = node_netns_prefix(env)
    assert netns_names(prefix)
    down = run_playbook(localenv_playbook("down.yml"), env["ports"], env=env["env"])
    assert down.returncode == 0, down.stdout[-3000:]
    assert processes_of(env) == []
    assert netns_names(prefix) == []
    for port in (value for name, value in env["ports"].items() if name.endswith("_port")):
        assert subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port],
                              capture_output=True, check=False).returncode != 0, "port %d still open" % port
    for run_dir in ("cluster/run", "istio/run", "node/run"):
        assert not [f for f in os.listdir(os.path.join(env["dir"], run_dir)) if f.endswith(".pid")]
    again = run_playbook(localenv_playbook("down.yml"), env["ports"], env=env["env"])
    assert again.returncode == 0 and again.changed() == 0


def test_check_mode_on_a_stopped_environment_starts_nothing(env):
    checked = run_playbook(localenv_playbook("up.yml"), env["ports"], check=True, env=env["env"])
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert checked.changed() > 0
    assert processes_of(env) == []


def test_a_stopped_environment_starts_again_with_its_data(env):
    """The pods run again (with new addresses: the status the node reports replaces the old one) and
    the load balancer finds the gateway's new endpoint."""
    again = run_playbook(localenv_playbook("up.yml"), env["ports"], env=env["env"])
    assert again.returncode == 0, again.stdout[-3000:]
    [pod] = env["kube"].get("/api/v1/namespaces/istio-system/pods")["items"]
    assert pod["status"]["phase"] == "Running" and pod["status"]["containerStatuses"][0]["restartCount"] >= 1
    assert len(pod["status"]["podIPs"]) == 1
    with urllib.request.urlopen(env["node"] + "/status", timeout=5) as response:
        balancers = json.loads(response.read())["load_balancers"]
    assert balancers[0]["endpoints"] == ["%s:8443" % pod["status"]["podIP"]]
