# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kyma.mtls.certificate_info: what existing certificates are (as Envoy prints their names) and which of
them expire soon, read from files or PEM text; nothing is issued or written."""

from __future__ import annotations

import datetime

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import certificate_facts, is_issued_by
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import read_required
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_certificates_pem

# Names of the extended key usages an mTLS setup meets; others are given by their dotted OID.
_USAGES = {"1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth"}
_EXPIRING_KEYS = ("source", "index", "subject", "not_after", "days_left", "expired")


def _usages(certificate):
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    return [_USAGES.get(oid.dotted_string, oid.dotted_string) for oid in usages]


def _sources(params):
    """(label, PEM bytes) of each file of paths and of content."""
    for index, path in enumerate(params.get("paths") or []):
        yield path, read_required(path, "paths[%d]" % index)
    if params.get("content"):
        yield "content", params["content"].encode()


def _trusted(params):
    if not params.get("ca_path"):
        return None
    return load_certificates_pem(read_required(params["ca_path"], "ca_path"), "ca_path %s" % params["ca_path"])


def certificate_info(params, check_mode, now=None):  # pylint: disable=unused-argument
    """The result of kyma.mtls.certificate_info: it only reads, so check mode changes nothing."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if not params.get("paths") and not params.get("content"):
        raise PkiError("give paths or content (or both)")
    within = params.get("expiring_within_days")
    if within is not None and within < 0:
        raise PkiError("expiring_within_days must be 0 or more, got %d" % within)
    cas = _trusted(params)
    certificates, expiring = [], []
    soon = None if within is None else now + datetime.timedelta(days=within)
    for source, data in _sources(params):
        where = "content" if source == "content" else "paths entry %s" % source
        for index, certificate in enumerate(load_certificates_pem(data, where)):
            not_after = certificate.not_valid_after_utc
            facts = certificate_facts(certificate)
            facts.update(source=source, index=index, extended_key_usages=_usages(certificate),
                         days_left=(not_after - now).days, expired=not_after <= now)
            if cas is not None:
                facts["issued_by_ca"] = any(is_issued_by(certificate, ca) for ca in cas)
            certificates.append(facts)
            if soon is not None and not_after <= soon:
                expiring.append((not_after, {key: facts[key] for key in _EXPIRING_KEYS}))
    result = {"changed": False, "certificates": certificates}
    if soon is not None:
        result["expiring"] = [pair[1] for pair in sorted(expiring, key=lambda pair: pair[0])]
    return result
