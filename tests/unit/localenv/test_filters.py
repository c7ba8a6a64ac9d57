"""The small filters of the local environment's roles and playbooks."""

import os

from ansible_collections.kyma_mtls.localenv.plugins.filter.localenv import (
    FilterModule, applicable, curl_lines, demo_summary, first_file, node_report, not_established, pkcs1)


def make_file(path, executable):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\n")
    os.chmod(path, 0o755 if executable else 0o644)
    return path


# ---- first_file -------------------------------------------------------------------------------

def test_the_first_executable_file_among_the_places(tmp_path):
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    make_file(os.path.join(first, "etcd"), executable=False)
    os.makedirs(os.path.join(second, "kube-apiserver"))  # a folder, executable but not a file
    found = make_file(os.path.join(second, "etcd"), executable=True)
    make_file(os.path.join(second, "kube-apiserver-not"), executable=True)
    third = make_file(str(tmp_path / "third" / "kube-apiserver"), executable=True)
    places = [first, "", None, second, str(tmp_path / "third")]
    assert first_file("etcd", places) == found
    assert first_file("kube-apiserver", places) == third


def test_an_earlier_place_wins(tmp_path):
    one = make_file(str(tmp_path / "a" / "envoy"), executable=True)
    make_file(str(tmp_path / "b" / "envoy"), executable=True)
    assert first_file("envoy", [str(tmp_path / "a"), str(tmp_path / "b")]) == one


def test_empty_places_are_skipped_not_taken_as_the_current_folder(tmp_path, monkeypatch):
    make_file(str(tmp_path / "etcd"), executable=True)
    monkeypatch.chdir(tmp_path)
    assert first_file("etcd", ["", None]) == ""


def test_nothing_found_is_an_empty_string(tmp_path):
    assert first_file("etcd", [str(tmp_path), str(tmp_path / "absent")]) == ""
    assert first_file("etcd", []) == ""


# ---- not_established --------------------------------------------------------------------------

def crd(name, *conditions):
    return {"metadata": {"name": name}, "status": {"conditions": [{"type": t, "status": s} for t, s in conditions]}}


def test_crds_not_yet_established_are_named():
    crds = [crd("gateways.networking.istio.io", ("NamesAccepted", "True"), ("Established", "True")),
            crd("telemetries.telemetry.istio.io", ("NamesAccepted", "True"), ("Established", "False")),
            crd("wasmplugins.extensions.istio.io", ("NamesAccepted", "True")),
            {"metadata": {"name": "sidecars.networking.istio.io"}},
            {"metadata": {"name": "envoyfilters.networking.istio.io"}, "status": {"conditions": None}}]
    assert not_established(crds) == ["telemetries.telemetry.istio.io", "wasmplugins.extensions.istio.io",
                                     "sidecars.networking.istio.io", "envoyfilters.networking.istio.io"]


def test_all_established_is_an_empty_list():
    assert not_established([crd("a.example.com", ("Established", "True"))]) == []
    assert not_established([]) == []


# ---- node_report ------------------------------------------------------------------------------

NODE_STATUS = {
    "node": "localenv-node", "network": "100.80.1.0/24",
    "pods": [
        {"pod": "istio-system/istio-ingressgateway-74ddbff6d6-whc4h", "ip": "100.80.1.2",
         "netns": "kmtls-1a2b3c-0f1e2d3c", "failure": None,
         "containers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.31-dev", "local": "istio-proxy",
                         "pid": 4242, "ready": True, "restarts": 0,
                         "state": {"running": {"startedAt": "2026-11-28T20:06:10Z"}},
                         "log": "/state/pods/gw/logs/istio-proxy.log"}]},
        {"pod": "mtls-test/httpbin-5c5d9f7b8-q2x7z", "ip": "100.80.1.3", "netns": "kmtls-1a2b3c-9a8b7c6d",
         "failure": None,
         "containers": [{"name": "istio-validation", "image": "istio/proxyv2", "local": "istio-proxy", "pid": None,
                         "ready": False, "restarts": 0, "state": {"terminated": {"exitCode": 0}},
                         "log": "/l/istio-validation.log"},
                        {"name": "httpbin", "image": "kong/httpbin", "local": "httpbin", "pid": 4300, "ready": False,
                         "restarts": 2, "state": {"running": {}}, "log": "/l/httpbin.log"}]},
        {"pod": "mtls-test/nginx-1", "ip": None, "netns": "kmtls-1a2b3c-11223344",
         "failure": "image nginx is not runnable on the local node (it runs: httpbin, istio-proxy)",
         "containers": [{"name": "nginx", "image": "nginx", "local": None, "pid": None, "ready": False,
                         "restarts": 0, "state": {"waiting": {"reason": "ImageNotRunnableLocally"}},
                         "log": "/l/nginx.log"}]},
    ],
    "load_balancers": [
        {"listen": ["127.0.0.1:18443", "unix:/state/https.sock"], "namespace": "istio-system",
         "service": "istio-ingressgateway", "port": 443, "endpoints": ["100.80.1.2:8443"]},
        {"listen": ["127.0.0.1:18080"], "namespace": "istio-system", "service": "istio-ingressgateway", "port": 80,
         "endpoints": [], "error": "no such service"},
    ],
    "problems": [],
}


