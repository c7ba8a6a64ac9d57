"""The main job on real Istio: istiod configures the ingress gateway's Envoy and the workloads'
sidecars (injected by its webhook, traffic captured by Istio's iptables rules), real httpbin, real TLS.

Requests go through the environment's load balancer with client certificates; objects are changed
through the apiserver to see istiod carry the change to the Envoys, and to see what the roles'
policy design rests on hold on real Istio.
"""

import json
import os
import ssl
import subprocess
import time
import urllib.request

import pytest
import yaml

from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_info import inspect_header
from tests.integration.conftest import GATEWAY_SPIFFE, localenv_playbook, request_as, running_local_environment
from tests.integration.conftest import main_job as run_main_job
from tests.support.kube import Kube
from tests.support.playbooks import REPO, run_playbook

DOMAIN = "local.kyma.dev"
HTTPBIN = "httpbin." + DOMAIN
CLIENT2 = "O=example,CN=client2.example.com"
CLIENT1 = "O=example,CN=client1.example.com"
POLICIES = "/apis/security.istio.io/v1/namespaces/kyma-mtls/authorizationpolicies"
ROUTES = "/apis/networking.istio.io/v1/namespaces/kyma-mtls/virtualservices"


def main_job(env, **variables):
    """The main job on the environment: httpbin exposed with a plain Istio VirtualService (APIRules
    and Functions, Kyma's parts, are test_kyma.py's)."""
    with open(os.path.join(REPO, "localenv", "vars", "local.yml")) as handle:
        workloads = yaml.safe_load(handle)["localenv_workloads"]
    return run_main_job(env, **dict(dict(mtls_expose_mode="virtualservice", mtls_samples=["httpbin"],
                                         mtls_workloads=[w for w in workloads if w["name"] == "httpbin"]), **variables))


def sync(env):
    """Until every proxy has taken istiod's latest configuration (the sync tasks of the istio role)."""
    run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "mesh_sync.yml"), env["ports"],
                       env=env["env"])
    assert run.returncode == 0, run.stdout[-3000:]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_local_environment(str(tmp_path_factory.mktemp("mesh")), kyma=False) as info:
        applied = main_job(info)
        assert applied.returncode == 0, applied.stdout[-3000:]
        info["pki"] = os.path.join(info["dir"], "pki")
        info["kube"] = Kube(info["kubeconfig"])
        sync(info)
        yield info


def call(env, client, host=HTTPBIN, path="/headers", headers=None):
    return request_as(env, client, host, path, headers)


def eventually(env, client, expected, host=HTTPBIN, seconds=20, headers=None):
    """The statuses seen until a request gets expected (istiod pushes within its debounce window; a
    pooled connection may serve one more request under the old policy while it drains)."""
    started, seen = time.monotonic(), []
    while time.monotonic() - started < seconds:
        seen.append(call(env, client, host=host, headers=headers)[0])
        if seen[-1] == expected:
            break
        time.sleep(0.02)
    print("%s got %s after %.3f s: %s" % (client, expected, time.monotonic() - started, seen))
    return seen


def test_allowed_certificate_gets_in_with_its_subject_and_a_two_hop_xfcc(env):
    status, headers, body = call(env, "client2")
    assert status == 200 and headers["server"] == "istio-envoy"
    seen = json.loads(body)["headers"]
    assert seen["X-Client-Ssl-Cn"] == CLIENT2
    assert seen["X-Client-Ssl-Issuer"] == "CN=ClientRootCA,O=example Inc."
    xfcc = {"header": seen["X-Forwarded-Client-Cert"], "headers": None, "ca_content": None, "valid_at": None,
            "expected_uri": None, "expected_dns": None, "expected_by": None, "expected_subject": None, "ca_path": None}
    # The client's element: the gateway's, checked against the client CA and the subject.
    client_hop = inspect_header(dict(xfcc, element=0, ca_path=os.path.join(env["pki"], "client-ca.crt"),
                                     expected_subject=CLIENT2))
    assert client_hop["problems"] == [] and len(client_hop["elements"]) == 2
    # The sidecar's element, as Istio writes it: by the workload's identity, for the gateway's.
    mesh_hop = inspect_header(dict(xfcc, element=1, expected_by=["spiffe://cluster.local/ns/kyma-mtls/sa/httpbin"],
                                   expected_uri=[GATEWAY_SPIFFE]))
    assert mesh_hop["problems"] == []


def test_other_certificate_is_denied_even_with_a_forged_subject(env):
    for headers in (None, {"X-Client-Ssl-Cn": CLIENT2}):
        status, dummy, body = call(env, "client1", headers=headers)
        assert (status, body) == (403, "RBAC: access denied")


