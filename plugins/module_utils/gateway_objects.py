# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mTLS Gateway (kyma.mtls.gateway, and the main job), and what must not exist beside it."""

from __future__ import annotations

CREDENTIAL_NAME = "kyma-mtls-credential"
INGRESS_NAMESPACE = "istio-system"
# Kyma's ingress gateway; for a plain Istio install usually {istio: ingressgateway}.
SELECTOR = {"app": "istio-ingressgateway", "istio": "ingressgateway"}
PORT = 443
MIN_PROTOCOL_VERSION = "TLSV1_2"


def gateway_object(name, namespace, hosts, selector=None, port=PORT, credential_name=CREDENTIAL_NAME,
                   min_protocol_version=MIN_PROTOCOL_VERSION):
    """The Gateway whose one HTTPS server asks every client for a certificate (tls.mode MUTUAL)."""
    return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "kyma.mtls"}},
            "spec": {"selector": dict(SELECTOR if selector is None else selector),
                     "servers": [{"port": {"number": int(port), "name": "https-mtls", "protocol": "HTTPS"},
                                  "hosts": list(hosts),
                                  "tls": {"mode": "MUTUAL", "credentialName": credential_name,
                                          "minProtocolVersion": min_protocol_version}}]}}


def refused_objects(credential_name=CREDENTIAL_NAME, ingress_namespace=INGRESS_NAMESPACE):
    """What must not exist when the Gateway is applied (kyma.mtls.apply's refuse_existing). Istio reads a
    gateway's client CAs and CRL from the Secret <credentialName>-cacert when there is one (Kyma's mTLS
    guide creates it), and from the credential's own ca.crt and ca.crl only otherwise: a leftover one
    would decide whom the gateway trusts."""
    return [{"api_version": "v1", "kind": "Secret", "name": credential_name + "-cacert", "namespace": ingress_namespace,
             "reason": "Istio takes the gateway's client CAs and CRL from it instead of from Secret %s/%s, so the CAs "
                       "and revocations applied here would not take effect; delete it (Kyma's mTLS guide creates it) "
                       "or use another credential name" % (ingress_namespace, credential_name)}]
