"""Real httpbin and real Envoy (from the PyPI wheels), configured like an Istio mTLS gateway hop."""

import json
import os
import sys

from tests.support.processes import Server, free_port

# Headers a Kyma APIRule / Istio VirtualService sets from the client certificate (the tutorial's).
CLIENT_CERT_HEADERS = {
    "X-CLIENT-SSL-CN": "%DOWNSTREAM_PEER_SUBJECT%",
    "X-CLIENT-SSL-SAN": "%DOWNSTREAM_PEER_URI_SAN%",
    "X-CLIENT-SSL-ISSUER": "%DOWNSTREAM_PEER_ISSUER%",
}


def envoy_binary():
    return os.path.join(os.path.dirname(sys.executable), "envoy")


def httpbin(workdir):
    port = free_port()
    code = "from httpbin import app; app.run(host='127.0.0.1', port=%d, threaded=True)" % port
    return Server([sys.executable, "-c", code], os.path.join(workdir, "httpbin.log"), port)


ISTIO_GATEWAY_DETAILS = {"subject": True, "cert": True, "uri": True, "dns": True}


def mtls_gateway_config(listen_port, admin_port, upstream_port, server_cert, server_key, client_ca,
                        forward="SANITIZE_SET", details=None):
    """An Envoy bootstrap with one MUTUAL TLS listener in front of httpbin, as an Istio gateway sets it up.

    forward and details are the connection manager's forward_client_cert_details and
    set_current_client_cert_details; the default is what Istio gateways use.
    """
    tls = {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            "require_client_certificate": True,
            "common_tls_context": {
                "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
                "tls_certificates": [{"certificate_chain": {"filename": server_cert},
                                      "private_key": {"filename": server_key}}],
                "validation_context": {"trusted_ca": {"filename": client_ca}},
            },
        },
    }
    connection_manager = {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stat_prefix": "gateway",
            "forward_client_cert_details": forward,
            "set_current_client_cert_details": ISTIO_GATEWAY_DETAILS if details is None else details,
            "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
            "route_config": {"virtual_hosts": [{
                "name": "workload", "domains": ["*"],
                "routes": [{
                    "match": {"prefix": "/"},
                    "route": {"cluster": "httpbin"},
                    "request_headers_to_add": [
                        {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
                        for key, value in CLIENT_CERT_HEADERS.items()],
                }],
            }]},
        },
    }
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "gateway",
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen_port}},
                "filter_chains": [{"transport_socket": tls, "filters": [connection_manager]}],
            }],
            "clusters": [{
                "name": "httpbin", "type": "STATIC", "connect_timeout": "1s",
                "load_assignment": {"cluster_name": "httpbin", "endpoints": [{"lb_endpoints": [{"endpoint": {
                    "address": {"socket_address": {"address": "127.0.0.1", "port_value": upstream_port}}}}]}]},
            }],
        },
    }


def envoy(workdir, config):
    path = os.path.join(workdir, "envoy.json")
    with open(path, "w") as handle:
        json.dump(config, handle)
    port = config["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]
    argv = [envoy_binary(), "-c", path, "--disable-hot-restart", "--log-level", "warn", "--concurrency", "1"]
    return Server(argv, os.path.join(workdir, "envoy.log"), port)
