# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Istio Gateway servers and their TLS credentials, as the ingress gateway's listeners use them."""

from __future__ import annotations

import base64
import binascii
from collections import namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.mesh.objects import (
    Unsupported, check_fields, creation_order, labels_match, name, namespace, spec)

SERVER_FIELDS = {"port", "hosts", "tls", "name"}
PORT_FIELDS = {"number", "name", "protocol"}
TLS_FIELDS = {"mode", "credentialName", "minProtocolVersion", "maxProtocolVersion", "cipherSuites",
              "subjectAltNames", "verifyCertificateSpki", "verifyCertificateHash", "httpsRedirect"}
TLS_VERSIONS = {"TLS_AUTO": "TLS_AUTO", "TLSV1_0": "TLSv1_0", "TLSV1_1": "TLSv1_1", "TLSV1_2": "TLSv1_2",
                "TLSV1_3": "TLSv1_3"}
TLS_MODES = ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL")
DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"

Server = namedtuple("Server", ["gateway", "gateway_key", "index", "port", "protocol", "hosts", "tls", "mode",
                               "https_redirect"])


def selects_ingress(gateway, ingress_labels):
    selector = spec(gateway).get("selector")
    return selector is not None and labels_match(selector, ingress_labels)


def _secret_data(secret):
    decoded = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            decoded[key] = base64.b64decode(value).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            decoded[key] = None
    for key, value in (secret.get("stringData") or {}).items():
        decoded[key] = value
    return decoded


def _first(data, keys):
    for key in keys:
        if data.get(key):
            return data[key]
    return None


def credential(secrets, ingress_namespace, credential_name, need_ca, field):
    """The PEM material Istio reads for credentialName: the Secret, and <name>-cacert for the CA."""
    by_name = {name(s): s for s in secrets if namespace(s) == ingress_namespace}
    secret = by_name.get(credential_name)
    if secret is None:
        raise Unsupported(field, "Secret %s/%s does not exist" % (ingress_namespace, credential_name))
    data = _secret_data(secret)
    material = {"cert": _first(data, ("tls.crt", "cert")), "key": _first(data, ("tls.key", "key")),
                "ca": _first(data, ("ca.crt", "cacert")), "crl": data.get("ca.crl")}
    if not material["cert"] or not material["key"]:
        raise Unsupported(field, "Secret %s/%s has no tls.crt and tls.key (or cert and key)"
                          % (ingress_namespace, credential_name))
    cacert = by_name.get(credential_name + "-cacert")
    if cacert is not None:
        extra = _secret_data(cacert)
        material["ca"] = material["ca"] or _first(extra, ("cacert", "ca.crt"))
        material["crl"] = material["crl"] or extra.get("ca.crl")
    if need_ca and not material["ca"]:
        raise Unsupported(field, "Secret %s/%s has no ca.crt (nor a Secret %s-cacert with cacert): MUTUAL TLS needs "
                          "the CA that signs client certificates" % (ingress_namespace, credential_name, credential_name))
    return material


