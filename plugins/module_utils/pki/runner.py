# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work behind the certificate modules, from validated parameters to a result."""

from __future__ import annotations

import datetime
import os
from collections import Counter

from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import IDENTITY_OPTIONS
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import hashes
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.index import CertificateIndex, inputs_digest
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import ensure_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_signer, pending_signer
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import build_spec


def _signer_for(params, kind, check_mode):
    if kind != "ca":
        if check_mode and not os.path.exists(params["ca_path"]):
            return pending_signer(params["ca_path"])
        return load_signer(params["ca_path"], params["ca_private_key_path"])
    if params.get("ca_path") or params.get("ca_private_key_path"):
        raise PkiError("kind=ca is self-signed and takes no ca_path or ca_private_key_path")
    return None


def _with_paths(item, directory):
    """An item's files: given explicitly, or <directory>/<name>.crt and .key."""
    item = {k: v for k, v in item.items() if not (k == "force" and v is None)}
    for option, suffix in (("path", ".crt"), ("private_key_path", ".key")):
        if item.get(option):
            continue
        if not (directory and item.get("name")):
            raise PkiError("give %s, or name together with the module's directory option" % option)
        item[option] = os.path.join(directory, item["name"] + suffix)
    item.pop("name", None)
    return item


def issue_one(params, check_mode):
    """kyma.mtls.certificate: one certificate."""
    spec = build_spec(params)
    return ensure_certificate(spec, _signer_for(params, spec.kind, check_mode), check_mode)


def issue_many(params, check_mode):
    """kyma.mtls.certificate_set: many certificates signed by one CA that is read once.

    Every item is validated before anything is written, so bad input leaves no file changed. A
    certificate whose inputs and files are as the last run found them current is not parsed again
    (index.py); only its expiry is checked.
    """
    shared = {k: v for k, v in params.items() if k not in ("certificates", "directory") and k not in IDENTITY_OPTIONS}
    signer = _signer_for(params, params["kind"], check_mode)
    ca_fingerprint = signer.certificate.fingerprint(hashes.SHA256()).hex() if signer.certificate is not None else None
    index, now = CertificateIndex(), datetime.datetime.now(datetime.timezone.utc)
    plans = []
    for position, item in enumerate(params["certificates"]):
        label = item.get("name") or item.get("path") or "#%d" % position
        try:
            located = _with_paths(item, params.get("directory"))
            plans.append(_plan(located, shared, ca_fingerprint, index, now))
        except PkiError as exc:
            raise PkiError("certificates[%d] (%s): %s" % (position, label, exc))
    counts = Counter(path for plan in plans for path in plan["paths"])
    repeated = sorted(path for path, count in counts.items() if count > 1)
    if repeated:
        raise PkiError("certificates name the same file more than once: %s" % ", ".join(repeated))
    results = [_carry_out(plan, signer, check_mode, index) for plan in plans]
    if not check_mode:
        index.save()
    for item, result in zip(params["certificates"], results):
        result["name"] = item.get("name")
    diffs = [result.pop("diff") for result in results if "diff" in result]
    return {"changed": any(r["changed"] for r in results), "certificates": results, "diff": diffs}


def _plan(located, shared, ca_fingerprint, index, now):
    """What to do for one item: reuse the recorded result of an unchanged, current certificate, or check it."""
    options = dict(shared, **located)
    files = [located["path"], located["private_key_path"], located["path"] + ".previous"]
    plan = {"paths": files[:2], "files": files, "digest": inputs_digest(located, shared, ca_fingerprint)}
    if ca_fingerprint is not None and not options.get("force"):
        entry = index.current(located["path"], plan["digest"], files)
        if entry is not None and not _due(entry["result"], options["renew_before_days"], now):
            plan["recorded"] = dict(entry["result"])
            return plan
    plan["spec"] = build_spec(options)
    return plan


def _due(result, renew_before_days, now):
    """Whether a recorded certificate expires within renew_before_days (then it is checked and renewed)."""
    not_after = datetime.datetime.strptime(result["not_after"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return not_after - now <= datetime.timedelta(days=renew_before_days)


def _carry_out(plan, signer, check_mode, index):
    if "recorded" in plan:
        return plan["recorded"]
    result = ensure_certificate(plan["spec"], signer, check_mode)
    if not check_mode and signer.certificate is not None:
        # What the next run finds when nothing changes in between.
        current = {k: v for k, v in result.items() if k not in ("diff", "name")}
        current.update(changed=False, reasons=[], key_regenerated=False)
        index.record(plan["spec"].path, plan["digest"], plan["files"], current)
    return result
