"""The exposure objects of many Services, rendered in one go."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kyma.mtls.plugins.filter.exposures import exposure_objects, workload_services

RULES = [{"path": "/*", "methods": ["GET"]}, {"path": "/post", "methods": ["POST"]},
         {"path": "/a/{*}/b/{**}", "methods": ["GET", "PUT"]}, {"path": "/x/*", "methods": ["DELETE"]}]
HEADERS = {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%"}
SERVICES = [{"name": "httpbin", "port": "8000", "host": "httpbin.example.com"},
            {"name": "orders", "port": 80, "host": "orders.example.com", "exposure": "orders-public"}]


def test_a_virtualservice_per_service_with_apirule_paths_as_uri_matches():
    first, second = exposure_objects(SERVICES, "virtualservice", "apps", "apps/gw", RULES, HEADERS)
    assert [first["metadata"]["name"], second["metadata"]["name"]] == ["httpbin-mtls", "orders-public"]
    assert [[m["uri"] for m in route["match"]] for route in first["spec"]["http"]] == [
        [{"prefix": "/"}], [{"exact": "/post"}], [{"regex": "^/a/[^/]+/b/.+$"}] * 2, [{"prefix": "/x/"}]]
    assert [m["method"]["exact"] for m in first["spec"]["http"][2]["match"]] == ["GET", "PUT"]
    route = first["spec"]["http"][0]["route"][0]
    assert route["destination"] == {"host": "httpbin.apps.svc.cluster.local", "port": {"number": 8000}}
    assert route["headers"]["request"]["set"] == HEADERS and first["spec"]["http"][0]["timeout"] == "180s"


def test_apirules_v2_and_v1beta1():
    [v2] = exposure_objects(SERVICES[:1], "apirule", "apps", "apps/gw", RULES, HEADERS, 30)
    assert v2["spec"]["service"] == {"name": "httpbin", "namespace": "apps", "port": 8000} and v2["spec"]["timeout"] == 30
    assert all(rule["noAuth"] and rule["request"]["headers"] == HEADERS for rule in v2["spec"]["rules"])
    [v1] = exposure_objects(SERVICES[:1], "apirule_v1beta1", "apps", "apps/gw", RULES, HEADERS)
    assert [rule["path"] for rule in v1["spec"]["rules"]] == ["/.*", "/post", "/a/{*}/b/{**}", "/x/.*"]


@pytest.mark.parametrize("services,rules,words", [
    ([{"name": "httpbin", "port": 8000}], RULES, "expose_services[0].host: is missing"),
    (SERVICES, [{"path": "/*"}], "expose_rules[0].methods"),
    ([], RULES, "services: must be a non-empty list"),
])
def test_malformed_input_is_named(services, rules, words):
    with pytest.raises(AnsibleFilterError, match=words.replace("[", r"\[").replace("]", r"\]")):
        exposure_objects(services, "virtualservice", "apps", "apps/gw", rules, HEADERS)


def test_the_main_jobs_workloads_get_full_host_names():
    assert workload_services([{"name": "httpbin", "port": 8000, "host": "httpbin", "labels": {"app": "httpbin"}}],
                             "local.kyma.dev") == [{"name": "httpbin", "port": 8000, "host": "httpbin.local.kyma.dev"}]
