"""Cutting an allow-list into prefix buckets denies exactly what one rule with the whole list denies."""

import hashlib
import json
import random

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.allow_list import deny_conditions, prefix_buckets
from ansible_collections.kyma.mtls.plugins.module_utils.allow_policies import (
    ALLOW_LIST_LABEL, XFCC, allow_list_policies, stale_policies)
from ansible_collections.kyma.mtls.plugins.module_utils.exposure_guard import restricting_policies

GATEWAY = ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]
SUBJECT_KEY = "request.headers[x-client-ssl-cn]"


def _matches(header, value):
    """Istio's string match for policy values: a trailing '*' is a prefix match."""
    return header is not None and (header.startswith(value[:-1]) if value.endswith("*") else header == value)


def _holds(header, condition):
    if "values" in condition and not any(_matches(header, v) for v in condition["values"]):
        return False
    return not ("notValues" in condition and any(_matches(header, v) for v in condition["notValues"]))


def denied(headers, rules):
    """Whether a DENY rule matches a request with these headers ({key: value}), as Envoy's RBAC decides:
    the conditions of a rule all hold, and one matching rule is enough."""
    return any(all(_holds(headers.get(c["key"]), c) for c in rule["when"]) for rule in rules)


def fingerprint(i):
    return hashlib.sha256(b"certificate %d" % i).hexdigest()


def subject(i):
    return "O=example,CN=client%d.example.com" % i


def test_a_short_list_is_one_rule_as_before():
    assert deny_conditions("k", ["b", "a"]) == [(None, [{"key": "k", "notValues": ["a", "b"]}])]


