# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main job's certificates, as kyma.mtls.certificates issues them (its tasks present.yml and
absent.yml), in the controller's process: the same files, index, rotation and CRLs, and the same
certificates_issued, without a module run that carries thousands of clients in and out."""

from __future__ import annotations

import glob
import os

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import certificate_set_argument_spec
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crl import ensure_crl
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import file_mode, read_optional, write_files
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many

# The certificates role's defaults that the main job keeps (tests/unit compares them with the role's).
DEFAULTS = {
    "client_ca_subject": "/O=example Inc./CN=ClientRootCA",
    "server_ca_subject": "/O=example Inc./CN=ServerRootCA",
    "crl_valid_days": 90,
    "key_type": "ec",
    "ca_valid_days": 3650,
    "valid_days": 365,
    "renew_before_days": 30,
}
ROLLOVER_UNDER_WAY = (
    "A client CA rollover is under way (%s/client-ca.next.crt exists): the gateway trusts both CAs and the "
    "clients hold certificates of the new one. Finish it (certificates_client_ca_rollover: finish) once every "
    "client uses its new certificate, or keep certificates_client_ca_rollover: start.")
_ITEM_OPTIONS = certificate_set_argument_spec()["certificates"]["options"]
_ITEM_DEFAULTS = {option: spec.get("default") for option, spec in _ITEM_OPTIONS.items()}
_ITEM_LISTS = [option for option, spec in _ITEM_OPTIONS.items() if spec.get("type") == "list"]


def certificate_set_item(item):
    """An item as kyma.mtls.certificate_set's argument validation leaves it: every option, None or its
    default where the item has none. The index digests items, so both ways must give the same."""
    filled = dict(_ITEM_DEFAULTS)
    filled.update(item)
    for option in _ITEM_LISTS:
        filled[option] = list(filled[option])
    return filled


def _authorities(rollover):
    cas = [("client-ca", DEFAULTS["client_ca_subject"]), ("server-ca", DEFAULTS["server_ca_subject"])]
    if rollover == "start":
        cas.append(("client-ca.next", DEFAULTS["client_ca_subject"]))
    return [{"name": name, "kind": "ca", "subject": subject, "valid_days": DEFAULTS["ca_valid_days"], "previous": "ignore"}
            for name, subject in cas]


def _certificate_set_params(job, authorities, signing_ca):
    gateway = {"name": "gateway", "kind": "server", "signed_by": "server-ca", "subject": "/CN=*." + job["mtls_domain"],
               "dns_names": ["*." + job["mtls_domain"]], "force": "server" in job["mtls_renew"], "previous": "ignore"}
    finishing = job["mtls_retire_previous"] or job["mtls_client_ca_rollover"] == "finish"
    return {"kind": "client", "directory": job["mtls_pki_dir"], "directory_mode": "0700",
            "certificates": [certificate_set_item(item) for item in authorities + [gateway] + job["mtls_clients"]],
            "signed_by": signing_ca, "renew": [name for name in job["mtls_renew"] if name != "server"],
            "results": "brief", "identities_of": list(job["mtls_allowed_clients"]),
            "ca_path": None, "ca_private_key_path": None, "ca_private_key_passphrase": None,
            "key_type": DEFAULTS["key_type"], "curve": "P-256", "key_size": 2048, "valid_days": DEFAULTS["valid_days"],
            "renew_before_days": DEFAULTS["renew_before_days"], "mode": "0600", "force": False,
            "previous": "retire" if finishing else "keep"}


class _Outcome:
    """What the certificates changed, and their diffs."""

    def __init__(self):
        self.changed, self.diffs = False, []

    def add(self, result):
        self.changed = self.changed or bool(result.get("changed"))
        diff = result.pop("diff", None)
        self.diffs.extend(diff if isinstance(diff, list) else [diff] if diff else [])
        return result

    def remove(self, path, check_mode):
        if not os.path.lexists(path):
            return
        self.changed = True
        if not check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                raise MtlsError("cannot remove %s: %s" % (path, exc.strerror))


def _promote(directory, outcome, check_mode):
    """Rollover finish: the new client CA becomes client-ca; a run stopped half-way is completed by the next."""
    for extension, mode in (("key", 0o600), ("crt", 0o644)):
        source, target = ["%s/%s.%s" % (directory, name, extension) for name in ("client-ca.next", "client-ca")]
        data = read_optional(source, "the new client CA")
        if data is None or (data == read_optional(target, "the client CA") and file_mode(target) == mode):
            continue
        outcome.changed = True
        if not check_mode:
            write_files([(target, data, mode)])
    for extension in ("crt", "key", "crl"):
        outcome.remove("%s/client-ca.next.%s" % (directory, extension), check_mode)


def _crl_plan(job, signing_ca):
    """(CA, certificates it revokes): the signing CA's CRL, and the old CA's during a rollover."""
    directory, starting = job["mtls_pki_dir"], job["mtls_client_ca_rollover"] == "start"
    revoked = ["%s/%s.crt" % (directory, name) for name in job["mtls_revoked_clients"]]
    previous = [path + ".previous" for path in revoked if os.path.exists(path + ".previous")]
    plan = [(signing_ca, revoked + ([] if starting else previous))]
    return plan + [("client-ca", previous)] if starting else plan


def _revoke(job, signing_ca, outcome, check_mode):
    """Envoy checks a CRL for every client certificate once ca.crl is set, so each trusted CA gets one."""
    directory, crls = job["mtls_pki_dir"], []
    for ca, revoked in _crl_plan(job, signing_ca):
        crls.append(outcome.add(ensure_crl({
            "path": "%s/%s.crl" % (directory, ca), "ca_path": "%s/%s.crt" % (directory, ca),
            "ca_private_key_path": "%s/%s.key" % (directory, ca), "ca_private_key_passphrase": None,
            "revoked": [], "revoked_paths": revoked, "valid_days": DEFAULTS["crl_valid_days"],
            "renew_before_days": DEFAULTS["renew_before_days"], "mode": "0644"}, check_mode)))
    return crls


def issue_certificates(job, check_mode):
    """certificates_issued for the job's variables (checked by inputs.main_job_inputs), with whether
    anything changed and the diffs: the CAs, the gateway's certificate, the clients, and the CRLs."""
    directory, rollover = job["mtls_pki_dir"], job["mtls_client_ca_rollover"]
    outcome = _Outcome()
    if rollover == "none" and os.path.exists(directory + "/client-ca.next.crt"):
        raise MtlsError(ROLLOVER_UNDER_WAY % directory)
    if rollover == "finish" and os.path.exists(directory + "/client-ca.next.crt"):
        _promote(directory, outcome, check_mode)
    signing_ca = "client-ca.next" if rollover == "start" else "client-ca"
    authorities = _authorities(rollover)
    issued = outcome.add(issue_many(_certificate_set_params(job, authorities, signing_ca), check_mode))
    if job["mtls_revoked_clients"]:
        crls = _revoke(job, signing_ca, outcome, check_mode)
    else:
        crls = []
        for path in sorted(glob.glob(directory + "/client-ca*.crl")):
            outcome.remove(path, check_mode)
    results = issued["certificates"]
    return {
        "client_ca": results[2] if rollover == "start" else results[0],
        "client_ca_extra": [results[0]["path"]] if rollover == "start" else [],
        "server_ca": results[1],
        "server": results[len(authorities)],
        "identities": issued.get("identities") or {"subjects": [], "fingerprints": []},
        "client_crl": crls[0] if crls else {},
        "client_crl_extra": [crl["path"] for crl in crls[1:]],
    }, outcome.changed, outcome.diffs


def remove_certificates(job, check_mode):
    """The files kyma.mtls.certificates issues in the job's pki_dir, removed: whether any was there."""
    outcome, names = _Outcome(), ["client-ca", "client-ca.next", "server-ca", "gateway"]
    names += [client["name"] for client in job["mtls_clients"]]
    paths = [name + extension for name in names for extension in (".crt", ".key")]
    paths += ["client-ca.crl", "client-ca.next.crl", "certificate-index.json"]
    paths += [client["name"] + ".crt.previous" for client in job["mtls_clients"]]
    for path in paths:
        outcome.remove(os.path.join(job["mtls_pki_dir"], path), check_mode)
    return outcome.changed