def test_the_node_report_lists_pods_containers_and_load_balancers():
    assert node_report(NODE_STATUS) == [
        "pod istio-system/istio-ingressgateway-74ddbff6d6-whc4h 100.80.1.2 in kmtls-1a2b3c-0f1e2d3c",
        "  istio-proxy (docker.io/istio/proxyv2:1.31-dev as istio-proxy): running pid 4242, ready, 0 restart(s), "
        "log /state/pods/gw/logs/istio-proxy.log",
        "pod mtls-test/httpbin-5c5d9f7b8-q2x7z 100.80.1.3 in kmtls-1a2b3c-9a8b7c6d",
        "  istio-validation (istio/proxyv2 as istio-proxy): terminated, 0 restart(s), log /l/istio-validation.log",
        "  httpbin (kong/httpbin as httpbin): running pid 4300, 2 restart(s), log /l/httpbin.log",
        "pod mtls-test/nginx-1 - in kmtls-1a2b3c-11223344: CANNOT RUN: image nginx is not runnable on the local node "
        "(it runs: httpbin, istio-proxy)",
        "  nginx (nginx as ?): waiting, 0 restart(s), log /l/nginx.log",
        "load balancer 127.0.0.1:18443, unix:/state/https.sock -> istio-system/istio-ingressgateway:443 -> "
        "100.80.1.2:8443",
        "load balancer 127.0.0.1:18080 -> istio-system/istio-ingressgateway:80 -> no ready endpoint",
    ]


def test_a_container_without_state_is_unknown():
    status = {"pods": [{"pod": "ns/p", "netns": "n", "containers": [{"name": "c", "image": "i", "state": None}]}]}
    assert node_report(status)[1] == "  c (i as ?): unknown, 0 restart(s), log None"


def test_an_empty_node_has_an_empty_report():
    assert node_report({}) == []
    assert node_report({"pods": [], "load_balancers": []}) == []


# ---- demo_summary and curl_lines --------------------------------------------------------------

RESULT = {
    "domain": "example.com", "gateway": "mtls-test/kyma-mtls-gateway",
    "targets": [{"name": "httpbin", "host": "httpbin.example.com", "path": "/headers"},
                {"name": "echo", "host": "echo.example.com", "path": "/get"}],
    "server_ca": "/pki/server-ca.crt", "client_ca": "/pki/client-ca.crt",
    "allowed": ["client2"], "revoked": ["client3"],
    "clients": {
        "client1": {"path": "/pki/client1.crt", "private_key_path": "/pki/client1.key",
                    "subject": "O=example,CN=client1.example.com", "fingerprint_sha256": "aa"},
        "client2": {"path": "/pki/client2.crt", "private_key_path": "/pki/client2.key",
                    "subject": "O=example,CN=client2.example.com", "fingerprint_sha256": "bb"},
        "client3": {"path": "/pki/client3.crt", "private_key_path": "/pki/client3.key",
                    "subject": "O=example,CN=client3.example.com", "fingerprint_sha256": "cc"},
    },
}


