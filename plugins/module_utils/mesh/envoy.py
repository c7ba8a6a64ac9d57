# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Envoy listeners and clusters for the two hops of the mesh, and the bootstrap that loads them.

  client --mTLS--> gateway listener (Gateway server TLS, XFCC SANITIZE_SET, routes)
         --mTLS as the ingress gateway's SPIFFE identity--> sidecar listener (RBAC) --> workload
"""

from __future__ import annotations

HCM = "envoy.filters.network.http_connection_manager"
HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
ROUTER = {"name": "envoy.filters.http.router",
          "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}
TLS_SOCKET = "envoy.transport_sockets.tls"
UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener"
CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
TLS_INSPECTOR = {"name": "envoy.filters.listener.tls_inspector", "typed_config": {
    "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"}}
# What Istio's ingress gateway forwards about the client certificate.
GATEWAY_XFCC = {"subject": True, "cert": True, "uri": True, "dns": True}
SIDECAR_XFCC = {"subject": True, "uri": True, "dns": True}


def http_connection_manager(stat_prefix, route_config, filters, forward, details, gateway):
    config = {
        "@type": HCM_TYPE,
        "stat_prefix": stat_prefix,
        "server_name": "istio-envoy",
        "normalize_path": True,
        "forward_client_cert_details": forward,
        "set_current_client_cert_details": details,
        "route_config": dict(route_config, validate_clusters=False),
        "http_filters": list(filters) + [ROUTER],
    }
    if gateway:
        config["use_remote_address"] = True
        # Clients reach the local gateway on a port of its own, not 443: without the port, Host is
        # what it would be in a cluster, so policies on hosts match as they would there.
        config["strip_any_host_port"] = True
    return {"name": HCM, "typed_config": config}


def _address(entry):
    if entry.get("pipe"):
        return {"pipe": {"path": entry["pipe"], "mode": 0o600}}
    host, dummy, port = entry["address"].rpartition(":")
    return {"socket_address": {"address": host or "127.0.0.1", "port_value": int(port)}}


def gateway_listener(entry, filter_chains, uses_tls):
    label = entry.get("pipe") or entry["address"]
    listener = {"@type": LISTENER_TYPE, "name": "gateway_%d_%s" % (entry["port"], label),
                "address": _address(entry), "filter_chains": filter_chains}
    if uses_tls:
        listener["listener_filters"] = [TLS_INSPECTOR]
    return listener


def _certificate(cert_pem, key_pem):
    return {"certificate_chain": {"inline_string": cert_pem}, "private_key": {"inline_string": key_pem}}


def _tls_socket(context):
    return {"name": TLS_SOCKET, "typed_config": context}


def _static_cluster(name, host, port, transport_socket=None):
    cluster = {"@type": CLUSTER_TYPE, "name": name, "type": "STATIC", "connect_timeout": "10s",
               "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {
                   "address": {"socket_address": {"address": host, "port_value": port}}}}]}]}}
    if transport_socket:
        cluster["transport_socket"] = transport_socket
    return cluster


def outbound_cluster(name, workload, gateway_identity, workload_id, mesh_ca):
    """The gateway's cluster for a service: mTLS to its sidecar, which must prove the workload's identity."""
    cert, key, dummy = gateway_identity
    context = {"@type": UPSTREAM_TLS,
               "sni": "outbound_.%d_._.%s" % (workload.port, workload.fqdn),
               "common_tls_context": {
                   "tls_certificates": [_certificate(cert, key)],
                   "validation_context": {"trusted_ca": {"inline_string": mesh_ca},
                                          "match_typed_subject_alt_names": [
                                              {"san_type": "URI", "matcher": {"exact": workload_id}}]}}}
    return _static_cluster(name, "127.0.0.1", workload.sidecar_port, _tls_socket(context))


def inbound_cluster_name(workload):
    return "inbound|%d||%s" % (workload.target_port, workload.fqdn)


def inbound_cluster(workload):
    return _static_cluster(inbound_cluster_name(workload), workload.address[0], workload.address[1])


def sidecar_listener(workload, identity, mesh_ca, rbac):
    """The workload's sidecar: mTLS from mesh peers only, XFCC appended, RBAC, then the workload."""
    cert, key, dummy = identity
    route_config = {"name": "inbound|%d||" % workload.target_port, "virtual_hosts": [{
        "name": "inbound|http|%d" % workload.port, "domains": ["*"],
        "routes": [{"name": "default", "match": {"prefix": "/"},
                    "route": {"cluster": inbound_cluster_name(workload), "timeout": "0s"}}]}]}
    context = {"@type": DOWNSTREAM_TLS, "require_client_certificate": True, "common_tls_context": {
        "tls_certificates": [_certificate(cert, key)],
        "validation_context": {"trusted_ca": {"inline_string": mesh_ca}}}}
    manager = http_connection_manager("inbound_%s_%d" % (workload.fqdn, workload.port), route_config, rbac,
                                      "APPEND_FORWARD", SIDECAR_XFCC, gateway=False)
    return {"@type": LISTENER_TYPE, "name": "sidecar_%s_%d" % (workload.fqdn, workload.port),
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": workload.sidecar_port}},
            "filter_chains": [{"transport_socket": _tls_socket(context), "filters": [manager]}]}


def bootstrap(admin_port, lds_path, cds_path, watched_directory, node_id="kyma-mtls-local-gateway"):
    """An Envoy bootstrap that loads listeners and clusters from files it watches for replacement."""
    def source(path):
        return {"resource_api_version": "V3",
                "path_config_source": {"path": path, "watched_directory": {"path": watched_directory}}}
    return {
        "node": {"id": node_id, "cluster": "istio-ingressgateway"},
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "dynamic_resources": {"lds_config": source(lds_path), "cds_config": source(cds_path)},
    }
