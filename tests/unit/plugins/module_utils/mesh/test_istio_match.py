"""Istio's value forms (exact, prefix*, *suffix, *, path templates) as Envoy matchers."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.istio_match import (
    header_matcher, path_permission, string_matcher, virtual_service_match)
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Unsupported


@pytest.mark.parametrize("value, expected", [
    ("a.b", {"exact": "a.b"}),
    ("a*", {"prefix": "a"}),
    ("*b", {"suffix": "b"}),
    ("*", {"safe_regex": {"regex": ".+"}}),
])
def test_policy_values(value, expected):
    assert string_matcher(value) == expected


def test_prefix_is_added_to_principals_but_not_to_any():
    assert string_matcher("cluster.local/ns/a/sa/b", prefix="spiffe://") == {"exact": "spiffe://cluster.local/ns/a/sa/b"}
    assert string_matcher("cluster.local/*", prefix="spiffe://") == {"prefix": "spiffe://cluster.local/"}
    assert string_matcher("*", prefix="spiffe://") == {"safe_regex": {"regex": ".+"}}


def test_hosts_ignore_case():
    assert string_matcher("Httpbin.Example", ignore_case=True) == {"exact": "Httpbin.Example", "ignore_case": True}


def test_header_star_is_presence():
    assert header_matcher("x-a", "*") == {"name": "x-a", "present_match": True}
    assert header_matcher("x-a", "Hash=ab;*") == {"name": "x-a", "string_match": {"prefix": "Hash=ab;"}}


def test_paths():
    assert path_permission("/post") == {"url_path": {"path": {"exact": "/post"}}}
    assert path_permission("/api/*") == {"url_path": {"path": {"prefix": "/api/"}}}
    template = path_permission("/a/{*}/b/{**}")["uri_template"]["typed_config"]
    assert template["path_template"] == "/a/*/b/**"


def test_virtual_service_string_match():
    assert virtual_service_match({"prefix": "/"}, "f") == {"prefix": "/"}
    assert virtual_service_match({"regex": "^/a$"}, "f") == {"safe_regex": {"regex": "^/a$"}}
    with pytest.raises(Unsupported) as info:
        virtual_service_match({"exact": "/a", "prefix": "/"}, "spec.http[0].match[0].uri")
    assert info.value.field == "spec.http[0].match[0].uri"
    with pytest.raises(Unsupported) as info:
        virtual_service_match({"glob": "/a"}, "m.uri")
    assert info.value.field == "m.uri.glob"
