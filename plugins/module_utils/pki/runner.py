# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work behind the certificate modules, from validated parameters to a result."""

from __future__ import annotations

import os
from collections import Counter

from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import IDENTITY_OPTIONS
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
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

    Every item is validated before anything is written, so bad input leaves no file changed.
    """
    shared = {k: v for k, v in params.items() if k not in ("certificates", "directory") and k not in IDENTITY_OPTIONS}
    specs = []
    for index, item in enumerate(params["certificates"]):
        label = item.get("name") or item.get("path") or "#%d" % index
        try:
            specs.append(build_spec(dict(shared, **_with_paths(item, params.get("directory")))))
        except PkiError as exc:
            raise PkiError("certificates[%d] (%s): %s" % (index, label, exc))
    counts = Counter(path for spec in specs for path in (spec.path, spec.private_key_path))
    repeated = sorted(path for path, count in counts.items() if count > 1)
    if repeated:
        raise PkiError("certificates name the same file more than once: %s" % ", ".join(repeated))
    signer = _signer_for(params, params["kind"], check_mode)
    results = [ensure_certificate(spec, signer, check_mode) for spec in specs]
    for item, result in zip(params["certificates"], results):
        result["name"] = item.get("name")
    diffs = [result.pop("diff") for result in results if "diff" in result]
    return {"changed": any(r["changed"] for r in results), "certificates": results, "diff": diffs}
