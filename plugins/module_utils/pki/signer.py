# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA that signs server and client certificates: its certificate and matching key."""

from __future__ import annotations

import datetime
from collections import namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import read_required
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import load_protected_key_pem, public_key_der

Signer = namedtuple("Signer", ["certificate", "private_key", "path"])


def pending_signer(ca_path):
    """Stands for a CA that an earlier task would create; only check mode meets one."""
    return Signer(None, None, ca_path)


def load_certificate_pem(data):
    """The first certificate in data, or None when data holds no readable PEM certificate."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        return None


def load_certificates_pem(data, where):
    """Every certificate in data (a chain or a bundle), in order; other PEM blocks, such as a private key,
    are skipped unread. PkiError naming `where` when there is none."""
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    if not certificates:
        raise PkiError("%s holds no PEM certificate" % where)
    return certificates


def is_ca(certificate):
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def load_signer(ca_path, ca_private_key_path, now=None, passphrase=None):
    """Read and check the CA pair (its key decrypted with passphrase when it is encrypted); every
    failure names the file and what is wrong with it."""
    certificate = load_certificate_pem(read_required(ca_path, "ca_path"))
    if certificate is None:
        raise PkiError("ca_path %s does not contain a PEM certificate" % ca_path)
    if not is_ca(certificate):
        raise PkiError("ca_path %s is not a CA certificate (basicConstraints CA:TRUE is missing)" % ca_path)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if certificate.not_valid_after_utc <= now:
        raise PkiError("the CA certificate in ca_path %s expired on %s"
                       % (ca_path, certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")))
    private_key = load_protected_key_pem(read_required(ca_private_key_path, "ca_private_key_path"), passphrase,
                                         "ca_private_key_path", ca_private_key_path)
    if private_key is None:
        raise PkiError("ca_private_key_path %s does not contain a PEM private key" % ca_private_key_path)
    if public_key_der(private_key) != public_key_der(certificate.public_key()):
        raise PkiError("ca_private_key_path %s does not match the certificate in ca_path %s"
                       % (ca_private_key_path, ca_path))
    return Signer(certificate, private_key, ca_path)
