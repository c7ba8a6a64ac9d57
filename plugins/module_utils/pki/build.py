# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building and signing a certificate from a CertificateSpec."""

from __future__ import annotations

import datetime

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import ec, hashes, x509

# Backdate notBefore a little so a peer whose clock is slightly behind still accepts the certificate.
CLOCK_SKEW = datetime.timedelta(minutes=5)

EKU_BY_KIND = {
    "server": "1.3.6.1.5.5.7.3.1",
    "client": "1.3.6.1.5.5.7.3.2",
}


def signature_hash(signing_key):
    if isinstance(signing_key, ec.EllipticCurvePrivateKey) and signing_key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _authority_key_identifier(issuer_certificate):
    try:
        ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_certificate.public_key())


def subject_alternative_names(spec):
    return ([x509.DNSName(n) for n in spec.dns_names]
            + [x509.IPAddress(a) for a in spec.ip_addresses]
            + [x509.UniformResourceIdentifier(u) for u in spec.uris])


def build_certificate(spec, private_key, signer, now):
    """Sign a new certificate for private_key; self-signed when spec.kind is 'ca'."""
    public_key = private_key.public_key()
    not_after = now + datetime.timedelta(days=spec.valid_days)
    if signer is not None:
        not_after = min(not_after, signer.certificate.not_valid_after_utc)
    builder = (x509.CertificateBuilder()
               .subject_name(spec.subject)
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - CLOCK_SKEW)
               .not_valid_after(not_after)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if spec.kind == "ca":
        builder = (builder.issuer_name(spec.subject)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(_key_usage(cert_sign=True), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False))
        return builder.sign(private_key, signature_hash(private_key))
    builder = (builder.issuer_name(signer.certificate.subject)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(key_encipherment=not isinstance(private_key, ec.EllipticCurvePrivateKey)),
                              critical=True)
               .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(EKU_BY_KIND[spec.kind])]), critical=False)
               .add_extension(_authority_key_identifier(signer.certificate), critical=False))
    names = subject_alternative_names(spec)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer.private_key, signature_hash(signer.private_key))


def _key_usage(cert_sign=False, key_encipherment=False):
    """A CA only signs certificates and CRLs; a leaf only does TLS handshakes."""
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=key_encipherment,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False)
