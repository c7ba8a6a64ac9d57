# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring one certificate and its key on disk to what a CertificateSpec asks for."""

from __future__ import annotations

import datetime
import os

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.build import build_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import serialization
from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import (
    certificate_facts, iso8601, regeneration_reasons)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import (
    backup, check_writable_dir, file_mode, read_optional, write_files)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import (
    describe_key, generate_private_key, is_encrypted_pem, load_private_key_pem, load_protected_key_pem, private_key_pem)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_certificate_pem
from ansible_collections.kyma.mtls.plugins.module_utils.pki.text import PENDING

CERTIFICATE_MODE = 0o644


def _diff_view(facts, key_spec):
    if not facts:
        return {}
    view = {k: facts[k] for k in ("subject", "issuer", "dns_names", "ip_addresses", "uris",
                                  "not_after", "fingerprint_sha256")}
    view["key"] = "%s %s" % (key_spec.key_type, key_spec.curve or key_spec.key_size) if key_spec else None
    return view


def _planned_facts(spec, signer, now):
    not_after = now + datetime.timedelta(days=spec.valid_days)
    if signer is None:
        issuer = envoy_name_from_der(spec.subject.public_bytes())
    elif signer.certificate is None:
        issuer = PENDING
    else:
        issuer = envoy_name_from_der(signer.certificate.subject.public_bytes())
        not_after = min(not_after, signer.certificate.not_valid_after_utc)
    return {
        "subject": envoy_name_from_der(spec.subject.public_bytes()),
        "issuer": issuer,
        "dns_names": list(spec.dns_names),
        "ip_addresses": [str(a) for a in spec.ip_addresses],
        "uris": list(spec.uris),
        "not_after": iso8601(not_after),
        "fingerprint_sha256": PENDING,
    }


def previous_path(path):
    """Where previous=keep keeps the certificate at path that a renewal replaced (public, no key)."""
    return path + ".previous"


def _previous(spec, check_mode):
    """previous=keep: facts of the kept certificate; previous=retire: remove it. Returns (facts, reason)."""
    location = previous_path(spec.path)
    if spec.previous == "retire":
        if not os.path.exists(location):
            return None, None
        if not check_mode:
            os.unlink(location)
        return None, "the previous certificate %s is retired" % location
    if spec.previous == "keep":
        kept = load_certificate_pem(read_optional(location, "the previous certificate") or b"")
        return (dict(certificate_facts(kept), path=location) if kept is not None else None), None
    return None, None


def _add_previous(result, spec, check_mode, replaced=None):
    if check_mode and replaced is not None and spec.previous == "keep":
        result["previous"] = dict(replaced, path=previous_path(spec.path))  # what the renewal would keep
        return
    facts, reason = _previous(spec, check_mode)
    if facts is not None:
        result["previous"] = facts
    if reason:
        result["changed"] = True
        result["reasons"].append(reason)


def _back_up(spec, certificate_replaced, key_replaced):
    """backup: copies of the files about to be replaced, by result key."""
    made = {}
    if spec.backup and certificate_replaced:
        made["backup_file"] = backup(spec.path)
    if spec.backup and key_replaced:
        made["backup_private_key_file"] = backup(spec.private_key_path)
    return {key: name for key, name in made.items() if name}


def _read_key(spec, key_bytes):
    """The key on disk, or None when there is none to keep. A CA's encrypted key is decrypted with the
    passphrase, and one that cannot be is an error, never replaced; other unreadable keys are replaced."""
    if not key_bytes:
        return None
    if spec.kind == "ca":
        return load_protected_key_pem(key_bytes, spec.passphrase, "private_key_path", spec.private_key_path)
    return load_private_key_pem(key_bytes)


def ensure_certificate(spec, signer, check_mode=False, now=None):
    """Issue, renew or keep the certificate; return a result dict for the module.

    The private key is kept unless it is missing, unreadable, of another type, or force is set,
    so renewing a certificate does not force clients to redistribute keys.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    certificate_bytes = read_optional(spec.path, "path") or b""
    certificate = load_certificate_pem(certificate_bytes)
    key_bytes = read_optional(spec.private_key_path, "private_key_path")
    private_key = _read_key(spec, key_bytes)
    if signer is not None and signer.certificate is None:
        reasons = ["the CA in %s does not exist yet" % signer.path]
    else:
        reasons = regeneration_reasons(spec, certificate, private_key, signer, now)
    keep_key = private_key is not None and describe_key(private_key) == spec.key and not spec.force
    mode_wrong = key_bytes is not None and file_mode(spec.private_key_path) != spec.mode
    # A CA key kept as it is but not yet protected by the passphrase now given: written again, encrypted.
    encrypt_key = keep_key and bool(spec.passphrase) and not is_encrypted_pem(key_bytes)
    key_reasons = (["the private key's mode is not %04o" % spec.mode] if mode_wrong else []) + (
        ["the private key is not encrypted with ca_private_key_passphrase"] if encrypt_key else [])

    before = certificate_facts(certificate) if certificate is not None else None
    result = {
        "changed": bool(reasons) or bool(key_reasons),
        "reasons": reasons + key_reasons,
        "path": spec.path,
        "private_key_path": spec.private_key_path,
        "key_regenerated": bool(reasons) and not keep_key,
    }
    if not reasons:
        if encrypt_key and not check_mode:
            result.update(_back_up(spec, False, True))
            write_files([(spec.private_key_path, private_key_pem(private_key, spec.passphrase), spec.mode)])
        elif mode_wrong and not check_mode:
            os.chmod(spec.private_key_path, spec.mode)
        result.update(before)
        _add_previous(result, spec, check_mode)
        return result

    if not check_mode:  # in check mode an earlier task may not have made the directory yet
        check_writable_dir(spec.path, "path")
        check_writable_dir(spec.private_key_path, "private_key_path")
    old_key_spec = describe_key(private_key) if private_key is not None else None
    if check_mode:
        # What the certificate would be; serial and start of validity are only known after apply.
        after = _planned_facts(spec, signer, now)
        result.update(after, kind=spec.kind)
    else:
        new_key = private_key if keep_key else generate_private_key(spec.key)
        new_certificate = build_certificate(spec, new_key, signer, now)
        files = [(spec.path, new_certificate.public_bytes(serialization.Encoding.PEM), CERTIFICATE_MODE)]
        if not keep_key or encrypt_key:
            files.insert(0, (spec.private_key_path, private_key_pem(new_key, spec.passphrase), spec.mode))
        if spec.previous == "keep" and certificate is not None:
            # Clients that still hold the replaced certificate stay pinned until it is retired.
            files.insert(0, (previous_path(spec.path), certificate_bytes, CERTIFICATE_MODE))
        result.update(_back_up(spec, certificate_bytes != b"", not keep_key or encrypt_key))
        write_files(files)
        if keep_key and mode_wrong and not encrypt_key:
            os.chmod(spec.private_key_path, spec.mode)
        after = certificate_facts(new_certificate)
        result.update(after)
    _add_previous(result, spec, check_mode, replaced=before)
    result["diff"] = {
        "before_header": spec.path,
        "after_header": spec.path,
        "before": _diff_view(before, old_key_spec),
        "after": _diff_view(after, spec.key),
    }
    return result
