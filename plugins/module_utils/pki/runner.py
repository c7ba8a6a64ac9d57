# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work behind the certificate modules, from validated parameters to a result."""

from __future__ import annotations

import datetime
import os
from collections import Counter

from ansible_collections.kyma.mtls.plugins.module_utils.identities import allowed_identities
from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import IDENTITY_OPTIONS
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import hashes
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.index import CertificateIndex, inputs_digest
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import ensure_certificate, previous_path
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import file_mode, read_optional
from ansible_collections.kyma.mtls.plugins.module_utils.pki.ownership import ensure_ownership, resolve_ownership
from ansible_collections.kyma.mtls.plugins.module_utils.pki.remove import remove_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_certificate_pem, load_signer, pending_signer
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import build_spec, parse_mode


def _signer_for(params, kind, check_mode):
    if kind != "ca":
        if check_mode and not os.path.exists(params["ca_path"]):
            return pending_signer(params["ca_path"])
        return load_signer(params["ca_path"], params["ca_private_key_path"],
                           passphrase=params.get("ca_private_key_passphrase"))
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
    """kyma.mtls.certificate: one certificate, its files with the owner and group asked for; or, with
    state absent, its files removed."""
    uid, gid = resolve_ownership(params.get("owner"), params.get("group"))
    if params.get("state") == "absent":
        return remove_certificate(params["path"], params["private_key_path"], params.get("backup"), check_mode)
    spec = build_spec(params)
    result = ensure_certificate(spec, _signer_for(params, spec.kind, check_mode), check_mode)
    ownership = ensure_ownership([spec.path, spec.private_key_path], uid, gid, check_mode)
    if ownership:
        result.update(changed=True, reasons=result["reasons"] + ownership)
    return result


# Options that say what to do with the items, not how a certificate is made: not in its index digest.
_TASK_ONLY_OPTIONS = ("certificates", "directory", "directory_mode", "signed_by", "renew", "results", "identities_of")

# What an item may set for itself instead of taking the task's option.
ITEM_OVERRIDES = ("kind", "valid_days", "previous", "force")


def issue_many(params, check_mode):
    """kyma.mtls.certificate_set: many certificates in one run, in order; each is signed by the task's
    CA or by a CA item before it (signed_by), or is a CA itself (kind ca).

    Every item is validated before anything is written, so bad input leaves no file changed. A
    certificate whose inputs and files are as the last run found them current is not parsed again
    (index.py); only its expiry is checked.
    """
    shared = {k: v for k, v in params.items()
              if k not in _TASK_ONLY_OPTIONS and k not in IDENTITY_OPTIONS}
    renew = set(params.get("renew") or [])
    names = {item.get("name") for item in params["certificates"]}
    for option in ("renew", "identities_of"):
        unknown = sorted(set(params.get(option) or []) - names)
        if unknown:
            raise PkiError("%s names no item of certificates: %s" % (option, ", ".join(unknown)))
    directory_changed = _ensure_directory(params.get("directory"), params.get("directory_mode"), check_mode)
    task_signer = _task_signer(params, check_mode)
    index, now = CertificateIndex(), datetime.datetime.now(datetime.timezone.utc)
    plans, cas, ca_paths, ca_fingerprints = [], set(), {}, {}
    for position, item in enumerate(params["certificates"]):
        label = item.get("name") or item.get("path") or "#%d" % position
        try:
            plan = _structure(dict(item, force=True) if item.get("name") in renew else item, params, cas, task_signer)
            _plan(plan, shared, _fingerprint_on_disk(plan, task_signer, ca_paths, ca_fingerprints), index, now)
        except PkiError as exc:
            raise PkiError("certificates[%d] (%s): %s" % (position, label, exc))
        plans.append(plan)
        if plan["kind"] == "ca" and plan["name"]:
            ca_paths[plan["name"]] = plan["located"]["path"]
    counts = Counter(path for plan in plans for path in plan["paths"])
    repeated = sorted(path for path, count in counts.items() if count > 1)
    if repeated:
        raise PkiError("certificates name the same file more than once: %s" % ", ".join(repeated))
    signers, results = {None: task_signer}, []
    for plan in plans:
        signer = signers[plan["signed_by"]] if plan["kind"] != "ca" else None
        result = _carry_out(plan, shared, signer, check_mode, index, now)
        if plan["kind"] == "ca" and plan["name"]:
            signers[plan["name"]] = _signer_of_item(plan, result, check_mode, params.get("ca_private_key_passphrase"))
        results.append(result)
    if not check_mode:
        index.save()
    for item, result in zip(params["certificates"], results):
        result["name"] = item.get("name")
    diffs = [result.pop("diff") for result in results if "diff" in result]
    outcome = {"changed": directory_changed or any(r["changed"] for r in results), "diff": diffs}
    if params.get("identities_of"):
        outcome["identities"] = _identities(params["identities_of"], results)
    outcome["certificates"] = _reported(params.get("results"), plans, results)
    if params.get("results") == "brief":
        # Ansible echoes the arguments back (invocation, shown with -vvv): thousands of items again.
        outcome["invocation"] = {"module_args": dict(params, certificates="%d items" % len(params["certificates"]))}
    return outcome


