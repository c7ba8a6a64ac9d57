"""Which Service each local process stands in for, with the labels and identity of its pods."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.local_config import resolve_services
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.workloads import build_workloads
from tests.support.mesh_objects import deployment, local_service, service

KEY = ("httpbin.kyma-mtls.svc.cluster.local", 8000)


def test_labels_account_and_target_port_come_from_the_apiserver():
    workloads = build_workloads([local_service()], [service()], [deployment(labels={"app": "httpbin", "v": "1"})])
    workload = workloads[KEY]
    assert workload.labels == {"app": "httpbin", "v": "1"} and workload.service_account == "httpbin"
    assert workload.target_port == 80 and workload.address == ("127.0.0.1", 9000) and workload.from_apiserver


def test_service_without_deployment_uses_its_selector_and_the_default_account():
    workload = build_workloads([local_service()], [service(selector={"app": "x"})], [])[KEY]
    assert workload.labels == {"app": "x"} and workload.service_account == "default"


def test_stand_in_labels_only_without_a_service():
    entry = local_service(name="function", port=80, labels={"serverless.kyma-project.io/function-name": "function"})
    workloads = build_workloads([entry], [], [])
    assert workloads[("function.kyma-mtls.svc.cluster.local", 80)].labels == entry["labels"]
    assert not workloads[("function.kyma-mtls.svc.cluster.local", 80)].from_apiserver
    assert build_workloads([local_service()], [], []) == {}


def test_a_port_the_service_does_not_expose_is_not_reachable():
    assert build_workloads([local_service(port=9999)], [service()], []) == {}


def test_resolve_services():
    entries = [{"name": "httpbin", "port": 8000, "run": "httpbin"},
               {"name": "app", "namespace": "team", "port": 80, "address": "127.0.0.1:7000", "labels": {"a": "b"}}]
    resolved = resolve_services(entries, "kyma-mtls", lambda i: 9100 + i, {"httpbin": "127.0.0.1:9000"})
    assert resolved[0] == {"name": "httpbin", "namespace": "kyma-mtls", "port": 8000, "address": "127.0.0.1:9000",
                           "sidecar_port": 9100, "labels": {}, "service_account": None}
    assert resolved[1]["namespace"] == "team" and resolved[1]["sidecar_port"] == 9101


@pytest.mark.parametrize("entries, text", [
    ([{"name": "a", "port": 1}], "give exactly one of run"),
    ([{"name": "a", "port": 1, "run": "nginx"}], "run must be httpbin or function"),
    ([{"name": "a", "port": 1, "address": "nowhere"}], "address must be host:port"),
    ([{"name": "a", "port": "80", "run": "httpbin"}], "needs name and an integer port"),
    ([{"name": "a", "port": 1, "run": "httpbin", "image": "x"}], "unknown key image"),
    ([{"name": "a", "port": 1, "run": "httpbin"}, {"name": "a", "port": 1, "address": "h:2"}], "listed twice"),
])
def test_resolve_services_names_each_mistake(entries, text):
    with pytest.raises(MtlsError) as info:
        resolve_services(entries, "kyma-mtls", lambda i: 9100 + i, {"httpbin": "127.0.0.1:9000", "function": "x:1"})
    assert text in str(info.value)
