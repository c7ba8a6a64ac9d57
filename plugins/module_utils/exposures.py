# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The objects that expose Services on the mTLS Gateway: Kyma APIRules (v2, or the legacy v1beta1)
or plain Istio VirtualServices, one per Service, each setting the client-certificate headers.

Rules use APIRule v2's path syntax: /* (everything below), /{*} (one segment), /{**} (any number of
segments), or an exact path; a VirtualService gets the equivalent URI match."""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.allow_policies import MANAGED_BY

MODES = ("apirule", "apirule_v1beta1", "virtualservice")
# The expose role's defaults, which the main job keeps: the tutorial's rules, and headers that carry the
# client certificate's subject, SANs and issuer to the workload.
RULES = ({"path": "/*", "methods": ["GET"]}, {"path": "/post", "methods": ["POST"]})
HEADERS = {"X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%", "X-CLIENT-SSL-SAN": "%DOWNSTREAM_PEER_URI_SAN%",
           "X-CLIENT-SSL-ISSUER": "%DOWNSTREAM_PEER_ISSUER%"}
TIMEOUT = 180
_PREFIX_PATH = re.compile(r"^(/[^{}*]*)?/\*$")


def _metadata(name, namespace):
    return {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": MANAGED_BY}}


def _uri_match(path):
    """A VirtualService URI match for an APIRule v2 path."""
    if _PREFIX_PATH.match(path):
        return {"prefix": path[:-1]}
    if "{" in path:
        return {"regex": "^" + path.replace("{**}", ".+").replace("{*}", "[^/]+") + "$"}
    return {"exact": path}


def _apirule(service, namespace, gateway, rules, headers, timeout):
    return {"apiVersion": "gateway.kyma-project.io/v2", "kind": "APIRule",
            "metadata": _metadata(service["exposure"], namespace),
            "spec": {"hosts": [service["host"]], "gateway": gateway,
                     "service": {"name": service["name"], "namespace": namespace, "port": service["port"]},
                     "timeout": timeout,
                     "rules": [{"path": rule["path"], "methods": list(rule["methods"]), "noAuth": True,
                                "request": {"headers": dict(headers)}} for rule in rules]}}


def _apirule_v1beta1(service, namespace, gateway, rules, headers, timeout):
    return {"apiVersion": "gateway.kyma-project.io/v1beta1", "kind": "APIRule",
            "metadata": _metadata(service["exposure"], namespace),
            "spec": {"host": service["host"], "gateway": gateway,
                     "service": {"name": service["name"], "port": service["port"]},
                     "rules": [{"path": re.sub(r"\*$", ".*", rule["path"]), "methods": list(rule["methods"]),
                                "accessStrategies": [{"handler": "noop"}], "mutators": [{"handler": "noop"}]}
                               for rule in rules]}}


def _virtualservice(service, namespace, gateway, rules, headers, timeout):
    destination = {"host": "%s.%s.svc.cluster.local" % (service["name"], namespace),
                   "port": {"number": service["port"]}}
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": _metadata(service["exposure"], namespace),
            "spec": {"hosts": [service["host"]], "gateways": [gateway],
                     "http": [{"match": [{"uri": _uri_match(rule["path"]), "method": {"exact": method}}
                                         for method in rule["methods"]],
                               "route": [{"destination": destination, "headers": {"request": {"set": dict(headers)}}}],
                               "timeout": "%ss" % timeout} for rule in rules]}}


_RENDER = {"apirule": _apirule, "apirule_v1beta1": _apirule_v1beta1, "virtualservice": _virtualservice}


def exposure_objects(services, mode, namespace, gateway, rules, headers, timeout):
    """One exposure per service ({name, port, host, exposure: the object's name}), in the given order."""
    render = _RENDER[mode]
    return [render(dict(service, port=int(service["port"])), namespace, gateway, rules, headers, int(timeout))
            for service in services]