def _identities(names, results):
    """identities_of (checked against the items up front): the subjects and fingerprints of the named
    items, as an allow-list pins them."""
    return allowed_identities({result["name"]: result for result in results if result["name"]}, names)


def _reported(mode, plans, results):
    """results=brief: the CAs, the server certificates and the clients that changed. A run over
    10,000 unchanged clients then returns a handful of results, where all of them would cost Ansible
    seconds to carry from task to task; their files are <directory>/<name>.crt and .key."""
    if mode != "brief":
        return results
    return [result for plan, result in zip(plans, results) if plan["kind"] != "client" or result["changed"]]


def _ensure_directory(directory, mode, check_mode):
    """directory_mode: create the directory with that mode, or set it; whether that changes anything."""
    if not directory or mode is None:
        return False
    wanted = parse_mode(mode, 0o700)
    if os.path.isdir(directory):
        if file_mode(directory) == wanted:
            return False
        if not check_mode:
            os.chmod(directory, wanted)
        return True
    if os.path.exists(directory):
        raise PkiError("directory %s exists and is not a directory" % directory)
    if not check_mode:
        try:
            os.makedirs(directory, mode=wanted)
            os.chmod(directory, wanted)  # makedirs' mode is filtered by the umask
        except OSError as exc:
            raise PkiError("cannot create directory %s: %s" % (directory, exc.strerror))
    return True


def _task_signer(params, check_mode):
    """The task's CA (ca_path), when it names one: read and checked once, before anything is written."""
    if not params.get("ca_path") and not params.get("ca_private_key_path"):
        return None
    if not (params.get("ca_path") and params.get("ca_private_key_path")):
        raise PkiError("give both ca_path and ca_private_key_path, or neither")
    return _signer_for(params, "client", check_mode)


def _structure(item, params, cas, task_signer):
    """An item's plan: its files, kind and signer, checked against the items before it."""
    kind = item.get("kind") or params["kind"]
    signed_by = item.get("signed_by")
    if signed_by is None and kind != "ca":
        signed_by = params.get("signed_by")
    if kind == "ca" and signed_by:
        raise PkiError("a CA is self-signed and takes no signed_by")
    if signed_by is not None and signed_by not in cas:
        raise PkiError("signed_by %r names no CA item before this one" % signed_by)
    if kind != "ca" and signed_by is None and task_signer is None:
        raise PkiError("needs signed_by (a CA item before it) or the task's ca_path and ca_private_key_path")
    name = item.get("name")
    if kind == "ca" and name:
        cas.add(name)
    located = _with_paths(dict(item, kind=kind), params.get("directory"))
    located.pop("signed_by", None)
    return {"name": name, "kind": kind, "signed_by": signed_by if kind != "ca" else None, "located": located,
            "paths": [located["path"], located["private_key_path"]],
            "files": [located["path"], located["private_key_path"], previous_path(located["path"])]}


