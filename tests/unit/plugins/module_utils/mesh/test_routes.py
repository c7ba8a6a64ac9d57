"""VirtualService http routes as Envoy routes, with Istio's defaults."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Unsupported
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.routes import (
    DEFAULT_RETRY, bound_gateways, http_routes, route_match)
from tests.support.mesh_objects import virtual_service

WORKLOADS = {("httpbin.kyma-mtls.svc.cluster.local", 8000): object(),
             ("two.kyma-mtls.svc.cluster.local", 80): object(), ("two.kyma-mtls.svc.cluster.local", 81): object()}


def routes(http, **kwargs):
    return http_routes(virtual_service(http=http, **kwargs), 443, "kyma-mtls/gw", WORKLOADS)


def test_the_tutorial_route():
    http = [{"route": [{"destination": {"host": "httpbin", "port": {"number": 8000}},
                        "headers": {"request": {"set": {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}}}}]}]
    [route] = routes(http)
    assert route["match"] == {"prefix": "/"}
    assert route["route"]["cluster"] == "outbound|8000||httpbin.kyma-mtls.svc.cluster.local"
    assert route["route"]["timeout"] == "0s" and route["route"]["retry_policy"] == DEFAULT_RETRY
    assert route["request_headers_to_add"] == [{"header": {"key": "X-CLIENT-SSL-CN", "value": "%DOWNSTREAM_PEER_SUBJECT%"},
                                                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    assert route["name"] == "vs.kyma-mtls.0"


def test_one_envoy_route_per_match_in_order():
    http = [{"match": [{"uri": {"exact": "/post"}, "method": {"exact": "POST"}},
                       {"uri": {"regex": "^/a/[0-9]+$"}, "ignoreUriCase": True}],
             "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]},
            {"match": [{"uri": {"prefix": "/api"}, "headers": {"x-team": {"exact": "a"}, "x-any": {}},
                        "withoutHeaders": {"x-debug": {}}, "queryParams": {"v": {"exact": "1"}}}],
             "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]
    first, second, third = routes(http)
    assert first["match"] == {"path": "/post", "headers": [{"name": ":method", "string_match": {"exact": "POST"}}]}
    assert second["match"] == {"safe_regex": {"regex": "^/a/[0-9]+$"}, "case_sensitive": False}
    assert third["match"]["prefix"] == "/api"
    assert third["match"]["headers"] == [{"name": "x-any", "present_match": True},
                                         {"name": "x-team", "string_match": {"exact": "a"}},
                                         {"name": "x-debug", "present_match": True, "invert_match": True}]
    assert third["match"]["query_parameters"] == [{"name": "v", "string_match": {"exact": "1"}}]


def test_matches_for_another_port_or_gateway_are_left_out():
    http = [{"match": [{"port": 80}, {"gateways": ["kyma-mtls/other"]}, {"gateways": ["gw"]}],
             "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}]}]
    assert len(routes(http)) == 1


def test_weights_headers_rewrite_timeout_retries():
    http = [{"headers": {"request": {"add": {"x-a": "1"}, "remove": ["x-b"]}, "response": {"set": {"x-c": "2"}}},
             "rewrite": {"uri": "/v2", "authority": "internal"}, "timeout": "1.5s",
             "retries": {"attempts": 3, "perTryTimeout": "500ms", "retryOn": "5xx"},
             "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}, "weight": 90},
                       {"destination": {"host": "two", "port": {"number": 81}}, "weight": 10,
                        "headers": {"request": {"set": {"x-canary": "yes"}}}}]}]
    [route] = routes(http)
    action = route["route"]
    assert action["weighted_clusters"]["clusters"][0] == {"name": "outbound|8000||httpbin.kyma-mtls.svc.cluster.local",
                                                          "weight": 90}
    assert action["weighted_clusters"]["clusters"][1]["request_headers_to_add"][0]["header"] == {"key": "x-canary",
                                                                                                 "value": "yes"}
    assert action["prefix_rewrite"] == "/v2" and action["host_rewrite_literal"] == "internal"
    assert action["timeout"] == "1.5s"
    assert action["retry_policy"] == {"num_retries": 3, "retry_on": "5xx", "per_try_timeout": "0.5s"}
    assert route["request_headers_to_add"][0]["append_action"] == "APPEND_IF_EXISTS_OR_ADD"
    assert route["request_headers_to_remove"] == ["x-b"]
    assert route["response_headers_to_add"][0]["header"] == {"key": "x-c", "value": "2"}


def test_zero_attempts_turn_retries_off():
    [route] = routes([{"retries": {"attempts": 0}, "route": [{"destination": {"host": "httpbin"}}]}])
    assert "retry_policy" not in route["route"]


def test_port_is_taken_from_a_single_port_service():
    [route] = routes([{"route": [{"destination": {"host": "httpbin.kyma-mtls"}}]}])
    assert route["route"]["cluster"] == "outbound|8000||httpbin.kyma-mtls.svc.cluster.local"
    with pytest.raises(Unsupported) as info:
        routes([{"route": [{"destination": {"host": "two"}}]}])
    assert info.value.field == "spec.http[0].route[0].destination.port"


def test_redirect_and_direct_response():
    redirect, direct = routes([{"redirect": {"uri": "/new", "authority": "b.example", "redirectCode": 308}},
                               {"directResponse": {"status": 418, "body": {"string": "teapot"}}}])
    assert redirect["redirect"] == {"path_redirect": "/new", "host_redirect": "b.example",
                                    "response_code": "PERMANENT_REDIRECT"}
    assert direct["direct_response"] == {"status": 418, "body": {"inline_string": "teapot"}}


@pytest.mark.parametrize("http, field", [
    ([{"fault": {"abort": {"httpStatus": 500}}, "route": [{"destination": {"host": "httpbin"}}]}], "spec.http[0].fault"),
    ([{"route": [{"destination": {"host": "httpbin", "subset": "v1"}}]}], "spec.http[0].route[0].destination.subset"),
    ([{"match": [{"sourceLabels": {"a": "b"}}], "route": [{"destination": {"host": "httpbin"}}]}],
     "spec.http[0].match[0].sourceLabels"),
    ([{"route": [{"destination": {"host": "httpbin"}}], "redirect": {"uri": "/x"}}], "spec.http[0]"),
    ([{"timeout": "soon", "route": [{"destination": {"host": "httpbin"}}]}], "spec.http[0].timeout"),
])
def test_unsupported_fields_are_named(http, field):
    with pytest.raises(Unsupported) as info:
        routes(http)
    assert info.value.field == field


def test_bound_gateways():
    vs = virtual_service(gateways=("gw", "mesh", "istio-system/other"))
    assert bound_gateways(vs) == ["kyma-mtls/gw", "istio-system/other"]


def test_route_match_without_uri_is_everything():
    assert route_match({}, "m", 443, "kyma-mtls/gw", "kyma-mtls") == {"prefix": "/"}
