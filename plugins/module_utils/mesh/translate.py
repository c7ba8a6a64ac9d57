# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio and Kyma objects read from the apiserver, as the local gateway's Envoy configuration.

translate() is pure: objects and options in, Envoy listeners and clusters out, with a report
naming every object and field it could not honour and a summary of what it serves.

Options:
  ingress_namespace  where credentialName Secrets live and the gateway runs (istio-system)
  ingress_labels     the ingress gateway's pod labels, which Gateway selectors must match
  root_namespace     where selector-less AuthorizationPolicies apply mesh-wide (istio-system)
  trust_domain       of the SPIFFE identities (cluster.local)
  listen             [{port, address: "127.0.0.1:P"} | {port, pipe: path}]: where each Gateway
                     server port is served locally
  services           [{name, namespace, port, address, sidecar_port, labels?, service_account?}]
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.mesh import envoy
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.apirule import derive
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.authz import rbac_filters
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.gateway import (
    bind_host, gateway_servers, ingress_gateways, sni_names)
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.identity import spiffe_id
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import (
    Report, Unsupported, creation_order, name, namespace, ref, spec)
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.routes import bound_gateways, cluster_name, http_routes
from ansible_collections.kyma.mtls.plugins.module_utils.mesh.workloads import build_workloads

KINDS = ("gateways", "virtualservices", "apirules", "authorizationpolicies", "secrets", "services", "deployments")
DEFAULTS = {
    "ingress_namespace": "istio-system",
    "ingress_labels": {"app": "istio-ingressgateway", "istio": "ingressgateway"},
    "root_namespace": "istio-system",
    "trust_domain": "cluster.local",
    "listen": [],
    "services": [],
}

Translation = namedtuple("Translation", ["listeners", "clusters", "errors", "summary"])


def _selector_lookup(services, workloads):
    """selector_of(namespace, name): a Service's pod selector, or a stand-in's labels, or None."""
    selectors = {(namespace(s), name(s)): spec(s).get("selector") or {} for s in services}
    for workload in workloads.values():
        selectors.setdefault((workload.namespace, workload.name), workload.labels)
    return lambda ns, service: selectors.get((ns, service))


def _expand_apirules(snapshot, workloads, report):
    """The VirtualServices and AuthorizationPolicies, with those the api-gateway derives from APIRules."""
    virtual_services = list(snapshot["virtualservices"])
    policies = list(snapshot["authorizationpolicies"])
    gateways = {"%s/%s" % (namespace(g), name(g)): g for g in snapshot["gateways"]}
    selector_of = _selector_lookup(snapshot["services"], workloads)
    for apirule in creation_order(snapshot["apirules"]):
        if not str(apirule.get("apiVersion", "")).endswith("/v2"):
            report.add(apirule, "apiVersion", "%s is not reconciled by current Kyma; use gateway.kyma-project.io/v2"
                       % apirule.get("apiVersion"))
            continue
        try:
            virtual_service, derived, problems = derive(apirule, gateways, selector_of)
        except Unsupported as exc:
            report.unsupported(apirule, exc)
            continue
        for problem in problems:
            report.unsupported(apirule, problem)
        virtual_services.append(virtual_service)
        policies.extend(derived)
    return creation_order(virtual_services), policies


def _virtual_hosts(server, virtual_services, workloads, report, summary):
    """Envoy virtual hosts of one server: the hosts of every VirtualService bound to its Gateway."""
    routes_by_domain = OrderedDict()
    for virtual_service in virtual_services:
        if server.gateway_key not in bound_gateways(virtual_service):
            continue
        domains = [d for d in (bind_host(h, namespace(virtual_service), server)
                               for h in spec(virtual_service).get("hosts") or []) if d]
        if not domains:
            continue
        try:
            routes = http_routes(virtual_service, server.port, server.gateway_key, workloads)
        except Unsupported as exc:
            report.unsupported(virtual_service, exc)
            continue
        for domain in domains:
            routes_by_domain.setdefault(domain, []).extend(routes)
            summary["routes"].append({"host": domain, "port": server.port, "gateway": server.gateway_key,
                                      "from": ref(virtual_service),
                                      "clusters": sorted({r["route"]["cluster"] for r in routes
                                                          if "cluster" in r.get("route", {})})})
    virtual_hosts = []
    for domain, routes in routes_by_domain.items():
        virtual_host = {"name": "%s:%d" % (domain, server.port),
                        "domains": [domain] if "*" in domain else [domain, domain + ":*"], "routes": routes}
        if server.https_redirect:
            virtual_host["require_tls"] = "ALL"
        virtual_hosts.append(virtual_host)
    return virtual_hosts


