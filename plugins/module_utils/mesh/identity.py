# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mesh identities for the hop between the gateway and the sidecars, as istiod issues them.

A mesh CA made in memory when the local gateway starts signs one certificate per service
account: an empty subject and the SPIFFE URI spiffe://<trust domain>/ns/<ns>/sa/<sa> as its only
(critical) name, usable for TLS server and client alike. Keys never leave memory except in the
Envoy configuration files, which are written at 0600.
"""

from __future__ import annotations

import datetime

from ansible_collections.kyma.mtls.plugins.module_utils.pki.build import CLOCK_SKEW
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import (
    ExtendedKeyUsageOID, NameOID, ec, hashes, serialization, x509)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import private_key_pem

GATEWAY_ACCOUNT = ("istio-system", "istio-ingressgateway-service-account")
VALIDITY = datetime.timedelta(days=30)


def spiffe_id(trust_domain, ns, account):
    return "spiffe://%s/ns/%s/sa/%s" % (trust_domain, ns, account)


def _key_usage(cert_sign):
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


class MeshIdentities:
    """The mesh CA and the workload certificates it has issued, by SPIFFE id."""

    def __init__(self, trust_domain="cluster.local", now=None):
        self.trust_domain = trust_domain
        self._now = now or datetime.datetime.now(datetime.timezone.utc)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, trust_domain),
                          x509.NameAttribute(NameOID.COMMON_NAME, "kyma-mtls local mesh CA")])
        public = self._ca_key.public_key()
        self._ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(self._now - CLOCK_SKEW).not_valid_after(self._now + VALIDITY)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(_key_usage(True), critical=True)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
                    .sign(self._ca_key, hashes.SHA256()))
        self.ca_pem = _pem(self._ca)
        self._issued = {}

    def workload(self, ns, account):
        """(certificate PEM, key PEM, SPIFFE id) of a service account, issued once."""
        uri = spiffe_id(self.trust_domain, ns, account)
        if uri not in self._issued:
            key = ec.generate_private_key(ec.SECP256R1())
            certificate = (
                x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(self._ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(self._now - CLOCK_SKEW).not_valid_after(self._now + VALIDITY)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()),
                               critical=False)
                .sign(self._ca_key, hashes.SHA256()))
            self._issued[uri] = (_pem(certificate), private_key_pem(key).decode("ascii"), uri)
        return self._issued[uri]

    def gateway(self):
        return self.workload(*GATEWAY_ACCOUNT)