def _tls_context(tls, secrets, ingress_namespace, field):
    check_fields(tls, TLS_FIELDS, field)
    mode = tls.get("mode", "SIMPLE")
    if mode not in TLS_MODES:
        raise Unsupported(field + ".mode", "%s is not supported by the local gateway (only %s)"
                          % (mode, ", ".join(TLS_MODES)))
    if not tls.get("credentialName"):
        raise Unsupported(field + ".credentialName", "is required (file-mounted certificates are not supported)")
    mutual = mode != "SIMPLE"
    material = credential(secrets, ingress_namespace, tls["credentialName"], mutual, field + ".credentialName")
    params = {"tls_minimum_protocol_version": TLS_VERSIONS["TLSV1_2"]}
    for key, envoy_key in (("minProtocolVersion", "tls_minimum_protocol_version"),
                           ("maxProtocolVersion", "tls_maximum_protocol_version")):
        if key in tls:
            if tls[key] not in TLS_VERSIONS:
                raise Unsupported("%s.%s" % (field, key), "must be one of %s" % ", ".join(TLS_VERSIONS))
            params[envoy_key] = TLS_VERSIONS[tls[key]]
    if tls.get("cipherSuites"):
        params["cipher_suites"] = list(tls["cipherSuites"])
    common = {
        "tls_params": params,
        "alpn_protocols": ["h2", "http/1.1"],
        "tls_certificates": [{"certificate_chain": {"inline_string": material["cert"]},
                              "private_key": {"inline_string": material["key"]}}],
    }
    if mutual:
        validation = {"trusted_ca": {"inline_string": material["ca"]}}
        if material["crl"]:
            validation["crl"] = {"inline_string": material["crl"]}
        if tls.get("subjectAltNames"):
            validation["match_typed_subject_alt_names"] = [
                {"san_type": san_type, "matcher": {"exact": value}}
                for value in tls["subjectAltNames"] for san_type in ("DNS", "URI", "EMAIL", "IP_ADDRESS")]
        if tls.get("verifyCertificateHash"):
            validation["verify_certificate_hash"] = list(tls["verifyCertificateHash"])
        if tls.get("verifyCertificateSpki"):
            validation["verify_certificate_spki"] = list(tls["verifyCertificateSpki"])
        common["validation_context"] = validation
    return {"@type": DOWNSTREAM_TLS, "require_client_certificate": mode == "MUTUAL", "common_tls_context": common}


def gateway_servers(gateway, secrets, ingress_namespace, report):
    """The servers of a Gateway; a server that cannot be served is reported and left out."""
    servers = []
    gateway_key = "%s/%s" % (namespace(gateway), name(gateway))
    for index, server in enumerate(spec(gateway).get("servers") or []):
        field = "spec.servers[%d]" % index
        try:
            check_fields(server, SERVER_FIELDS, field)
            port = server.get("port") or {}
            check_fields(port, PORT_FIELDS, field + ".port")
            protocol = str(port.get("protocol", "")).upper()
            tls = server.get("tls")
            if protocol == "HTTPS":
                if not tls:
                    raise Unsupported(field + ".tls", "is required for protocol HTTPS")
                context = _tls_context(tls, secrets, ingress_namespace, field + ".tls")
                mode, redirect = tls.get("mode", "SIMPLE"), False
            elif protocol == "HTTP":
                if tls:
                    check_fields(tls, {"httpsRedirect"}, field + ".tls")
                context, mode, redirect = None, "none", bool((tls or {}).get("httpsRedirect"))
            else:
                raise Unsupported(field + ".port.protocol", "%s is not supported by the local gateway (HTTP, HTTPS)"
                                  % (port.get("protocol") or "(empty)"))
            if not server.get("hosts"):
                raise Unsupported(field + ".hosts", "must name at least one host")
            servers.append(Server(gateway, gateway_key, index, port.get("number"), protocol,
                                  list(server["hosts"]), context, mode, redirect))
        except Unsupported as exc:
            report.unsupported(gateway, exc)
    return servers


def ingress_gateways(gateways, ingress_labels):
    return [g for g in creation_order(gateways) if selects_ingress(g, ingress_labels)]


def split_host(server_host, gateway_namespace):
    """(namespace a VirtualService must be in, or None for any; host) of a server host."""
    if "/" not in server_host:
        return None, server_host
    scope, host = server_host.split("/", 1)
    if scope == "*":
        return None, host
    if scope == ".":
        return gateway_namespace, host
    return scope, host


def _covers(pattern, host):
    """Whether a host pattern (exact, "*" or "*.suffix") matches host (itself a pattern or name)."""
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) or host == pattern
    return pattern == host


def bind_host(vs_host, vs_namespace, server):
    """The domain a VirtualService host gets on a server: the narrower of both, or None."""
    for server_host in server.hosts:
        scope, host = split_host(server_host, namespace(server.gateway))
        if scope == "~" or (scope is not None and scope != vs_namespace):
            continue
        if _covers(host, vs_host):
            return vs_host
        if _covers(vs_host, host):
            return host
    return None


def sni_names(server):
    """The SNI names a TLS server's filter chain matches; empty matches every name."""
    names = [split_host(h, namespace(server.gateway))[1] for h in server.hosts]
    return [] if "*" in names else sorted(set(names))
