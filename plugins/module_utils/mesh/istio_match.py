# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio's matching forms as Envoy matchers.

AuthorizationPolicy values: "abc" exact, "abc*" prefix, "*abc" suffix, "*" any (presence for
headers); paths may also hold the templates {*} (one segment) and {**} (any number of segments).
VirtualService StringMatch: one of exact, prefix, regex.
"""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import Unsupported


def regex(expression):
    return {"safe_regex": {"regex": expression}}


def string_matcher(value, prefix="", ignore_case=False):
    """An AuthorizationPolicy value as an Envoy StringMatcher; "*" is any non-empty string."""
    if value == "*":
        return regex(".+")
    if value.startswith("*"):
        matcher = {"suffix": prefix + value[1:]}
    elif value.endswith("*"):
        matcher = {"prefix": prefix + value[:-1]}
    else:
        matcher = {"exact": prefix + value}
    if ignore_case:
        matcher["ignore_case"] = True
    return matcher


def header_matcher(header, value, ignore_case=False):
    """An AuthorizationPolicy header value as an Envoy HeaderMatcher; "*" means present."""
    if value == "*":
        return {"name": header, "present_match": True}
    return {"name": header, "string_match": string_matcher(value, ignore_case=ignore_case)}


def is_path_template(value):
    return "{*}" in value or "{**}" in value


def path_permission(value):
    """An AuthorizationPolicy path as an Envoy RBAC permission (path without the query)."""
    if is_path_template(value):
        template = value.replace("{**}", "**").replace("{*}", "*")
        return {"uri_template": {
            "name": "uri-template",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig",
                "path_template": template,
            },
        }}
    return {"url_path": {"path": string_matcher(value)}}


def virtual_service_match(match, field, ignore_case=False):
    """A VirtualService StringMatch ({exact|prefix|regex: value}) as an Envoy StringMatcher."""
    if not isinstance(match, dict) or len(match) != 1:
        raise Unsupported(field, "must have exactly one of exact, prefix, regex")
    kind, value = next(iter(match.items()))
    if kind not in ("exact", "prefix", "regex"):
        raise Unsupported("%s.%s" % (field, kind), "is not supported by the local gateway")
    if kind == "regex":
        return regex(value)
    matcher = {kind: value}
    if ignore_case:
        matcher["ignore_case"] = True
    return matcher
