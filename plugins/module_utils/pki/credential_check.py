# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is wrong with the PEM files of a gateway credential, before they go into its Secret: Envoy
would otherwise reject the Secret (the gateway stops serving the host) or trust the wrong thing."""

from __future__ import annotations

import datetime
import re

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import certificate_kind
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import load_private_key_pem, public_key_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import is_ca

_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def _read(path, variable, problems):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, TypeError) as exc:
        problems.append("%s: cannot read %r: %s" % (variable, path, getattr(exc, "strerror", None) or exc))
        return None


def _certificates(data, path, variable, problems):
    blocks = _PEM_CERTIFICATE.findall(data)
    certificates = []
    for block in blocks:
        try:
            certificates.append(x509.load_pem_x509_certificate(block))
        except ValueError:
            problems.append("%s: %s holds a PEM certificate that cannot be read" % (variable, path))
            return []
    if not blocks:
        problems.append("%s: %s holds no PEM certificate" % (variable, path))
    return certificates


def _named(first, first_variable, extras, extras_variable):
    """(variable, path) of an option and its list of further ones."""
    named = [(first_variable, first)] if first else []
    return named + [("%s[%d]" % (extras_variable, index), path) for index, path in enumerate(extras or [])]


def credential_problems(server_certificate, server_private_key, client_ca, extra_client_cas=(), crl=None, extra_crls=(),
                        now=None):
    """Problems with the server certificate (first of its chain), its key, the client CAs and their CRLs.

    Private key material never appears in a message: only paths and what is wrong.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    problems = []
    data = _read(server_certificate, "gateway_server_certificate", problems)
    chain = _certificates(data, server_certificate, "gateway_server_certificate", problems) if data is not None else []
    if chain:
        leaf = chain[0]
        if certificate_kind(leaf) not in ("server", None) or is_ca(leaf):
            problems.append("gateway_server_certificate: %s is a %s certificate, not a server certificate"
                            % (server_certificate, certificate_kind(leaf)))
        if leaf.not_valid_after_utc <= now:
            problems.append("gateway_server_certificate: %s expired on %s" % (server_certificate, leaf.not_valid_after_utc.date()))
    key_data = _read(server_private_key, "gateway_server_private_key", problems)
    if key_data is not None:
        key = load_private_key_pem(key_data)
        if key is None:
            problems.append("gateway_server_private_key: %s is not an unencrypted PEM private key" % server_private_key)
        elif chain and public_key_der(key) != public_key_der(chain[0].public_key()):
            problems.append("gateway_server_private_key: %s does not match the certificate in %s"
                            % (server_private_key, server_certificate))
    for variable, path in _named(client_ca, "gateway_client_ca_certificate", extra_client_cas,
                                 "gateway_client_ca_extra_certificates"):
        data = _read(path, variable, problems)
        for certificate in _certificates(data, path, variable, problems) if data is not None else []:
            if not is_ca(certificate):
                problems.append("%s: %s is not a CA certificate (basic constraints CA:TRUE), so it cannot sign "
                                "client certificates" % (variable, path))
    for variable, path in _named(crl, "gateway_client_crl", extra_crls, "gateway_client_extra_crls"):
        data = _read(path, variable, problems)
        if data is not None:
            try:
                x509.load_pem_x509_crl(data)
            except ValueError:
                problems.append("%s: %s is not a PEM CRL" % (variable, path))
    return problems