def _fingerprint_on_disk(plan, task_signer, ca_paths, ca_fingerprints):
    """The fingerprint of the plan's signer as it is now: 'self' for a CA, None when not readable yet.
    ca_paths: each CA item's certificate path by name; ca_fingerprints: what was read from those
    paths (thousands of clients share a CA, read once)."""
    if plan["kind"] == "ca":
        return "self"
    if plan["signed_by"] is None:
        return _fingerprint(task_signer.certificate)
    path = ca_paths[plan["signed_by"]]
    if path not in ca_fingerprints:
        ca_fingerprints[path] = _fingerprint(load_certificate_pem(read_optional(path, "path") or b""))
    return ca_fingerprints[path]


# A CA's fingerprint is asked for once per certificate it signs: computed once per run.
_FINGERPRINTS = {}


def _fingerprint(certificate):
    if certificate is None:
        return None
    if certificate not in _FINGERPRINTS:
        _FINGERPRINTS[certificate] = certificate.fingerprint(hashes.SHA256()).hex()
    return _FINGERPRINTS[certificate]


def _options(plan, shared):
    options = dict(shared)
    options.update({k: v for k, v in plan["located"].items() if v is not None})
    return options


def _plan(plan, shared, signer_fingerprint, index, now):
    """Reuse the recorded result of an unchanged, current certificate, or validate the item for a full check."""
    options = _options(plan, shared)
    plan["digest"] = inputs_digest(plan["located"], shared, signer_fingerprint)
    plan["signer_fingerprint"] = signer_fingerprint
    if signer_fingerprint is not None and not options.get("force"):
        entry = index.current(plan["located"]["path"], plan["digest"], plan["files"])
        if entry is not None and not _due(entry["result"], options["renew_before_days"], now):
            plan["recorded"] = dict(entry["result"])
            return
    plan["spec"] = build_spec(options)


def _due(result, renew_before_days, now):
    """Whether a recorded certificate expires within renew_before_days (then it is checked and renewed)."""
    # fromisoformat: a tenth of strptime's time, which counts at 10,000 certificates.
    not_after = datetime.datetime.fromisoformat(result["not_after"].replace("Z", "+00:00"))
    return not_after - now <= datetime.timedelta(days=renew_before_days)


def _carry_out(plan, shared, signer, check_mode, index, now):
    if "recorded" in plan:
        fingerprint = "self" if plan["kind"] == "ca" else _fingerprint(signer.certificate)
        if fingerprint == plan["signer_fingerprint"] or inputs_digest(plan["located"], shared, fingerprint) == plan["digest"]:
            return plan["recorded"]
        plan["spec"] = build_spec(_options(plan, shared))  # its CA was issued again in this run
    result = ensure_certificate(plan["spec"], signer, check_mode)
    if not check_mode and (signer is None or signer.certificate is not None):
        # What the next run finds when nothing changes in between.
        current = {k: v for k, v in result.items() if k not in ("diff", "name")}
        current.update(changed=False, reasons=[], key_regenerated=False)
        fingerprint = "self" if signer is None else _fingerprint(signer.certificate)
        index.record(plan["located"]["path"], inputs_digest(plan["located"], shared, fingerprint), plan["files"], current)
    return result


def _signer_of_item(plan, result, check_mode, passphrase):
    """The CA an item is, for the items after it; in check mode the one on disk, or one to be issued."""
    path, key = plan["located"]["path"], plan["located"]["private_key_path"]
    if check_mode and (result["changed"] or not os.path.exists(path)):
        if not os.path.exists(path) or result.get("key_regenerated"):
            return pending_signer(path)
    return load_signer(path, key, passphrase=passphrase)
