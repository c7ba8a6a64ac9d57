# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an existing certificate is, and why it no longer matches what was asked for."""

from __future__ import annotations

import datetime

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.build import EKU_BY_KIND
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import InvalidSignature, hashes, x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import describe_key, public_key_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import is_ca


def iso8601(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _san_values(certificate):
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], [], []
    return (san.get_values_for_type(x509.DNSName),
            [str(a) for a in san.get_values_for_type(x509.IPAddress)],
            san.get_values_for_type(x509.UniformResourceIdentifier))


def certificate_kind(certificate):
    """'ca', 'server', 'client', or None when the certificate is none of those alone."""
    if is_ca(certificate):
        return "ca"
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    dotted = sorted(oid.dotted_string for oid in usages)
    for kind, oid in EKU_BY_KIND.items():
        if dotted == [oid]:
            return kind
    return None


def certificate_facts(certificate):
    """Public facts about a certificate, as the modules return them."""
    dns_names, ip_addresses, uris = _san_values(certificate)
    return {
        "subject": envoy_name_from_der(certificate.subject.public_bytes()),
        "issuer": envoy_name_from_der(certificate.issuer.public_bytes()),
        "fingerprint_sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "serial_number": certificate.serial_number,
        "not_before": iso8601(certificate.not_valid_before_utc),
        "not_after": iso8601(certificate.not_valid_after_utc),
        "dns_names": dns_names,
        "ip_addresses": ip_addresses,
        "uris": uris,
        "kind": certificate_kind(certificate),
    }


def is_issued_by(certificate, issuer):
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def regeneration_reasons(spec, certificate, private_key, signer, now):
    """Every reason the certificate on disk must be issued again; empty when it is current."""
    if certificate is None:
        return ["the certificate is missing or unreadable"]
    reasons = []
    if private_key is None:
        reasons.append("the private key is missing or unreadable")
    elif describe_key(private_key) != spec.key:
        reasons.append("the key type changed")
    elif public_key_der(private_key) != public_key_der(certificate.public_key()):
        reasons.append("the private key does not match the certificate")
    if certificate.subject.public_bytes() != spec.subject.public_bytes():
        reasons.append("the subject changed")
    if certificate_kind(certificate) != spec.kind:
        reasons.append("the kind (basic constraints / extended key usage) changed")
    wanted_sans = (sorted(spec.dns_names), sorted(str(a) for a in spec.ip_addresses), sorted(spec.uris))
    if tuple(sorted(values) for values in _san_values(certificate)) != wanted_sans:
        reasons.append("the subject alternative names changed")
    issuer = certificate if signer is None else signer.certificate
    if not is_issued_by(certificate, issuer):
        reasons.append("it is not signed by " + ("itself" if signer is None else "the CA in " + signer.path))
    remaining = certificate.not_valid_after_utc - now
    if remaining <= datetime.timedelta(days=spec.renew_before_days):
        reasons.append("it expires within renew_before_days (%d)" % spec.renew_before_days
                       if remaining.total_seconds() > 0 else "it has expired")
    if spec.force:
        reasons.append("force is set")
    return reasons
