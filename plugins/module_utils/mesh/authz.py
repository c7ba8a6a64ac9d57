# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AuthorizationPolicies as Envoy RBAC filters, following Istio's translation.

Each rule becomes one Envoy policy: its "to" entries are ORed permissions, its "from" entries ORed
principals; inside them every field is ANDed, a field's values ORed, notValues negated. "when"
conditions join the permission or the principal side by their key. Istio evaluates CUSTOM, then
DENY, then ALLOW; when any ALLOW policy applies, a request must match one of them.

What the local gateway cannot honour is reported, and fails closed the way Istio does: in a DENY
policy the unsupported field is dropped (the rule denies more), in an ALLOW policy the whole
rule is dropped (it allows less). A CUSTOM policy (an external authorizer) is enforced as DENY.
"""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.istio_match import (
    header_matcher, path_permission, string_matcher)
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import (
    Unsupported, check_fields, creation_order, labels_match, name, namespace, spec)

POLICY_FIELDS = {"selector", "action", "rules", "provider"}
RULE_FIELDS = {"from", "to", "when"}
SOURCE_KEYS = ("principals", "namespaces", "serviceAccounts")
OPERATION_KEYS = ("hosts", "methods", "paths", "ports")
RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC"
ANY = {"any": True}
NOTHING = {"not_rule": {"any": True}}

_HEADER_KEY = re.compile(r"^request\.headers\[([^\]]+)\]$")


def applies_to(policy, workload_namespace, workload_labels, root_namespace):
    """Whether a policy selects a workload: by namespace (or mesh-wide in the root namespace) and labels."""
    selector = spec(policy).get("selector")
    if selector is None:
        return namespace(policy) in (workload_namespace, root_namespace)
    if namespace(policy) != workload_namespace:
        return False
    check_fields(selector, {"matchLabels"}, "spec.selector")
    return labels_match(selector.get("matchLabels"), workload_labels)


class _Scope:
    """What a rule is evaluated against at one workload: its port, for ports and destination.port."""

    def __init__(self, target_port):
        self.target_port = target_port


def _or_permissions(items):
    return items[0] if len(items) == 1 else {"or_rules": {"rules": items}}


def _or_principals(items):
    return items[0] if len(items) == 1 else {"or_ids": {"ids": items}}


def _authenticated(matcher):
    return {"authenticated": {"principal_name": matcher}}


def _principal_for(key, value, policy_namespace):
    if key in ("principals", "source.principal"):
        return _authenticated(string_matcher(value, prefix="spiffe://") if value != "*" else string_matcher(value))
    if key in ("namespaces", "source.namespace"):
        return _authenticated({"safe_regex": {"regex": ".*/ns/%s/.*" % value.replace("*", ".*")}})
    if key == "serviceAccounts":
        ns, dummy, account = value.rpartition("/")
        return _authenticated({"safe_regex": {
            "regex": "spiffe://.+/ns/%s/(.+/|)sa/%s(/.+)?" % (ns or policy_namespace, account)}})
    header = _HEADER_KEY.match(key)
    return {"header": header_matcher(header.group(1).lower(), value)}


def _port_permission(value, scope, field):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise Unsupported(field, "%r is not a port number" % (value,))
    # A sidecar listener here serves one workload port, so a port condition is known in advance.
    return ANY if port == scope.target_port else NOTHING


def _permission_for(key, value, scope, field):
    if key == "hosts":
        matcher = string_matcher(value, ignore_case=True) if value != "*" else None
        return {"header": {"name": ":authority", "present_match": True} if matcher is None else
                {"name": ":authority", "string_match": matcher}}
    if key == "methods":
        return {"header": header_matcher(":method", value)}
    if key == "paths":
        return path_permission(value)
    if key in ("ports", "destination.port"):
        return _port_permission(value, scope, field)
    if key == "connection.sni":
        return {"requested_server_name": string_matcher(value)}
    raise Unsupported(field, "is not supported by the local gateway")


def _values_to_matchers(values, not_values, build, combine, negate):
    """[OR of values] and [NOT(OR of notValues)], as Istio combines a field's two forms."""
    parts = []
    if values:
        parts.append(combine([build(v) for v in values]))
    if not_values:
        parts.append(negate(combine([build(v) for v in not_values])))
    return parts


def _field_parts(mapping, key, side, scope, policy_namespace, field):
    negated_key = "not" + key[0].upper() + key[1:]
    values, not_values = mapping.get(key), mapping.get(negated_key)
    if side == "principal":
        return _values_to_matchers(values, not_values, lambda v: _principal_for(key, v, policy_namespace),
                                   _or_principals, lambda p: {"not_id": p})
    return _values_to_matchers(values, not_values, lambda v: _permission_for(key, v, scope, field),
                               _or_permissions, lambda p: {"not_rule": p})


WHEN_PRINCIPAL = ("source.principal", "source.namespace")
WHEN_PERMISSION = ("connection.sni", "destination.port")


