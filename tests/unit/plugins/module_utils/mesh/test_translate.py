"""A whole snapshot to Envoy listeners and clusters: the two hops, the report, the summary."""

import json

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.identity import MeshIdentities
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.translate import translate
from tests.support.mesh_objects import (
    GATEWAY_PRINCIPAL, apirule, deployment, gateway, local_service, policy, secret, service, virtual_service)

LISTEN = [{"port": 443, "address": "127.0.0.1:9443"}, {"port": 443, "pipe": "/tmp/gw.sock"}]


@pytest.fixture(scope="module")
def identities():
    return MeshIdentities()


def snapshot(**overrides):
    base = {"gateways": [gateway()], "secrets": [secret()], "virtualservices": [virtual_service()],
            "authorizationpolicies": [], "apirules": [], "services": [service()], "deployments": [deployment()]}
    base.update(overrides)
    return base


def run(identities, snap=None, listen=None):
    return translate(snap or snapshot(), {"listen": LISTEN if listen is None else listen,
                                          "services": [local_service()]}, identities)


def by_name(resources):
    return {r["name"]: r for r in resources}


def test_the_two_hops(identities):
    result = run(identities)
    assert result.errors == []
    listeners = by_name(result.listeners)
    gateway_listener = listeners["gateway_443_127.0.0.1:9443"]
    assert listeners["gateway_443_/tmp/gw.sock"]["address"] == {"pipe": {"path": "/tmp/gw.sock", "mode": 0o600}}
    [chain] = gateway_listener["filter_chains"]
    assert chain["filter_chain_match"] == {"server_names": ["*.example.test"]}
    manager = chain["filters"][0]["typed_config"]
    assert manager["forward_client_cert_details"] == "SANITIZE_SET"
    assert manager["set_current_client_cert_details"] == {"subject": True, "cert": True, "uri": True, "dns": True}
    [virtual_host] = manager["route_config"]["virtual_hosts"]
    assert virtual_host["domains"] == ["httpbin.example.test", "httpbin.example.test:*"]
    assert virtual_host["routes"][0]["route"]["cluster"] == "outbound|8000||httpbin.kyma-mtls.svc.cluster.local"

    clusters = by_name(result.clusters)
    outbound = clusters["outbound|8000||httpbin.kyma-mtls.svc.cluster.local"]
    upstream = outbound["transport_socket"]["typed_config"]
    assert upstream["sni"] == "outbound_.8000_._.httpbin.kyma-mtls.svc.cluster.local"
    assert upstream["common_tls_context"]["validation_context"]["match_typed_subject_alt_names"] == [
        {"san_type": "URI", "matcher": {"exact": "spiffe://cluster.local/ns/kyma-mtls/sa/httpbin"}}]
    assert outbound["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"] == {
        "address": "127.0.0.1", "port_value": 9100}
    assert "inbound|80||httpbin.kyma-mtls.svc.cluster.local" in clusters

    sidecar = listeners["sidecar_httpbin.kyma-mtls.svc.cluster.local_8000"]
    sidecar_manager = sidecar["filter_chains"][0]["filters"][0]["typed_config"]
    assert sidecar_manager["forward_client_cert_details"] == "APPEND_FORWARD"
    assert sidecar["filter_chains"][0]["transport_socket"]["typed_config"]["require_client_certificate"] is True
    assert [f["name"] for f in sidecar_manager["http_filters"]] == ["envoy.filters.http.router"]
    assert result.summary["workloads"][0]["identity"] == "spiffe://cluster.local/ns/kyma-mtls/sa/httpbin"