def test_the_demo_summary():
    assert demo_summary(RESULT, "127.0.0.1:18443", "/state/node/https.sock", "/state/kubeconfig", "localenv") == {
        "gateway": "127.0.0.1:18443", "socket": "/state/node/https.sock", "kubeconfig": "/state/kubeconfig",
        "context": "localenv",
        "hosts": {"httpbin": "httpbin.example.com", "echo": "echo.example.com"},
        "paths": {"httpbin": "/headers", "echo": "/get"},
        "server_ca": "/pki/server-ca.crt", "client_ca": "/pki/client-ca.crt",
        "clients": {
            "client1": {"cert": "/pki/client1.crt", "key": "/pki/client1.key",
                        "subject": "O=example,CN=client1.example.com", "allowed": False, "revoked": False},
            "client2": {"cert": "/pki/client2.crt", "key": "/pki/client2.key",
                        "subject": "O=example,CN=client2.example.com", "allowed": True, "revoked": False},
            "client3": {"cert": "/pki/client3.crt", "key": "/pki/client3.key",
                        "subject": "O=example,CN=client3.example.com", "allowed": False, "revoked": True},
        },
    }


def test_a_curl_line_per_target_and_client_with_what_it_answers():
    lines = curl_lines(RESULT, "127.0.0.1:18443")
    assert len(lines) == 6
    # The request is for port 443 (the Host header carries no port); it goes to the local port.
    assert lines[0] == ("curl --connect-to httpbin.example.com:443:127.0.0.1:18443 --cacert /pki/server-ca.crt "
                        "--cert /pki/client1.crt --key /pki/client1.key https://httpbin.example.com/headers"
                        "    # client1: 403 RBAC: access denied")
    assert [line.rsplit("# ", 1)[1] for line in lines] == [
        "client1: 403 RBAC: access denied", "client2: 200", "client3: refused"] * 2
    assert lines[4].startswith("curl --connect-to echo.example.com:443:127.0.0.1:18443 ")
    assert " https://echo.example.com/get " in lines[4]


def test_curl_lines_use_the_port_of_the_gateway_address():
    [line] = curl_lines(dict(RESULT, targets=RESULT["targets"][:1], clients={"client2": RESULT["clients"]["client2"]}),
                        "[::1]:8443")
    assert "--connect-to httpbin.example.com:443:127.0.0.1:8443" in line and "https://httpbin.example.com/headers" in line


# ---- applicable -------------------------------------------------------------------------------

def test_none_documents_are_dropped():
    assert applicable([None, {"kind": "ConfigMap", "metadata": {"name": "a"}}, {}]) == [
        {"kind": "ConfigMap", "metadata": {"name": "a"}}]


def test_empty_annotations_and_labels_are_dropped():
    item = {"kind": "Deployment", "metadata": {"name": "istiod", "namespace": "istio-system", "annotations": {},
                                               "labels": None}}
    assert applicable([item]) == [{"kind": "Deployment", "metadata": {"name": "istiod", "namespace": "istio-system"}}]
    assert item["metadata"]["annotations"] == {}  # the rendered object is left alone


def test_everything_else_is_kept_even_when_empty():
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "istiod", "labels": {"app": "istiod"}, "annotations": {"a": ""}, "finalizers": []},
        "spec": {"template": {"metadata": {"annotations": {}, "labels": {}},
                              "spec": {"volumes": [{"name": "local-certs", "emptyDir": {}}],
                                       "containers": [{"name": "discovery", "args": [], "env": []}]}}},
    }
    assert applicable([deployment]) == [deployment]


def test_the_filters_are_registered_by_name():
    filters = FilterModule().filters()
    assert filters == {"first_file": first_file, "not_established": not_established, "node_report": node_report,
                       "demo_summary": demo_summary, "curl_lines": curl_lines, "applicable": applicable, "pkcs1": pkcs1}


# ---- pkcs1 --------------------------------------------------------------------------------------

def test_an_rsa_key_comes_out_in_pkcs1_form_and_is_the_same_key():
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    converted = pkcs1(pkcs8)
    assert pkcs8.startswith("-----BEGIN PRIVATE KEY-----")
    assert converted.startswith("-----BEGIN RSA PRIVATE KEY-----")
    again = serialization.load_pem_private_key(converted.encode(), password=None)
    assert again.private_numbers() == key.private_numbers()