def test_a_route_that_does_not_set_the_subject_gets_nobody_in_with_a_forged_one(env):
    """The pin: the allowed certificate's hash is checked in the XFCC, which the gateway always writes."""
    kube = env["kube"]
    kube.create(ROUTES, {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                         "metadata": {"name": "httpbin-other", "namespace": "kyma-mtls"},
                         "spec": {"hosts": ["httpbin-other." + DOMAIN], "gateways": ["kyma-mtls/kyma-mtls-gateway"],
                                  "http": [{"route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]}})
    other = "httpbin-other." + DOMAIN
    policy_path = POLICIES + "/kyma-mtls-gateway-allowed-clients"
    rules = kube.get(policy_path)["spec"]["rules"]
    try:
        sync(env)
        # Nobody's subject reaches the workload there: the subject rule denies a missing header too.
        assert call(env, "client2", host=other)[0] == 403
        # Whoever sends the allowed subject gets past that rule; only the allowed certificate gets in.
        assert call(env, "client2", host=other, headers={"X-Client-Ssl-Cn": CLIENT2})[0] == 200
        status, dummy, body = call(env, "client1", host=other, headers={"X-Client-Ssl-Cn": CLIENT2})
        assert (status, body) == (403, "RBAC: access denied")
        # It is the pin that keeps client1 out: without its rule the forged subject gets in.
        kube.merge_patch(policy_path, {"spec": {"rules": rules[:1]}})
        assert eventually(env, "client1", 200, host=other, headers={"X-Client-Ssl-Cn": CLIENT2})[-1] == 200
        kube.merge_patch(policy_path, {"spec": {"rules": rules}})
        assert eventually(env, "client1", 403, host=other, headers={"X-Client-Ssl-Cn": CLIENT2})[-1] == 403
    finally:
        kube.merge_patch(policy_path, {"spec": {"rules": rules}})
        kube.delete(ROUTES + "/httpbin-other")


def test_no_certificate_and_another_ca_are_refused_at_the_handshake(env, pki_factory):
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        call(env, None)
    foreign, dummy = pki_factory([{"name": "stranger", "subject": "/CN=client2.example.com/O=example"}])
    with pytest.raises((ssl.SSLError, ConnectionResetError)):  # an alert, or EOF when it comes late
        call(env, os.path.join(foreign, "stranger"))


def test_the_unix_socket_reaches_the_same_gateway(env):
    import socket  # pylint: disable=import-outside-toplevel
    context = ssl.create_default_context(cafile=os.path.join(env["pki"], "server-ca.crt"))
    context.load_cert_chain(os.path.join(env["pki"], "client1.crt"), os.path.join(env["pki"], "client1.key"))
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(env["socket"])
        with context.wrap_socket(raw, server_hostname=HTTPBIN) as tls:
            tls.sendall(("GET /headers HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % HTTPBIN).encode())
            answer = b""
            while not answer.endswith(b"RBAC: access denied"):
                chunk = tls.recv(4096)
                if not chunk:
                    break
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 403") and answer.endswith(b"RBAC: access denied")


def test_a_policy_change_reaches_the_sidecar_through_istiod(env):
    kube = env["kube"]
    name = POLICIES + "/kyma-mtls-gateway-allowed-clients"
    policy = kube.get(name)
    original = policy["spec"]["rules"]
    # Let client1 in: its subject and its certificate's hash among the allowed.
    opened = json.loads(json.dumps(original))
    opened[0]["when"][0]["notValues"].append(CLIENT1)
    with open(os.path.join(env["pki"], "client1.crt"), "rb") as handle:
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
        fingerprint = x509.load_pem_x509_certificate(handle.read()).fingerprint(hashes.SHA256()).hex()
    opened[1]["when"][0]["notValues"].append("Hash=%s;*" % fingerprint)
    patched = kube.merge_patch(name, {"spec": {"rules": opened}})
    assert patched["spec"]["rules"][0]["when"][0]["notValues"][-1] == CLIENT1
    seen = eventually(env, "client1", 200)
    assert seen[-1] == 200 and set(seen) <= {403, 200}
    kube.merge_patch(name, {"spec": {"rules": original}})
    seen = eventually(env, "client1", 403)
    assert seen[-1] == 403


def test_a_revoked_certificate_is_refused_at_the_handshake(env):
    revoked = main_job(env, mtls_revoked_clients=["client1"])
    assert revoked.returncode == 0, revoked.stdout[-3000:]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                call(env, "client1")
            except (ssl.SSLError, ConnectionResetError):
                break
            time.sleep(0.1)
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            call(env, "client1")
        assert call(env, "client2")[0] == 200
    finally:
        assert main_job(env).returncode == 0


def app_connections(env, pod_prefix):
    """The TCP connections between the sidecar (from 127.0.0.6) and the app on port 80 in the pod whose name
    starts with pod_prefix, as `ss` sees them in its network namespace: (state, local, peer). The side
    that closed a connection first holds it in TIME-WAIT."""
    with urllib.request.urlopen(env["node"] + "/proxies", timeout=5) as response:
        [proxy] = [p for p in json.loads(response.read()) if p["pod"].startswith(pod_prefix)]
    sockets = subprocess.run(["nsenter", "--net=/run/netns/" + proxy["netns"], "ss", "-tanH"],
                             capture_output=True, text=True, check=True, timeout=10).stdout
    found = []
    for line in sockets.splitlines():
        state, dummy, dummy, local, peer = line.split()[:5]
        if "127.0.0.6:" in local + peer and (local.endswith(":80") or peer.endswith(":80")):
            found.append((state, "sidecar" if local.startswith("127.0.0.6:") else "app"))
    return found


def test_httpbins_sidecar_closes_idle_connections_before_gunicorn_does(env):
    """gunicorn closes a connection idle for 2 s; were Envoy to keep it longer, a request would now and then go
    out on it as gunicorn closes it (a 503 UC). The sample's Sidecar has Envoy close it after 1 s."""
    assert call(env, "client2")[0] == 200
    time.sleep(1.6)  # past the Sidecar's idle timeout, before gunicorn's keep-alive ends
    connections = app_connections(env, "kyma-mtls/httpbin-")
    assert ("TIME-WAIT", "sidecar") in connections and not [c for c in connections if c[0] == "ESTAB"], connections


def test_a_users_own_httpbin_deployment_is_served_with_a_sidecar(env):
    """Istio's sample (go-httpbin on 8080), applied as a user would, in a namespace with injection on."""
    kube = env["kube"]
    kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": "sample", "labels": {"istio-injection": "enabled"}}})
    kube.create("/api/v1/namespaces/sample/serviceaccounts",
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "httpbin"}})
    kube.create("/api/v1/namespaces/sample/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "httpbin", "labels": {"app": "httpbin"}},
        "spec": {"selector": {"app": "httpbin"}, "ports": [{"name": "http", "port": 8000, "targetPort": 8080}]}})
    kube.create("/apis/apps/v1/namespaces/sample/deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "httpbin"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "httpbin"}},
                 "template": {"metadata": {"labels": {"app": "httpbin", "version": "v1"}},
                              "spec": {"serviceAccountName": "httpbin", "containers": [{
                                  "name": "httpbin", "image": "docker.io/mccutchen/go-httpbin:v2.15.0",
                                  "ports": [{"containerPort": 8080}]}]}}}})
    kube.create("/apis/networking.istio.io/v1/namespaces/sample/virtualservices", {
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "httpbin"},
        "spec": {"hosts": ["sample." + DOMAIN], "gateways": ["kyma-mtls/kyma-mtls-gateway"],
                 "http": [{"route": [{"destination": {"host": "httpbin.sample.svc.cluster.local",
                                                      "port": {"number": 8000}}}]}]}})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = call(env, "client1", host="sample." + DOMAIN)
        if status[0] == 200:
            break
        time.sleep(0.5)
    assert status[0] == 200, status
    [pod] = kube.get("/api/v1/namespaces/sample/pods")["items"]
    names = [c["name"] for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]]
    assert "istio-proxy" in names and "istio-init" in names and "httpbin" in names
    # The sidecar saw the gateway's identity: the request went through Istio mTLS.
    assert "By=spiffe://cluster.local/ns/sample/sa/httpbin" in json.loads(status[2])["headers"]["X-Forwarded-Client-Cert"]


