# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A certificate revocation list signed by a CA, kept current and rewritten only when it must be.

The gateway refuses a client certificate its CA has revoked once the CRL is in the credential
Secret (key ca.crl). A CRL past its nextUpdate makes Envoy refuse every certificate of that CA,
so it is issued again renew_before_days before it runs out.
"""

from __future__ import annotations

import datetime
import os

from ansible_collections.kyma.mtls.plugins.module_utils.pki.build import CLOCK_SKEW, signature_hash
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import serialization, x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import is_issued_by, iso8601
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import check_writable_dir, read_optional, read_required, write_files
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_certificate_pem, load_signer
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import parse_mode

CRL_MODE = 0o644


def _revoked_entries(params):
    """(option name for messages, {path, serial_number}) of revoked and then of revoked_paths."""
    for index, entry in enumerate(params["revoked"]):
        if bool(entry.get("path")) == (entry.get("serial_number") is not None):
            raise PkiError("revoked[%d]: give exactly one of path or serial_number" % index)
        yield ("revoked[%d].path" % index, entry) if entry.get("path") else ("revoked[%d]" % index, entry)
    for index, path in enumerate(params.get("revoked_paths") or []):
        yield "revoked_paths[%d]" % index, {"path": path, "serial_number": None}


def _revoked_serials(params, signer):
    """{serial: label} of the certificates to revoke; each must come from this CA."""
    serials = {}
    for where, entry in _revoked_entries(params):
        if entry.get("path"):
            certificate = load_certificate_pem(read_required(entry["path"], where))
            if certificate is None:
                raise PkiError("%s %s does not contain a PEM certificate" % (where, entry["path"]))
            if not is_issued_by(certificate, signer.certificate):
                raise PkiError("%s %s was not issued by the CA in %s" % (where, entry["path"], signer.path))
            serials[certificate.serial_number] = entry["path"]
        else:
            serials[int(entry["serial_number"])] = "serial %d" % int(entry["serial_number"])
    return serials


def _load_crl(path):
    data = read_optional(path, "path")
    if not data:
        return None
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError:
        return None


def _view(crl):
    if crl is None:
        return {}
    return {"revoked": sorted(r.serial_number for r in crl), "next_update": iso8601(crl.next_update_utc),
            "crl_number": _crl_number(crl)}


def _crl_number(crl):
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def _reasons(crl, signer, serials, renew_before, now):
    if crl is None:
        return ["the CRL is missing or unreadable"]
    reasons = []
    if crl.issuer.public_bytes() != signer.certificate.subject.public_bytes() or \
            not crl.is_signature_valid(signer.certificate.public_key()):
        reasons.append("it is not signed by the CA in %s" % signer.path)
    if sorted(r.serial_number for r in crl) != sorted(serials):
        reasons.append("the revoked certificates changed")
    if crl.next_update_utc is None or crl.next_update_utc - now <= renew_before:
        reasons.append("its nextUpdate is within renew_before_days")
    return reasons


def ensure_crl(params, check_mode, now=None):
    """Issue or keep the CRL at params['path']; the result for kyma.mtls.crl."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if params["valid_days"] < 1 or not 0 <= params["renew_before_days"] < params["valid_days"]:
        raise PkiError("valid_days must be at least 1 and renew_before_days 0 or more and less than valid_days")
    if check_mode and not os.path.exists(params["ca_path"]):
        return {"changed": True, "path": params["path"], "revoked": [],
                "reasons": ["the CA in %s does not exist yet" % params["ca_path"]]}
    signer = load_signer(params["ca_path"], params["ca_private_key_path"], now,
                         passphrase=params.get("ca_private_key_passphrase"))
    serials = _revoked_serials(params, signer)
    mode = parse_mode(params.get("mode"), CRL_MODE)
    existing = _load_crl(params["path"])
    reasons = _reasons(existing, signer, serials, datetime.timedelta(days=params["renew_before_days"]), now)
    result = {"changed": bool(reasons), "reasons": reasons, "path": params["path"],
              "revoked": [{"serial_number": s, "certificate": label} for s, label in sorted(serials.items())]}
    if not reasons:
        result.update(_view(existing))
        return result
    if not check_mode:
        check_writable_dir(params["path"], "path")
    # Keep the original revocation date of a certificate that stays revoked.
    dates = {r.serial_number: r.revocation_date_utc for r in existing} if existing is not None else {}
    builder = (x509.CertificateRevocationListBuilder().issuer_name(signer.certificate.subject)
               .last_update(now - CLOCK_SKEW).next_update(now + datetime.timedelta(days=params["valid_days"]))
               .add_extension(x509.CRLNumber(_crl_number(existing) + 1 if existing is not None else 1), critical=False))
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(dates.get(serial, now)).build())
    crl = builder.sign(signer.private_key, signature_hash(signer.private_key))
    if not check_mode:
        write_files([(params["path"], crl.public_bytes(serialization.Encoding.PEM), mode)])
    result.update(_view(crl))
    result["diff"] = {"before_header": params["path"], "after_header": params["path"],
                      "before": _view(existing), "after": _view(crl)}
    return result
