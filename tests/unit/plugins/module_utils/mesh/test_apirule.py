"""APIRule v2 as the VirtualService and AuthorizationPolicies Kyma's api-gateway creates for it."""

import re

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.apirule import SEGMENT, SEGMENTS, derive, path_regex
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Unsupported
from tests.support.mesh_objects import GATEWAY_PRINCIPAL, apirule, gateway

GATEWAYS = {"kyma-mtls/gw": gateway(hosts=("*.example.test",))}


def selector_of(namespace, name):
    return {"app": name} if (namespace, name) == ("kyma-mtls", "httpbin") else None


def test_no_auth_everything_becomes_prefix_route_and_allow_policy():
    rule = apirule(rules=[{"path": "/*", "methods": ["GET", "POST"], "noAuth": True,
                           "request": {"headers": {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}}}])
    vs, policies, problems = derive(rule, GATEWAYS, selector_of)
    assert problems == []
    assert vs["spec"]["hosts"] == ["httpbin.example.test"] and vs["spec"]["gateways"] == ["kyma-mtls/gw"]
    http = vs["spec"]["http"][0]
    assert http["match"] == [{"uri": {"prefix": "/"}, "method": {"regex": "^(GET|POST)$"}}]
    assert http["route"][0]["destination"] == {"host": "httpbin.kyma-mtls.svc.cluster.local", "port": {"number": 8000}}
    assert http["timeout"] == "180s"
    assert http["headers"]["request"]["set"] == {"x-forwarded-host": "httpbin.example.test",
                                                 "X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}
    assert "Access-Control-Allow-Origin" in http["headers"]["response"]["remove"]
    assert len(policies) == 1
    spec = policies[0]["spec"]
    assert spec["action"] == "ALLOW" and spec["selector"] == {"matchLabels": {"app": "httpbin"}}
    assert spec["rules"] == [{"from": [{"source": {"principals": [GATEWAY_PRINCIPAL]}}],
                              "to": [{"operation": {"hosts": ["httpbin.example.test"], "methods": ["GET", "POST"],
                                                    "paths": ["/{**}"]}}]}]


def test_path_templates_become_anchored_regexes():
    expression = path_regex("/anything/{*}/x/{**}")
    assert expression == "^/anything/%s/x/%s$" % (SEGMENT, SEGMENTS)
    assert re.match(expression, "/anything/a/x/b/c")
    assert not re.match(expression, "/anything/a/b/x/c")
    vs, policies, dummy = derive(apirule(rules=[{"path": "/anything/{*}", "methods": ["GET"], "noAuth": True}]),
                                 GATEWAYS, selector_of)
    assert vs["spec"]["http"][0]["match"][0]["uri"] == {"regex": path_regex("/anything/{*}")}
    assert policies[0]["spec"]["rules"][0]["to"][0]["operation"]["paths"] == ["/anything/{*}"]


def test_short_host_takes_the_gateway_domain_and_timeouts_cascade():
    rule = apirule(hosts=("httpbin",), timeout=30,
                   rules=[{"path": "/a", "methods": ["GET"], "noAuth": True},
                          {"path": "/b", "methods": ["GET"], "noAuth": True, "timeout": 5}])
    vs, policies, dummy = derive(rule, GATEWAYS, selector_of)
    assert vs["spec"]["hosts"] == ["httpbin.example.test"]
    assert [h["timeout"] for h in vs["spec"]["http"]] == ["30s", "5s"]
    assert len(policies) == 2


def test_short_host_without_gateway_is_reported():
    with pytest.raises(Unsupported) as info:
        derive(apirule(hosts=("httpbin",)), {}, selector_of)
    assert info.value.field == "spec.hosts[0]"


def test_jwt_and_unknown_service_rules_are_left_out_and_named():
    rule = apirule(rules=[
        {"path": "/*", "methods": ["GET"], "noAuth": True},
        {"path": "/jwt", "methods": ["GET"], "jwt": {"authentications": [{"issuer": "https://i"}]}},
        {"path": "/other", "methods": ["GET"], "noAuth": True, "service": {"name": "nope", "port": 80}},
    ])
    vs, policies, problems = derive(rule, GATEWAYS, selector_of)
    assert len(vs["spec"]["http"]) == 1 and len(policies) == 1
    assert [p.field for p in problems] == ["spec.rules[1].jwt", "spec.rules[2].service"]
    assert "Service kyma-mtls/nope does not exist" in problems[1].message


def test_cookies_and_service_namespace():
    rule = apirule(service={"name": "httpbin", "namespace": "kyma-mtls", "port": 8000},
                   rules=[{"path": "/c", "methods": ["GET"], "noAuth": True,
                           "request": {"cookies": {"b": "2", "a": "1"}}}])
    rule["metadata"]["namespace"] = "elsewhere"
    vs, policies, dummy = derive(rule, GATEWAYS, selector_of)
    assert vs["spec"]["http"][0]["headers"]["request"]["set"]["Cookie"] == "a=1; b=2"
    assert policies[0]["metadata"]["namespace"] == "kyma-mtls"


def test_unknown_spec_field_is_named():
    with pytest.raises(Unsupported) as info:
        derive(apirule(corsPolicy={"allowOrigins": [{"exact": "x"}]}), GATEWAYS, selector_of)
    assert info.value.field == "spec.corsPolicy"