def _when_parts(condition, scope, policy_namespace, field):
    check_fields(condition, {"key", "values", "notValues"}, field)
    key = condition.get("key", "")
    values, not_values = condition.get("values"), condition.get("notValues")
    if key in WHEN_PRINCIPAL or _HEADER_KEY.match(key):
        return "principal", _values_to_matchers(values, not_values, lambda v: _principal_for(key, v, policy_namespace),
                                                _or_principals, lambda p: {"not_id": p})
    if key in WHEN_PERMISSION:
        return "permission", _values_to_matchers(values, not_values,
                                                 lambda v: _permission_for(key, v, scope, field + ".key"),
                                                 _or_permissions, lambda p: {"not_rule": p})
    raise Unsupported(field + ".key", "%r is not supported by the local gateway" % key)


class _RuleTranslator:
    """One rule of one policy, with Istio's fail-closed handling of what cannot be translated."""

    def __init__(self, policy, deny, scope, report):
        self.policy = policy
        self.deny = deny
        self.scope = scope
        self.report = report

    def _guarded(self, produce):
        """produce()'s parts; for a DENY rule an unsupported field is dropped, else the error propagates."""
        try:
            return produce()
        except Unsupported as exc:
            if not self.deny:
                raise
            self.report.unsupported(self.policy, exc)
            return []

    def translate(self, rule, field):
        check_fields(rule, RULE_FIELDS, field)
        base_permission, base_principal = [], []
        for index, condition in enumerate(rule.get("when") or []):
            where = "%s.when[%d]" % (field, index)

            def when(where=where, condition=condition):
                side, parts = _when_parts(condition, self.scope, namespace(self.policy), where)
                return [(side, part) for part in parts]

            for side, part in self._guarded(when):
                (base_principal if side == "principal" else base_permission).append(part)
        principals = [self._entry(source, "%s.from[%d].source" % (field, i), "principal", SOURCE_KEYS, base_principal)
                      for i, source in enumerate((s.get("source") or {}) for s in rule.get("from") or [])]
        permissions = [self._entry(operation, "%s.to[%d].operation" % (field, i), "permission", OPERATION_KEYS,
                                   base_permission)
                       for i, operation in enumerate((t.get("operation") or {}) for t in rule.get("to") or [])]
        principals = principals or [_and_principals(base_principal)]
        permissions = permissions or [_and_permissions(base_permission)]
        return {"permissions": permissions, "principals": principals}

    def _entry(self, mapping, field, side, keys, base):
        allowed = set(keys) | {"not" + k[0].upper() + k[1:] for k in keys}
        for key in sorted(set(mapping) - allowed):
            self._guarded(lambda key=key: _unsupported("%s.%s" % (field, key)))
        parts = []
        for key in keys:
            parts += self._guarded(lambda key=key: _field_parts(mapping, key, side, self.scope,
                                                                namespace(self.policy), "%s.%s" % (field, key)))
        parts += base
        return _and_principals(parts) if side == "principal" else _and_permissions(parts)


def _unsupported(field):
    raise Unsupported(field, "is not supported by the local gateway")


def _and_permissions(parts):
    return {"and_rules": {"rules": parts or [ANY]}}


def _and_principals(parts):
    return {"and_ids": {"ids": parts or [{"any": True}]}}


def _policy_rules(policy, deny, scope, report):
    """{envoy policy name: policy} for each rule of policy that can be enforced."""
    rules = {}
    translator = _RuleTranslator(policy, deny, scope, report)
    for index, rule in enumerate(spec(policy).get("rules") or []):
        field = "spec.rules[%d]" % index
        try:
            rules["ns[%s]-policy[%s]-rule[%d]" % (namespace(policy), name(policy), index)] = \
                translator.translate(rule, field)
        except Unsupported as exc:  # only ALLOW rules get here: the rule is dropped
            report.unsupported(policy, exc)
    return rules


def rbac_filters(policies, workload_namespace, workload_labels, target_port, root_namespace, report):
    """The RBAC http filters of one workload, DENY before ALLOW; [] when no policy applies."""
    deny, allow, any_allow = {}, {}, False
    scope = _Scope(target_port)
    for policy in creation_order(policies):
        try:
            check_fields(spec(policy), POLICY_FIELDS, "spec")
            if not applies_to(policy, workload_namespace, workload_labels, root_namespace):
                continue
            action = spec(policy).get("action", "ALLOW")
            if action == "AUDIT":
                raise Unsupported("spec.action", "AUDIT needs a telemetry plugin the local gateway does not run "
                                  "(the policy does not change access)")
            if action == "CUSTOM":
                report.add(policy, "spec.action", "CUSTOM needs the external authorizer %r, which the local gateway "
                           "does not run: its rules are enforced as DENY" % (spec(policy).get("provider") or {}).get("name"))
                deny.update(_policy_rules(policy, True, scope, report))
            elif action == "DENY":
                deny.update(_policy_rules(policy, True, scope, report))
            elif action == "ALLOW":
                any_allow = True
                allow.update(_policy_rules(policy, False, scope, report))
            else:
                raise Unsupported("spec.action", "%r is not an action (ALLOW, DENY, CUSTOM, AUDIT)" % action)
        except Unsupported as exc:
            report.unsupported(policy, exc)
    filters = []
    if deny:
        filters.append(_rbac_filter("DENY", deny))
    if any_allow:
        filters.append(_rbac_filter("ALLOW", allow))
    return filters


def _rbac_filter(action, policies):
    return {"name": "envoy.filters.http.rbac",
            "typed_config": {"@type": RBAC_TYPE, "rules": {"action": action, "policies": policies}}}