def _gateway_filter_chains(servers, virtual_services, workloads, gateway_rbac, report, summary):
    """One filter chain per TLS server (chosen by SNI); the plain HTTP servers of a port share one."""
    chains, seen_names, plain_hosts = [], {}, []
    for server in servers:
        virtual_hosts = _virtual_hosts(server, virtual_services, workloads, report, summary)
        route_name = "%s.%d.%s" % (server.protocol.lower(), server.port, server.gateway_key.replace("/", "."))
        if server.tls is None:
            plain_hosts.extend(virtual_hosts)
            continue
        names = sni_names(server)
        if tuple(names) in seen_names:
            report.add(server.gateway, "spec.servers[%d].hosts" % server.index,
                       "port %d already serves %s for %s" % (server.port, names or "every host", seen_names[tuple(names)]))
            continue
        seen_names[tuple(names)] = "%s spec.servers[%d]" % (ref(server.gateway), server.index)
        manager = envoy.http_connection_manager(
            "outbound_%d_%s" % (server.port, server.gateway_key), {"name": route_name, "virtual_hosts": virtual_hosts},
            gateway_rbac, "SANITIZE_SET", envoy.GATEWAY_XFCC, gateway=True)
        chain = {"filters": [manager], "transport_socket": {"name": envoy.TLS_SOCKET, "typed_config": server.tls}}
        if names:
            chain["filter_chain_match"] = {"server_names": names}
        chains.append(chain)
    if plain_hosts:
        merged = OrderedDict()
        for virtual_host in plain_hosts:
            if virtual_host["name"] in merged:
                merged[virtual_host["name"]]["routes"].extend(virtual_host["routes"])
            else:
                merged[virtual_host["name"]] = dict(virtual_host, routes=list(virtual_host["routes"]))
        route_config = {"name": "http.%d" % servers[0].port, "virtual_hosts": list(merged.values())}
        manager = envoy.http_connection_manager("outbound_%d_http" % servers[0].port, route_config, gateway_rbac,
                                                "SANITIZE_SET", envoy.GATEWAY_XFCC, gateway=True)
        chains.append({"filters": [manager]})
    return chains


def translate(snapshot, options, identities):
    """Translate a snapshot {kind: [objects]} (kinds as in KINDS) into a Translation."""
    options = dict(DEFAULTS, **options)
    snapshot = {kind: list(snapshot.get(kind) or []) for kind in KINDS}
    report = Report()
    summary = {"servers": [], "routes": [], "workloads": []}
    workloads = build_workloads(options["services"], snapshot["services"], snapshot["deployments"])
    virtual_services, policies = _expand_apirules(snapshot, workloads, report)

    servers = []
    for gateway in ingress_gateways(snapshot["gateways"], options["ingress_labels"]):
        servers.extend(gateway_servers(gateway, snapshot["secrets"], options["ingress_namespace"], report))
    local_ports = {entry["port"] for entry in options["listen"]}
    for server in servers:
        if server.port not in local_ports:
            report.add(server.gateway, "spec.servers[%d].port.number" % server.index,
                       "port %s has no local listener (listen)" % server.port)

    listeners, clusters = [], []
    for port in sorted(local_ports):
        port_servers = [s for s in servers if s.port == port]
        gateway_rbac = rbac_filters(policies, options["ingress_namespace"], options["ingress_labels"], port,
                                    options["root_namespace"], report)
        chains = _gateway_filter_chains(port_servers, virtual_services, workloads, gateway_rbac, report, summary)
        if not chains:
            continue
        for entry in [e for e in options["listen"] if e["port"] == port]:
            listeners.append(envoy.gateway_listener(entry, chains, any(s.tls for s in port_servers)))
        for server in port_servers:
            summary["servers"].append({"gateway": server.gateway_key, "port": port, "hosts": server.hosts,
                                       "tls": server.mode,
                                       "local": [e.get("address") or e.get("pipe") for e in options["listen"]
                                                 if e["port"] == port]})

    gateway_identity = identities.gateway()
    for workload in workloads.values():
        cert, key, workload_id = identities.workload(workload.namespace, workload.service_account)
        rbac = rbac_filters(policies, workload.namespace, workload.labels, workload.target_port,
                            options["root_namespace"], report)
        clusters.append(envoy.outbound_cluster(cluster_name(workload.fqdn, workload.port), workload, gateway_identity,
                                               workload_id, identities.ca_pem))
        clusters.append(envoy.inbound_cluster(workload))
        listeners.append(envoy.sidecar_listener(workload, (cert, key, workload_id), identities.ca_pem, rbac))
        summary["workloads"].append({
            "service": "%s:%d" % (workload.fqdn, workload.port), "labels": workload.labels,
            "identity": spiffe_id(options["trust_domain"], workload.namespace, workload.service_account),
            "sidecar": "127.0.0.1:%d" % workload.sidecar_port, "upstream": "%s:%d" % workload.address,
            "policies": {f["typed_config"]["rules"]["action"]: sorted(f["typed_config"]["rules"]["policies"])
                         for f in rbac}})
    return Translation(listeners, clusters, report.errors, summary)
