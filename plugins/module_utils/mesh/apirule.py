# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""APIRule gateway.kyma-project.io/v2 as the objects Kyma's api-gateway creates for it.

For each APIRule the api-gateway writes one VirtualService (a route per rule: method regex, the
path as a prefix "/" for "/*" or an anchored regex with {*} and {**} expanded, X-Forwarded-Host,
the rule's request headers and cookies, upstream CORS headers removed) and, per rule, an ALLOW
AuthorizationPolicy for the ingress gateway's principal, selecting the pods of the Service's
selector, for the rule's hosts, methods and path ("/*" becomes "/{**}"). A noAuth rule needs
nothing more; jwt and extAuth rules need Istio's RequestAuthentication and an external
authorizer, which the local gateway does not run, so they are reported and left out.
"""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import (
    Unsupported, check_fields, name, namespace, spec)

INGRESS_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
SPEC_FIELDS = {"hosts", "gateway", "service", "timeout", "rules"}
RULE_FIELDS = {"path", "methods", "noAuth", "service", "timeout", "request"}
SERVICE_FIELDS = {"name", "namespace", "port"}
DEFAULT_TIMEOUT = 180
# How the api-gateway expands path templates in its VirtualService regexes.
SEGMENTS = "([A-Za-z0-9-._~!$&'()*+,;=:@/]|%[0-9a-fA-F]{2})*"
SEGMENT = "([A-Za-z0-9-._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+"
CORS_HEADERS = ["Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Headers",
                "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Max-Age"]
OWNER_LABEL = "apirule.gateway.kyma-project.io/v1beta1"


def path_regex(path):
    return "^%s$" % path.replace("{**}", SEGMENTS).replace("{*}", SEGMENT)


def _gateway_domain(gateway):
    """The domain of a Gateway's first server host, for short APIRule host names."""
    for server in spec(gateway).get("servers") or []:
        if server.get("hosts"):
            return server["hosts"][0].split("/")[-1].lstrip("*.")
    return None


def _hosts(apirule, gateway):
    hosts = []
    for index, host in enumerate(spec(apirule).get("hosts") or []):
        if "." in host:
            hosts.append(host)
            continue
        domain = _gateway_domain(gateway) if gateway is not None else None
        if not domain:
            raise Unsupported("spec.hosts[%d]" % index, "short host %r needs the Gateway %s with a host"
                              % (host, spec(apirule).get("gateway")))
        hosts.append("%s.%s" % (host, domain))
    if not hosts:
        raise Unsupported("spec.hosts", "must name a host")
    return hosts


def _service(apirule, rule, field):
    service = rule.get("service") or spec(apirule).get("service")
    if not service:
        raise Unsupported(field + ".service", "is required when spec.service is not set")
    check_fields(service, SERVICE_FIELDS, field + ".service" if rule.get("service") else "spec.service")
    ns = service.get("namespace") or (spec(apirule).get("service") or {}).get("namespace") or namespace(apirule)
    return service["name"], ns, service["port"]


def _timeout(apirule, rule):
    return rule.get("timeout") or spec(apirule).get("timeout") or DEFAULT_TIMEOUT


def derive(apirule, gateways, selector_of):
    """(VirtualService, [AuthorizationPolicy], [Unsupported]) the api-gateway would create.

    gateways maps "namespace/name" to Gateway objects; selector_of(namespace, service) gives the
    Service's pod selector or None when there is no such Service. Rules that cannot be honoured
    are returned as problems and left out of both objects.
    """
    check_fields(spec(apirule), SPEC_FIELDS, "spec")
    gateway_key = spec(apirule).get("gateway") or ""
    if "/" not in gateway_key:
        raise Unsupported("spec.gateway", "must be namespace/name, got %r" % gateway_key)
    hosts = _hosts(apirule, gateways.get(gateway_key))
    http, policies, problems = [], [], []
    labels = {OWNER_LABEL: "%s.%s" % (name(apirule), namespace(apirule))}
    for index, rule in enumerate(spec(apirule).get("rules") or []):
        field = "spec.rules[%d]" % index
        try:
            check_fields(rule, RULE_FIELDS, field)
            if rule.get("noAuth") is not True:
                raise Unsupported(field, "only noAuth rules are supported by the local gateway "
                                  "(jwt and extAuth need Istio's JWT filter or an external authorizer)")
            service_name, service_namespace, port = _service(apirule, rule, field)
            selector = selector_of(service_namespace, service_name)
            if selector is None:
                raise Unsupported(field + ".service", "Service %s/%s does not exist" % (service_namespace, service_name))
            request = rule.get("request") or {}
            check_fields(request, {"headers", "cookies"}, field + ".request")
        except Unsupported as exc:
            problems.append(exc)
            continue
        path, methods = rule.get("path", "/*"), list(rule.get("methods") or [])
        request_set = {"x-forwarded-host": hosts[0]}
        request_set.update(request.get("headers") or {})
        if request.get("cookies"):
            request_set["Cookie"] = "; ".join("%s=%s" % item for item in sorted(request["cookies"].items()))
        http.append({
            "match": [{"uri": {"prefix": "/"} if path == "/*" else {"regex": path_regex(path)},
                       "method": {"regex": "^(%s)$" % "|".join(methods)}}],
            "route": [{"destination": {"host": "%s.%s.svc.cluster.local" % (service_name, service_namespace),
                                       "port": {"number": port}}, "weight": 100}],
            "timeout": "%ds" % _timeout(apirule, rule),
            "headers": {"request": {"set": request_set}, "response": {"remove": list(CORS_HEADERS)}},
        })
        policies.append({
            "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
            "metadata": {"name": "%s-rule-%d" % (name(apirule), index), "namespace": service_namespace,
                         "labels": dict(labels)},
            "spec": {"selector": {"matchLabels": dict(selector)}, "action": "ALLOW", "rules": [{
                "from": [{"source": {"principals": [INGRESS_PRINCIPAL]}}],
                "to": [{"operation": {"hosts": hosts, "methods": methods,
                                      "paths": ["/{**}" if path == "/*" else path]}}],
            }]},
        })
    virtual_service = {
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "%s-apirule" % name(apirule), "namespace": namespace(apirule), "labels": labels,
                     "creationTimestamp": (apirule.get("metadata") or {}).get("creationTimestamp")},
        "spec": {"hosts": hosts, "gateways": [gateway_key], "http": http},
    }
    return virtual_service, policies, problems