def test_buckets_are_prefix_free_small_and_hold_every_value():
    values = [subject(i) for i in range(5000)]
    buckets, loose = prefix_buckets(values, size=100)
    prefixes = [p for ps, dummy in buckets for p in ps]
    assert len(prefixes) == len(set(prefixes))
    assert not [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
    assert all(len(group) <= 100 for dummy, group in buckets)
    held = sorted(v for dummy, group in buckets for v in group) + loose
    assert sorted(held) == sorted(values)
    for ps, group in buckets:
        assert all(any(v.startswith(p) for p in ps) for v in group)


def test_an_exact_value_that_is_a_prefix_of_others_is_let_in_by_the_catch_all():
    values = ["ab"] + ["ab%d" % i for i in range(20)]
    buckets, loose = prefix_buckets(values, size=5)
    assert loose == ["ab", "ab1"]  # ab1 is also the prefix of ab10 to ab19
    rules = [{"when": when} for dummy, when in deny_conditions("k", values, size=5)]
    assert not denied({"k": "ab"}, rules) and not denied({"k": "ab1"}, rules) and not denied({"k": "ab17"}, rules)
    assert denied({"k": "a"}, rules) and denied({"k": "ab7x"}, rules) and denied({"k": "ab1x"}, rules)


@pytest.mark.parametrize("size", [1, 3, 16, 256])
def test_the_cut_rules_deny_exactly_what_one_rule_denies(size):
    rng = random.Random(size)
    allowed = ["Hash=%s;*" % fingerprint(i) for i in range(600)]
    whole = [{"when": [{"key": XFCC, "notValues": allowed}]}]
    cut = [{"when": when} for dummy, when in deny_conditions(XFCC, allowed, size)]
    probes = [None, "", "Hash=", "Hash=0", "garbage", "Hash=%s" % fingerprint(3)]
    probes += ["Hash=%s;Subject=\"CN=x\";URI=" % fingerprint(rng.randrange(1200)) for dummy in range(400)]
    probes += ["Hash=%s;By=spiffe://x" % fingerprint(i)[:rng.randrange(65)] for i in range(200)]
    for header in probes:
        assert denied({XFCC: header}, cut) == denied({XFCC: header}, whole), header


def test_suffix_values_are_refused():
    with pytest.raises(ValueError):
        prefix_buckets(["*x", "a"], size=1)


def _policies(count, **kwargs):
    return allow_list_policies("mtls-allowed-clients", "kyma-mtls", {}, GATEWAY, "x-client-ssl-cn",
                               [subject(i) for i in range(count)], [fingerprint(i) for i in range(count)], **kwargs)


def test_few_clients_make_one_policy_with_one_rule_per_header():
    policies = _policies(2)
    assert [p["metadata"]["name"] for p in policies] == ["mtls-allowed-clients"]
    assert "selector" not in policies[0]["spec"] and policies[0]["spec"]["action"] == "DENY"
    assert [r["when"][0]["key"] for r in policies[0]["spec"]["rules"]] == [SUBJECT_KEY, XFCC]


def test_ten_thousand_clients_fit_in_policies_far_below_the_object_limit():
    policies = _policies(10000)
    sizes = [len(json.dumps(p)) for p in policies]
    assert max(sizes) < 256 * 1024 and len(policies) > 2
    assert policies[-1]["metadata"]["name"] == "mtls-allowed-clients"
    assert {p["metadata"]["labels"][ALLOW_LIST_LABEL] for p in policies} == {"mtls-allowed-clients"}
    assert len({p["metadata"]["name"] for p in policies}) == len(policies)
    rules = [rule for p in policies for rule in p["spec"]["rules"]]
    allowed = {SUBJECT_KEY: subject(9999), XFCC: "Hash=%s;Subject=\"\";URI=" % fingerprint(9999)}
    assert not denied(allowed, rules)
    assert denied(dict(allowed, **{SUBJECT_KEY: subject(10000)}), rules)
    assert denied(dict(allowed, **{XFCC: "Hash=%s;Subject=\"\";URI=" % fingerprint(10000)}), rules)
    assert denied({SUBJECT_KEY: subject(1)}, rules)  # no XFCC at all


def test_a_changed_bucket_keeps_its_name_and_a_new_cut_gets_new_names():
    before = [p["metadata"]["name"] for p in _policies(3000, bucket_size=256)]
    grown = [p["metadata"]["name"] for p in allow_list_policies(
        "mtls-allowed-clients", "kyma-mtls", {}, GATEWAY, "x-client-ssl-cn",
        [subject(i) for i in range(3000)] + ["O=example,CN=client1.example.com.extra"],
        [fingerprint(i) for i in range(3000)])]
    assert before == grown
    recut = [p["metadata"]["name"] for p in _policies(3000, bucket_size=64)]
    assert set(recut[:-1]).isdisjoint(before[:-1])


def test_stale_policies_are_the_unrendered_ones_of_the_same_list_and_the_replaced():
    rendered = _policies(2)
    found = rendered + [
        {"metadata": {"name": "mtls-allowed-clients-0123456789", "labels": {ALLOW_LIST_LABEL: "mtls-allowed-clients"}}},
        {"metadata": {"name": "other-abc", "labels": {ALLOW_LIST_LABEL: "other"}}},
        {"metadata": {"name": "httpbin-mtls-allowed-clients", "labels": {}}},
        {"metadata": {"name": "unrelated"}}]
    names = [ref["metadata"]["name"] for ref in stale_policies(
        found, "mtls-allowed-clients", "kyma-mtls", rendered, ["httpbin-mtls-allowed-clients"])]
    assert names == ["httpbin-mtls-allowed-clients", "mtls-allowed-clients-0123456789"]
    everything = stale_policies(found, "mtls-allowed-clients", "kyma-mtls")
    assert [ref["metadata"]["name"] for ref in everything] == ["mtls-allowed-clients-0123456789", "mtls-allowed-clients"]
    assert everything[0] == {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                             "metadata": {"name": "mtls-allowed-clients-0123456789", "namespace": "kyma-mtls"}}


def test_a_bucket_policy_alone_restricts_nothing():
    policies = _policies(3000)
    assert restricting_policies(policies[:-1], {"app": "httpbin"}) == []
    assert restricting_policies(policies, {"app": "httpbin"}) == ["mtls-allowed-clients"]
