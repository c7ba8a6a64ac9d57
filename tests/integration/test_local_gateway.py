"""The local gateway end to end: real apiserver, real Envoy (gateway and sidecars), real httpbin, real TLS.

The main job is applied to a local cluster of this module's own; requests go through the gateway
with client certificates, and objects are changed through the apiserver to see the controller
carry the change to Envoy, report what it cannot serve, and fail closed.
"""

import hashlib
import json
import os
import ssl
import time
import urllib.request

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import parse_xfcc
from tests.integration.conftest import running_local_cluster
from tests.support.https import get
from tests.support.playbooks import REPO, run_playbook

DOMAIN = "local.kyma.dev"
HTTPBIN = "httpbin." + DOMAIN
FUNCTION = "function-example." + DOMAIN
GATEWAY_SPIFFE = "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"


def main_job(env, **variables):
    with open(os.path.join(REPO, "playbooks", "vars", "local.yml")) as handle:
        local = yaml.safe_load(handle)
    local.update(env["ports"])
    local.update(variables)
    return run_playbook(os.path.join(REPO, "playbooks", "expose_mtls.yml"), local, env=env["env"])


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_local_cluster(str(tmp_path_factory.mktemp("gateway"))) as info:
        applied = main_job(info)
        assert applied.returncode == 0, applied.stdout[-3000:]
        info["pki"] = os.path.join(info["dir"], "pki")
        info["port"] = info["ports"]["local_gateway_https_port"]
        info["api"] = k8s_config.new_client_from_config(config_file=info["kubeconfig"], context="kyma-mtls-local")
        sync(info)
        yield info


