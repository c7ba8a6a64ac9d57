# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VirtualService http routes as Envoy routes, the way Istio writes them for a gateway."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.istio_match import virtual_service_match
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import (
    Unsupported, check_fields, name, namespace, service_fqdn)

HTTP_ROUTE_FIELDS = {"name", "match", "route", "redirect", "directResponse", "rewrite", "timeout", "retries", "headers"}
MATCH_FIELDS = {"name", "uri", "method", "authority", "headers", "withoutHeaders", "queryParams",
                "ignoreUriCase", "port", "gateways"}
DESTINATION_FIELDS = {"destination", "weight", "headers"}
HEADERS_FIELDS = {"request", "response"}
HEADER_OPERATIONS = {"set", "add", "remove"}
REDIRECT_CODES = {301: "MOVED_PERMANENTLY", 302: "FOUND", 303: "SEE_OTHER", 307: "TEMPORARY_REDIRECT",
                  308: "PERMANENT_REDIRECT"}
# What Istio retries when a route says nothing about retries.
DEFAULT_RETRY = {"retry_on": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
                 "num_retries": 2, "retriable_status_codes": [503]}


def cluster_name(fqdn, port):
    return "outbound|%d||%s" % (port, fqdn)


def header_operations(headers, field):
    """Envoy route header fields from Istio Headers {request|response: {set, add, remove}}."""
    check_fields(headers, HEADERS_FIELDS, field)
    envoy = {}
    for direction in ("request", "response"):
        operations = headers.get(direction) or {}
        check_fields(operations, HEADER_OPERATIONS, "%s.%s" % (field, direction))
        to_add = [{"header": {"key": key, "value": str(value)}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
                  for key, value in sorted((operations.get("set") or {}).items())]
        to_add += [{"header": {"key": key, "value": str(value)}, "append_action": "APPEND_IF_EXISTS_OR_ADD"}
                   for key, value in sorted((operations.get("add") or {}).items())]
        if to_add:
            envoy["%s_headers_to_add" % direction] = to_add
        if operations.get("remove"):
            envoy["%s_headers_to_remove" % direction] = list(operations["remove"])
    return envoy


def _merge_headers(target, extra):
    for key, values in extra.items():
        target[key] = target.get(key, []) + values


def _header_matchers(headers, field, invert=False):
    matchers = []
    for header, match in sorted((headers or {}).items()):
        matcher = {"name": header.lower()}
        if match:
            matcher["string_match"] = virtual_service_match(match, "%s.%s" % (field, header))
        else:
            matcher["present_match"] = True
        if invert:
            matcher["invert_match"] = True
        matchers.append(matcher)
    return matchers


def route_match(match, field, server_port, gateway_key, vs_namespace):
    """An Envoy RouteMatch for an HTTPMatchRequest, or None when it cannot apply to this server."""
    check_fields(match, MATCH_FIELDS, field)
    if "port" in match and match["port"] != server_port:
        return None
    if match.get("gateways") and not any(
            _gateway_key(g, vs_namespace) == gateway_key for g in match["gateways"]):
        return None
    envoy = {}
    uri = match.get("uri")
    if uri is None:
        envoy["prefix"] = "/"
    else:
        matcher = virtual_service_match(uri, field + ".uri")
        if "exact" in matcher:
            envoy["path"] = matcher["exact"]
        elif "prefix" in matcher:
            envoy["prefix"] = matcher["prefix"]
        else:
            envoy["safe_regex"] = matcher["safe_regex"]
    if match.get("ignoreUriCase"):
        envoy["case_sensitive"] = False
    headers = []
    if match.get("method"):
        headers.append({"name": ":method", "string_match": virtual_service_match(match["method"], field + ".method")})
    if match.get("authority"):
        headers.append({"name": ":authority",
                        "string_match": virtual_service_match(match["authority"], field + ".authority")})
    headers += _header_matchers(match.get("headers"), field + ".headers")
    headers += _header_matchers(match.get("withoutHeaders"), field + ".withoutHeaders", invert=True)
    if headers:
        envoy["headers"] = headers
    params = []
    for param, value in sorted((match.get("queryParams") or {}).items()):
        entry = {"name": param}
        if value:
            entry["string_match"] = virtual_service_match(value, "%s.queryParams.%s" % (field, param))
        else:
            entry["present_match"] = True
        params.append(entry)
    if params:
        envoy["query_parameters"] = params
    return envoy


def _gateway_key(reference, default_namespace):
    if "/" in reference:
        return reference
    return "%s/%s" % (default_namespace, reference)


def _duration(value, field):
    text = str(value)
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit):
            try:
                return "%gs" % (float(text[:-len(unit)]) * units[unit])
            except ValueError:
                break
    raise Unsupported(field, "%r is not a duration such as 180s, 500ms or 2m" % text)


def _retry_policy(retries, field):
    if retries is None:
        return dict(DEFAULT_RETRY)
    check_fields(retries, {"attempts", "perTryTimeout", "retryOn"}, field)
    if not retries.get("attempts"):
        return None
    policy = {"num_retries": retries["attempts"], "retry_on": retries.get("retryOn") or DEFAULT_RETRY["retry_on"]}
    if "retriable-status-codes" in policy["retry_on"] and not retries.get("retryOn"):
        policy["retriable_status_codes"] = [503]
    if retries.get("perTryTimeout"):
        policy["per_try_timeout"] = _duration(retries["perTryTimeout"], field + ".perTryTimeout")
    return policy


