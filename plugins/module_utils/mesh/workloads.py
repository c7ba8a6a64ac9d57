# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workloads the local gateway can reach: each Service it runs a local stand-in for.

In a cluster a Service selects pods, each with an Envoy sidecar. Locally every configured
service is one process on 127.0.0.1 behind one sidecar listener. Its pod labels and service
account come from the apiserver (the Service's selector, a Deployment whose pod template that
selector matches) when the Service exists there, else from the configuration (for stand-ins of
objects a controller would create, such as the Service of a Kyma Function).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import labels_match, name, namespace, spec

Workload = namedtuple("Workload", [
    "name", "namespace", "fqdn", "port", "target_port", "labels", "service_account",
    "address", "sidecar_port", "from_apiserver",
])


def _host_port(address):
    host, dummy, port = str(address).rpartition(":")
    return host or "127.0.0.1", int(port)


def _service_port(service, port):
    """The Service's port entry for port, or None."""
    for entry in spec(service).get("ports") or []:
        if entry.get("port") == port:
            return entry
    return None


def _deployment_for(selector, deployments, ns):
    for deployment in deployments:
        if namespace(deployment) != ns:
            continue
        template = (spec(deployment).get("template") or {})
        labels = (template.get("metadata") or {}).get("labels") or {}
        if selector and labels_match(selector, labels):
            return labels, (template.get("spec") or {}).get("serviceAccountName") or "default"
    return None, None


def build_workloads(entries, services, deployments):
    """Workloads keyed by (fqdn, port), from the configured entries and the apiserver's objects.

    Each entry: name, namespace, port, address ("127.0.0.1:PORT"), sidecar_port, and optionally
    labels and service_account for when the apiserver has no such Service.
    """
    by_key = {}
    for entry in entries:
        ns = entry["namespace"]
        service = next((s for s in services if name(s) == entry["name"] and namespace(s) == ns), None)
        port_entry = _service_port(service, entry["port"]) if service is not None else None
        if service is not None and port_entry is None:
            continue  # the Service does not expose this port: nothing to route to
        if service is not None:
            selector = spec(service).get("selector") or {}
            pod_labels, account = _deployment_for(selector, deployments, ns)
            labels = pod_labels or dict(selector)
            target = port_entry.get("targetPort", entry["port"])
            target_port = target if isinstance(target, int) else entry["port"]
        elif entry.get("labels"):
            labels, account, target_port = dict(entry["labels"]), None, entry["port"]
        else:
            continue  # no Service and no stand-in labels: as in a cluster, the host does not exist
        fqdn = "%s.%s.svc.cluster.local" % (entry["name"], ns)
        by_key[(fqdn, entry["port"])] = Workload(
            name=entry["name"], namespace=ns, fqdn=fqdn, port=entry["port"], target_port=target_port,
            labels=labels, service_account=account or entry.get("service_account") or "default",
            address=_host_port(entry["address"]), sidecar_port=entry["sidecar_port"],
            from_apiserver=service is not None)
    return by_key


def ports_of(workloads, fqdn):
    return sorted(port for (host, port) in workloads if host == fqdn)