def test_an_image_the_node_cannot_run_is_named(env):
    kube = env["kube"]
    kube.create("/api/v1/namespaces/default/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"},
        "spec": {"containers": [{"name": "web", "image": "docker.io/library/nginx:1.29"}]}})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses = (kube.get("/api/v1/namespaces/default/pods/nginx").get("status") or {}).get("containerStatuses")
            if statuses:
                break
            time.sleep(0.25)
        waiting = statuses[0]["state"]["waiting"]
        assert waiting["reason"] == "ImageNotRunnableLocally"
        assert "docker.io/library/nginx:1.29 is not runnable on the local node" in waiting["message"]
        status = run_playbook(localenv_playbook("status.yml"), env["ports"], env=env["env"])
        assert status.returncode != 0
        assert "default/nginx" in status.stdout and "library/nginx:1.29 is not runnable" in status.stdout
    finally:
        kube.delete("/api/v1/namespaces/default/pods/nginx")


def test_a_rejected_configuration_is_named_by_the_status(env):
    """A Telemetry with a metrics provider brings in Istio's stats filter, which upstream Envoy lacks:
    the proxies reject the listeners and keep their last good configuration; the status says so."""
    kube = env["kube"]
    path = "/apis/telemetry.istio.io/v1/namespaces/istio-system/telemetries"
    kube.create(path, {"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry", "metadata": {"name": "mesh-metrics"},
                       "spec": {"metrics": [{"providers": [{"name": "prometheus"}]}]}})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = run_playbook(localenv_playbook("status.yml"), env["ports"], env=env["env"])
            if "rejected its LDS" in status.stdout:
                break
        assert status.returncode != 0
        assert "proxy istio-ingressgateway-" in status.stdout and ".istio-system rejected its LDS" in status.stdout
        assert "Didn't find a registered implementation for 'istio.stats'" in status.stdout
        assert "Telemetry istio-system/mesh-metrics: metrics providers prometheus" in status.stdout
        assert call(env, "client2")[0] == 200  # Envoy keeps serving its last good configuration
    finally:
        kube.delete(path + "/mesh-metrics")
    sync(env)
    assert run_playbook(localenv_playbook("status.yml"), env["ports"], env=env["env"]).returncode == 0