def _destinations(http, field, vs_namespace, workloads):
    """(clusters, headers by cluster): weighted destinations of an http route, ports resolved."""
    destinations = []
    for index, destination in enumerate(http["route"]):
        where = "%s.route[%d]" % (field, index)
        check_fields(destination, DESTINATION_FIELDS, where)
        target = destination.get("destination") or {}
        check_fields(target, {"host", "port"}, where + ".destination")
        fqdn = service_fqdn(target.get("host", ""), vs_namespace)
        port = (target.get("port") or {}).get("number")
        if port is None:
            known = sorted(p for (host, p) in workloads if host == fqdn)
            if len(known) != 1:
                raise Unsupported(where + ".destination.port",
                                  "is required: %s has %s ports" % (fqdn, len(known) or "no known"))
            port = known[0]
        extra = header_operations(destination["headers"], where + ".headers") if destination.get("headers") else {}
        destinations.append((cluster_name(fqdn, port), destination.get("weight"), extra))
    return destinations


def _route_action(http, field, vs_namespace, workloads):
    destinations = _destinations(http, field, vs_namespace, workloads)
    action = {"timeout": _duration(http["timeout"], field + ".timeout") if http.get("timeout") else "0s"}
    if len(destinations) == 1:
        action["cluster"] = destinations[0][0]
    else:
        action["weighted_clusters"] = {"clusters": [
            dict({"name": cluster, "weight": weight if weight is not None else 0}, **extra)
            for cluster, weight, extra in destinations]}
    retry = _retry_policy(http.get("retries"), field + ".retries")
    if retry:
        action["retry_policy"] = retry
    rewrite = http.get("rewrite")
    if rewrite:
        check_fields(rewrite, {"uri", "authority", "uriRegexRewrite"}, field + ".rewrite")
        if "uri" in rewrite:
            action["prefix_rewrite"] = rewrite["uri"]
        if "authority" in rewrite:
            action["host_rewrite_literal"] = rewrite["authority"]
        if "uriRegexRewrite" in rewrite:
            check_fields(rewrite["uriRegexRewrite"], {"match", "rewrite"}, field + ".rewrite.uriRegexRewrite")
            action["regex_rewrite"] = {"pattern": {"regex": rewrite["uriRegexRewrite"]["match"]},
                                       "substitution": rewrite["uriRegexRewrite"]["rewrite"]}
    single_extra = destinations[0][2] if len(destinations) == 1 else {}
    return action, single_extra


def _redirect(redirect, field):
    check_fields(redirect, {"uri", "authority", "port", "scheme", "redirectCode"}, field)
    envoy = {}
    for istio, key in (("uri", "path_redirect"), ("authority", "host_redirect"), ("port", "port_redirect"),
                       ("scheme", "scheme_redirect")):
        if istio in redirect:
            envoy[key] = redirect[istio]
    code = redirect.get("redirectCode", 301)
    if code not in REDIRECT_CODES:
        raise Unsupported(field + ".redirectCode", "must be one of %s" % ", ".join(map(str, REDIRECT_CODES)))
    envoy["response_code"] = REDIRECT_CODES[code]
    return envoy


def _direct_response(response, field):
    check_fields(response, {"status", "body"}, field)
    envoy = {"status": response["status"]}
    body = response.get("body")
    if body:
        check_fields(body, {"string", "bytes"}, field + ".body")
        envoy["body"] = {"inline_string": body["string"]} if "string" in body else {"inline_bytes": body["bytes"]}
    return envoy


def http_routes(virtual_service, server_port, gateway_key, workloads):
    """The Envoy routes of one VirtualService as seen by one gateway server, in order."""
    vs_namespace = namespace(virtual_service)
    routes = []
    for index, http in enumerate((virtual_service.get("spec") or {}).get("http") or []):
        field = "spec.http[%d]" % index
        check_fields(http, HTTP_ROUTE_FIELDS, field)
        actions = [key for key in ("route", "redirect", "directResponse") if http.get(key)]
        if len(actions) != 1:
            raise Unsupported(field, "needs exactly one of route, redirect, directResponse")
        common = header_operations(http["headers"], field + ".headers") if http.get("headers") else {}
        if actions[0] == "route":
            action, extra = _route_action(http, field, vs_namespace, workloads)
            _merge_headers(common, extra)
            common["route"] = action
        elif actions[0] == "redirect":
            common["redirect"] = _redirect(http["redirect"], field + ".redirect")
        else:
            common["direct_response"] = _direct_response(http["directResponse"], field + ".directResponse")
        matches = http.get("match") or [{}]
        for match_index, match in enumerate(matches):
            envoy_match = route_match(match, "%s.match[%d]" % (field, match_index), server_port, gateway_key,
                                      vs_namespace)
            if envoy_match is None:
                continue
            route = dict(common, match=envoy_match)
            route["name"] = "%s.%s.%d" % (name(virtual_service), vs_namespace, index)
            routes.append(route)
    return routes


def bound_gateways(virtual_service):
    """namespace/name of each gateway a VirtualService binds to ("mesh" is not a gateway)."""
    spec = virtual_service.get("spec") or {}
    return [_gateway_key(g, namespace(virtual_service)) for g in spec.get("gateways") or [] if g != "mesh"]
