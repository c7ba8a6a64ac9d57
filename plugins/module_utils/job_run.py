# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main job (playbooks/expose_mtls.yml) in one pass on the controller: its variables checked, the
certificates issued, the roles' objects rendered and applied as one batch, in the order that keeps
every exposure behind its policy. The same work as the roles', through the same module_utils; in one
task, thousands of clients cross Ansible's templating once instead of in every task."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.batch import Batch
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.inputs import main_job_inputs
from ansible_collections.kyma.mtls.plugins.module_utils.job_objects import (
    absent_objects, allow_lists, present_objects)
from ansible_collections.kyma.mtls.plugins.module_utils.job_pki import issue_certificates, remove_certificates

FIELD_MANAGER = "kyma-mtls"
# An exposure is gone only once its finalizers ran (Kyma's api-gateway then removes the Istio objects it
# wrote for an APIRule); its policy must outlive them.
DELETE_WAIT_SECONDS = 120


class JobFailed(MtlsError):
    """A step failed: the message, and what the batch did before it."""

    def __init__(self, message, outcome):
        super().__init__(message)
        self.outcome = outcome


def run(values, connect, check_mode=False):
    """values: the job's variables by name (mtls_*), plain data; connect(kubeconfig, context) -> the
    cluster. -> {changed, results, diff, warnings, summary[, mtls_result]}; JobFailed when a step fails."""
    checked = main_job_inputs(values)
    if checked["problems"]:
        raise JobFailed("The job's variables have problems, nothing was changed: " + "; ".join(checked["problems"]), {})
    job = dict(values, mtls_clients=checked["clients"])
    if job["mtls_state"] == "present":
        return _present(job, checked, connect, check_mode)
    return _absent(job, connect, check_mode)


def _present(job, checked, connect, check_mode):
    outcome = {"changed": False, "diff": [], "warnings": []}
    try:
        if job["mtls_certificates"] == "issue":
            issued, outcome["changed"], outcome["diff"] = issue_certificates(job, check_mode)
        else:
            issued = checked["issued"]
        objects, refusals, outcome["warnings"] = present_objects(job, issued, check_mode)
    except MtlsError as exc:
        raise JobFailed(str(exc), outcome)
    batch = Batch(None, check_mode=check_mode)
    try:
        batch.cluster = connect(job.get("mtls_kubeconfig"), job.get("mtls_context"))
        batch.refuse_existing(refusals)
        batch.apply(objects, FIELD_MANAGER)
        batch.prune_allow_lists(allow_lists(job), objects)
    except MtlsError as exc:
        raise JobFailed(_batch_failure(exc, batch, len(objects)), _with_batch(outcome, batch))
    result = _with_batch(outcome, batch)
    result["mtls_result"] = _published(job, checked, issued)
    result["summary"] = _summary(job, result["mtls_result"])
    return result


def _absent(job, connect, check_mode):
    objects = absent_objects(job)
    batch = Batch(None, check_mode=check_mode)
    try:
        batch.cluster = connect(job.get("mtls_kubeconfig"), job.get("mtls_context"))
        batch.delete(objects, wait=True, wait_timeout=DELETE_WAIT_SECONDS)
        batch.prune_allow_lists(allow_lists(job), None)
    except MtlsError as exc:
        raise JobFailed(_batch_failure(exc, batch, len(objects)), _with_batch({"changed": False, "diff": []}, batch))
    result = _with_batch({"changed": False, "diff": [], "warnings": []}, batch)
    try:
        result["changed"] = remove_certificates(job, check_mode) or result["changed"]
    except MtlsError as exc:
        raise JobFailed(str(exc), result)
    result["summary"] = ["Removed from %s: the exposures, the credential and Gateway, the sample workloads and then the "
                         "policies; the certificates in %s" % (job["mtls_namespace"], job["mtls_pki_dir"])]
    return result


def _with_batch(outcome, batch):
    return dict(outcome, changed=outcome["changed"] or batch.changed, results=batch.results,
                diff=outcome["diff"] + batch.diffs)


def _batch_failure(error, batch, count):
    done = [item for item in batch.results if item["action"] not in ("unchanged", "absent")]
    return "%s (%d of %d objects handled before it, %d of them changed)" % (error, len(batch.results), count, len(done))


def _published(job, checked, issued):
    """mtls_result: what the job set up, for the verify role (kyma.mtls.job_clients) and other plays."""
    domain = job["mtls_domain"]
    return {
        "domain": domain,
        "gateway": "%s/%s" % (job["mtls_namespace"], job["mtls_gateway_name"]),
        # Each exposed host, with a path that echoes the request headers (httpbin's /headers by default).
        "targets": [{"name": workload["name"], "host": "%s.%s" % (workload["host"], domain),
                     "path": workload.get("echo_path", "/headers")} for workload in job["mtls_workloads"]],
        "server_ca": issued["server_ca"]["path"],
        "client_ca": issued["client_ca"]["path"],
        "pki_dir": job["mtls_pki_dir"],
        "client_names": checked["client_names"],
        # With mtls_certificates: provided, each client's files by name (they are not in pki_dir).
        "client_files": checked["client_files"],
        "allowed": list(job["mtls_allowed_clients"]),
        # As Envoy prints them, in the order of allowed.
        "allowed_subjects": issued["identities"]["subjects"],
        "revoked": list(job["mtls_revoked_clients"]),
    }


def _summary(job, published):
    subjects = published["allowed_subjects"]
    more = " and %d more" % (len(subjects) - 10) if len(subjects) > 10 else ""
    issued = "in " + job["mtls_pki_dir"] if job["mtls_certificates"] == "issue" else "provided"
    return [
        "Gateway %s (MUTUAL TLS) for *.%s, credential in istio-system" % (published["gateway"], job["mtls_domain"]),
        "Exposed (%s): %s" % (job["mtls_expose_mode"], ", ".join(target["host"] for target in published["targets"])),
        "Let in: %s%s%s" % ("; ".join(subjects[:10]), more,
                            " (pinned to their certificates)" if job["mtls_pin_certificates"] else ""),
        "Revoked: %s" % (", ".join(job["mtls_revoked_clients"]) or "none"),
        "Client certificates: %d %s" % (len(published["client_names"]), issued),
        "Clients trust the gateway through %s" % (published["server_ca"] or "the CA of your server certificate"),
    ]