def sync(env):
    request = urllib.request.Request(env["controller"] + "/sync", method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def call(env, client, host=HTTPBIN, path="/headers", headers=None):
    pki = env["pki"]
    cert = key = None
    if client:
        cert, key = (os.path.join(pki, client + ".crt"), os.path.join(pki, client + ".key")) \
            if "/" not in client else (client + ".crt", client + ".key")
    return get(env["port"], host, path, os.path.join(pki, "server-ca.crt"), cert, key, headers=headers)


def custom(env):
    return k8s_client.CustomObjectsApi(env["api"])


def eventually(env, client, expected, host=HTTPBIN, path="/headers", seconds=15):
    """The statuses seen until a request gets expected. As in Istio, a changed policy applies to new
    connections: the gateway's pooled connection to the sidecar may serve one more request under the
    old one before the drain closes it."""
    started, seen = time.monotonic(), []
    while time.monotonic() - started < seconds:
        seen.append(call(env, client, host=host, path=path)[0])
        if seen[-1] == expected:
            break
    print("%s got %s after %.3f s: %s" % (client, expected, time.monotonic() - started, seen))
    return seen


def test_allowed_certificate_gets_in_with_its_subject_and_a_two_hop_xfcc(env):
    status, headers, body = call(env, "client2")
    assert status == 200 and headers["server"] == "istio-envoy"
    seen = json.loads(body)["headers"]
    assert seen["X-Client-Ssl-Cn"] == "O=example,CN=client2.example.com"
    assert seen["X-Client-Ssl-Issuer"] == "CN=ClientRootCA,O=example Inc."
    gateway_element, sidecar_element = parse_xfcc(seen["X-Forwarded-Client-Cert"])
    with open(os.path.join(env["pki"], "client2.crt"), "rb") as handle:
        der = x509.load_pem_x509_certificate(handle.read()).public_bytes(serialization.Encoding.DER)
    assert gateway_element["hash"] == hashlib.sha256(der).hexdigest()
    assert gateway_element["subject"] == "O=example,CN=client2.example.com"
    assert sidecar_element["by"] == ["spiffe://cluster.local/ns/kyma-mtls/sa/httpbin"]
    assert sidecar_element["uri"] == [GATEWAY_SPIFFE]


def test_other_certificate_is_denied_even_with_a_forged_subject(env):
    for headers in (None, {"X-Client-Ssl-Cn": "O=example,CN=client2.example.com"}):
        status, dummy, body = call(env, "client1", headers=headers)
        assert (status, body) == (403, "RBAC: access denied")


def test_the_function_route(env):
    status, dummy, body = call(env, "client2", host=FUNCTION, path="/function")
    assert status == 200 and json.loads(body)["headers"]["x-client-ssl-cn"] == "O=example,CN=client2.example.com"
    assert call(env, "client1", host=FUNCTION, path="/function")[0] == 403


def test_no_certificate_and_another_ca_are_refused_at_the_handshake(env, pki_factory):
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        call(env, None)
    foreign, dummy = pki_factory([{"name": "stranger", "subject": "/CN=client2.example.com/O=example"}])
    with pytest.raises((ssl.SSLError, ConnectionResetError)):  # an alert, or EOF when it comes late
        call(env, os.path.join(foreign, "stranger"))


def test_the_unix_socket_serves_the_same_gateway(env):
    import socket  # pylint: disable=import-outside-toplevel
    context = ssl.create_default_context(cafile=os.path.join(env["pki"], "server-ca.crt"))
    context.load_cert_chain(os.path.join(env["pki"], "client1.crt"), os.path.join(env["pki"], "client1.key"))
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(env["socket"])
        with context.wrap_socket(raw, server_hostname=HTTPBIN) as tls:
            tls.sendall(("GET /headers HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % HTTPBIN).encode())
            answer = tls.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 403") and answer.endswith("RBAC: access denied")


def test_a_policy_change_reaches_envoy_without_a_restart(env):
    status = sync(env)
    name = "httpbin-mtls-allowed-clients"
    policy = custom(env).get_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies", name)
    original = policy["spec"]["rules"]
    subjects = original[0]["when"][0]["notValues"] + ["O=example,CN=client1.example.com"]
    patch = {"spec": {"rules": [dict(original[0], when=[dict(original[0]["when"][0], notValues=subjects)])]}}
    custom(env).patch_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies", name,
                                               patch)
    seen = eventually(env, "client1", 200)  # no sync: the controller's watch carries it
    assert seen[-1] == 200 and set(seen) <= {403, 200}
    after = sync(env)
    assert after["envoy"] == "accepted" and after["version"] != status["version"]
    custom(env).patch_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies", name,
                                               {"spec": {"rules": original}})
    assert sync(env)["version"] == status["version"]
    seen = eventually(env, "client1", 403)
    assert seen[-1] == 403 and len(seen) <= 3


def test_unsupported_fields_are_named_and_fail_closed(env):
    faulty = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
              "metadata": {"name": "faulty", "namespace": "kyma-mtls"},
              "spec": {"hosts": ["faulty." + DOMAIN], "gateways": ["kyma-mtls/kyma-mtls-gateway"],
                       "http": [{"fault": {"abort": {"httpStatus": 500, "percentage": {"value": 100}}},
                                 "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]}}
    deny_by_ip = {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                  "metadata": {"name": "deny-by-ip", "namespace": "kyma-mtls"},
                  "spec": {"selector": {"matchLabels": {"app": "httpbin"}}, "action": "DENY",
                           "rules": [{"from": [{"source": {"ipBlocks": ["203.0.113.0/24"]}}]}]}}
    api = custom(env)
    api.create_namespaced_custom_object("networking.istio.io", "v1", "kyma-mtls", "virtualservices", faulty)
    api.create_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies", deny_by_ip)
    try:
        status = sync(env)
        assert "VirtualService kyma-mtls/faulty: spec.http[0].fault: is not supported by the local gateway" in status["errors"]
        assert "AuthorizationPolicy kyma-mtls/deny-by-ip: spec.rules[0].from[0].source.ipBlocks: is not supported by " \
               "the local gateway" in status["errors"]
        assert status["envoy"] == "accepted"
        assert call(env, "client2", host="faulty." + DOMAIN)[0] == 404   # the route is left out
        assert eventually(env, "client2", 403)[-1] == 403  # the DENY rule without its source denies everyone
        assert call(env, "client2", host=FUNCTION, path="/function")[0] == 200  # other workloads are unaffected
        strict = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "gateway_sync.yml"),
                              env["ports"], env=env["env"])
        assert strict.returncode != 0
        assert "VirtualService kyma-mtls/faulty: spec.http[0].fault" in strict.stdout
    finally:
        api.delete_namespaced_custom_object("networking.istio.io", "v1", "kyma-mtls", "virtualservices", "faulty")
        api.delete_namespaced_custom_object("security.istio.io", "v1", "kyma-mtls", "authorizationpolicies", "deny-by-ip")
    assert sync(env)["errors"] == []
    assert eventually(env, "client2", 200)[-1] == 200


def run_verify(env, allowed):
    pki = env["pki"]
    verify = {"verify_targets": [{"host": HTTPBIN, "path": "/headers"}], "verify_unix_socket": env["socket"],
              "verify_server_ca": os.path.join(pki, "server-ca.crt"), "verify_client_ca": os.path.join(pki, "client-ca.crt"),
              "verify_allowed": [dict(allowed, cert=os.path.join(pki, allowed["name"] + ".crt"),
                                      key=os.path.join(pki, allowed["name"] + ".key"))],
              "verify_timeout": 2}
    return run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "verify.yml"), {"verify": verify},
                        env=env["env"])


def test_verify_fails_when_the_allowed_client_never_gets_in(env):
    run = run_verify(env, {"name": "client1", "subject": "O=example,CN=client1.example.com"})
    assert run.returncode != 0
    task = run.tasks()["kyma.mtls.verify : Wait until the allowed client gets in, in seconds at most 2"]
    assert task["failed"] and task["results"][0]["status"] == 403


def test_verify_names_an_answer_that_is_not_the_expected_one(env):
    run = run_verify(env, {"name": "client2", "subject": "O=example,CN=someone-else"})
    assert run.returncode != 0
    assert "FAIL httpbin.local.kyma.dev/headers as client2: 200, X-Client-Ssl-Cn: O=example,CN=client2.example.com, " \
           "XFCC NOT valid: Subject is 'O=example,CN=client2.example.com', expected 'O=example,CN=someone-else' " \
           "(expected O=example,CN=someone-else and a valid XFCC)" in run.stdout
