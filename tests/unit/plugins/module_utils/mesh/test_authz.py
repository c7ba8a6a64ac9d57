"""AuthorizationPolicies as Envoy RBAC filters, with Istio's semantics and fail-closed handling."""

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.authz import applies_to, rbac_filters
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Report
from tests.support.mesh_objects import GATEWAY_PRINCIPAL, policy

LABELS = {"app": "httpbin", "version": "v1"}


def filters(*policies, port=80):
    report = Report()
    result = rbac_filters(list(policies), "kyma-mtls", LABELS, port, "istio-system", report)
    return {f["typed_config"]["rules"]["action"]: f["typed_config"]["rules"]["policies"] for f in result}, report.errors


def test_selection_by_namespace_root_and_labels():
    assert applies_to(policy(selector={"app": "httpbin"}), "kyma-mtls", LABELS, "istio-system")
    assert not applies_to(policy(selector={"app": "other"}), "kyma-mtls", LABELS, "istio-system")
    assert applies_to(policy(), "kyma-mtls", LABELS, "istio-system")
    assert applies_to(policy(namespace="istio-system"), "kyma-mtls", LABELS, "istio-system")
    assert not applies_to(policy(namespace="istio-system", selector={"app": "httpbin"}), "kyma-mtls", LABELS,
                          "istio-system")
    assert not applies_to(policy(namespace="other"), "kyma-mtls", LABELS, "istio-system")


def test_the_roles_deny_policy():
    rules = [{"from": [{"source": {"principals": [GATEWAY_PRINCIPAL]}}],
              "when": [{"key": "request.headers[x-client-ssl-cn]", "notValues": ["O=example,CN=client2.example.com"]}]}]
    result, errors = filters(policy(rules=rules, selector={"app": "httpbin"}))
    assert errors == [] and list(result) == ["DENY"]
    envoy = result["DENY"]["ns[kyma-mtls]-policy[policy]-rule[0]"]
    assert envoy["permissions"] == [{"and_rules": {"rules": [{"any": True}]}}]
    assert envoy["principals"] == [{"and_ids": {"ids": [
        {"authenticated": {"principal_name": {"exact": "spiffe://" + GATEWAY_PRINCIPAL}}},
        {"not_id": {"header": {"name": "x-client-ssl-cn",
                               "string_match": {"exact": "O=example,CN=client2.example.com"}}}},
    ]}}]


def test_operation_fields_and_their_negations():
    rules = [{"to": [{"operation": {"hosts": ["a.example"], "methods": ["GET", "POST"], "notPaths": ["/admin*"]}}]}]
    result, dummy = filters(policy(action="ALLOW", rules=rules))
    permission = result["ALLOW"]["ns[kyma-mtls]-policy[policy]-rule[0]"]["permissions"][0]["and_rules"]["rules"]
    assert permission == [
        {"header": {"name": ":authority", "string_match": {"exact": "a.example", "ignore_case": True}}},
        {"or_rules": {"rules": [{"header": {"name": ":method", "string_match": {"exact": "GET"}}},
                                {"header": {"name": ":method", "string_match": {"exact": "POST"}}}]}},
        {"not_rule": {"url_path": {"path": {"prefix": "/admin"}}}},
    ]


def test_namespaces_and_service_accounts_match_spiffe_ids():
    rules = [{"from": [{"source": {"namespaces": ["team-*"], "serviceAccounts": ["web"]}}]}]
    result, dummy = filters(policy(action="ALLOW", rules=rules))
    ids = result["ALLOW"]["ns[kyma-mtls]-policy[policy]-rule[0]"]["principals"][0]["and_ids"]["ids"]
    assert ids[0] == {"authenticated": {"principal_name": {"safe_regex": {"regex": ".*/ns/team-.*/.*"}}}}
    assert ids[1] == {"authenticated": {"principal_name": {"safe_regex": {
        "regex": "spiffe://.+/ns/kyma-mtls/(.+/|)sa/web(/.+)?"}}}}


def test_ports_are_decided_for_the_workload_port():
    rules = [{"to": [{"operation": {"ports": ["80"]}}, {"operation": {"ports": ["8080"]}}]}]
    result, dummy = filters(policy(action="ALLOW", rules=rules), port=80)
    permissions = result["ALLOW"]["ns[kyma-mtls]-policy[policy]-rule[0]"]["permissions"]
    assert permissions[0]["and_rules"]["rules"] == [{"any": True}]
    assert permissions[1]["and_rules"]["rules"] == [{"not_rule": {"any": True}}]