def test_policies_go_to_the_sidecar_of_the_selected_workload(identities):
    deny = policy(selector={"app": "httpbin"}, rules=[{"from": [{"source": {"principals": [GATEWAY_PRINCIPAL]}}]}])
    elsewhere = policy(name="other", selector={"app": "other"}, rules=[{}])
    result = run(identities, snapshot(authorizationpolicies=[deny, elsewhere]))
    sidecar = by_name(result.listeners)["sidecar_httpbin.kyma-mtls.svc.cluster.local_8000"]
    filters = sidecar["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]
    assert [f["typed_config"].get("rules", {}).get("action") for f in filters] == ["DENY", None]
    assert result.summary["workloads"][0]["policies"] == {"DENY": ["ns[kyma-mtls]-policy[policy]-rule[0]"]}


def test_policies_on_the_ingress_gateway_apply_at_the_gateway_listener(identities):
    at_gateway = policy(namespace="istio-system", selector={"istio": "ingressgateway"},
                        rules=[{"to": [{"operation": {"paths": ["/admin*"]}}]}])
    result = run(identities, snapshot(authorizationpolicies=[at_gateway]))
    manager = by_name(result.listeners)["gateway_443_127.0.0.1:9443"]["filter_chains"][0]["filters"][0]["typed_config"]
    assert manager["http_filters"][0]["typed_config"]["rules"]["action"] == "DENY"


def test_a_route_to_a_service_without_a_local_stand_in_has_no_cluster(identities):
    vs = virtual_service(http=[{"route": [{"destination": {"host": "unknown", "port": {"number": 80}}}]}])
    result = run(identities, snapshot(virtualservices=[vs]))
    assert result.errors == []
    assert "outbound|80||unknown.kyma-mtls.svc.cluster.local" not in by_name(result.clusters)


def test_unsupported_objects_are_reported_and_left_out(identities):
    bad = virtual_service(name="bad", hosts=("bad.example.test",),
                          http=[{"fault": {"delay": {"fixedDelay": "1s"}}, "route": [{"destination": {"host": "httpbin"}}]}])
    result = run(identities, snapshot(virtualservices=[virtual_service(), bad]))
    assert result.errors == ["VirtualService kyma-mtls/bad: spec.http[0].fault: is not supported by the local gateway"]
    manager = by_name(result.listeners)["gateway_443_127.0.0.1:9443"]["filter_chains"][0]["filters"][0]["typed_config"]
    assert [v["name"] for v in manager["route_config"]["virtual_hosts"]] == ["httpbin.example.test:443"]


def test_a_server_port_without_a_local_listener_is_reported(identities):
    result = run(identities, snapshot(gateways=[gateway(port=8443)]))
    assert result.errors == ["Gateway kyma-mtls/gw: spec.servers[0].port.number: port 8443 has no local listener (listen)"]


def test_two_servers_for_the_same_names_on_one_port(identities):
    result = run(identities, snapshot(gateways=[gateway(), gateway(name="gw2")]))
    assert len(result.errors) == 1 and result.errors[0].startswith("Gateway kyma-mtls/gw2: spec.servers[0].hosts: port 443")
    assert len(by_name(result.listeners)["gateway_443_127.0.0.1:9443"]["filter_chains"]) == 1


def test_apirule_v2_routes_and_allows_like_the_api_gateway(identities):
    rule = apirule(rules=[{"path": "/*", "methods": ["GET"], "noAuth": True,
                           "request": {"headers": {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}}}])
    result = run(identities, snapshot(virtualservices=[], apirules=[rule]))
    assert result.errors == []
    assert result.summary["routes"][0]["from"] == "VirtualService kyma-mtls/httpbin-apirule"
    assert result.summary["workloads"][0]["policies"] == {"ALLOW": ["ns[kyma-mtls]-policy[httpbin-rule-0]-rule[0]"]}


def test_legacy_apirule_is_reported(identities):
    legacy = apirule()
    legacy["apiVersion"] = "gateway.kyma-project.io/v1beta1"
    result = run(identities, snapshot(virtualservices=[], apirules=[legacy]))
    assert result.errors == ["APIRule kyma-mtls/httpbin: apiVersion: gateway.kyma-project.io/v1beta1 is not "
                             "reconciled by current Kyma; use gateway.kyma-project.io/v2"]


def test_output_is_json_and_stable(identities):
    first, second = run(identities), run(identities)
    assert json.dumps(first.listeners, sort_keys=True) == json.dumps(second.listeners, sort_keys=True)