def test_allow_without_rules_denies_everything_and_deny_without_rules_nothing():
    result, dummy = filters(policy(action="ALLOW"))
    assert result == {"ALLOW": {}}
    result, dummy = filters(policy(action="DENY"))
    assert result == {}


def test_no_policy_no_filter():
    assert filters(policy(selector={"app": "other"}))[0] == {}


def test_unsupported_field_widens_a_deny_rule():
    rules = [{"from": [{"source": {"principals": [GATEWAY_PRINCIPAL], "ipBlocks": ["10.0.0.0/8"]}}]}]
    result, errors = filters(policy(rules=rules))
    ids = result["DENY"]["ns[kyma-mtls]-policy[policy]-rule[0]"]["principals"][0]["and_ids"]["ids"]
    assert ids == [{"authenticated": {"principal_name": {"exact": "spiffe://" + GATEWAY_PRINCIPAL}}}]
    assert errors == ["AuthorizationPolicy kyma-mtls/policy: spec.rules[0].from[0].source.ipBlocks: "
                      "is not supported by the local gateway"]


def test_unsupported_field_drops_an_allow_rule():
    rules = [{"from": [{"source": {"requestPrincipals": ["*"]}}]},
             {"to": [{"operation": {"methods": ["GET"]}}]}]
    result, errors = filters(policy(action="ALLOW", rules=rules))
    assert list(result["ALLOW"]) == ["ns[kyma-mtls]-policy[policy]-rule[1]"]
    assert errors == ["AuthorizationPolicy kyma-mtls/policy: spec.rules[0].from[0].source.requestPrincipals: "
                      "is not supported by the local gateway"]


def test_unsupported_condition_key_is_named():
    rules = [{"when": [{"key": "request.auth.claims[groups]", "values": ["admins"]}]}]
    result, errors = filters(policy(action="ALLOW", rules=rules))
    assert result == {"ALLOW": {}}
    assert "spec.rules[0].when[0].key" in errors[0] and "request.auth.claims[groups]" in errors[0]


def test_custom_is_enforced_as_deny_and_audit_changes_nothing():
    custom = policy(name="ext", action="CUSTOM", rules=[{"to": [{"operation": {"paths": ["/admin"]}}]}])
    custom["spec"]["provider"] = {"name": "oauth2-proxy"}
    audit = policy(name="audit", action="AUDIT", rules=[{}])
    result, errors = filters(custom, audit)
    assert list(result) == ["DENY"] and list(result["DENY"]) == ["ns[kyma-mtls]-policy[ext]-rule[0]"]
    assert any("'oauth2-proxy'" in e and "enforced as DENY" in e for e in errors)
    assert any(e.startswith("AuthorizationPolicy kyma-mtls/audit: spec.action: AUDIT") for e in errors)


def test_deny_is_evaluated_before_allow():
    deny = policy(name="deny", rules=[{"to": [{"operation": {"paths": ["/admin"]}}]}], created="2026-11-28T11:00:00Z")
    allow = policy(name="allow", action="ALLOW", rules=[{}], created="2026-11-28T09:00:00Z")
    report = Report()
    envoy = rbac_filters([allow, deny], "kyma-mtls", LABELS, 80, "istio-system", report)
    assert [f["typed_config"]["rules"]["action"] for f in envoy] == ["DENY", "ALLOW"]


def test_connection_sni_and_header_values_in_when():
    rules = [{"when": [{"key": "connection.sni", "values": ["*.example"]},
                       {"key": "request.headers[X-Forwarded-Client-Cert]", "values": ["Hash=ab;*"]}]}]
    result, dummy = filters(policy(action="ALLOW", rules=rules))
    envoy = result["ALLOW"]["ns[kyma-mtls]-policy[policy]-rule[0]"]
    assert envoy["permissions"][0]["and_rules"]["rules"] == [{"requested_server_name": {"suffix": ".example"}}]
    assert envoy["principals"][0]["and_ids"]["ids"] == [
        {"header": {"name": "x-forwarded-client-cert", "string_match": {"prefix": "Hash=ab;"}}}]
