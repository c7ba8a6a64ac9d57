# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main job's objects, as the roles render them for its batch (their entry point render), in the
order of the batch: the allow-list's policies that restrict the workloads first, then the workloads,
the credential and the Gateway, and the exposures last. Deleted in reverse."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils import allow_policies, exposures
from ansible_collections.kyma.mtls.plugins.module_utils.credential_secret import credential_secret, read_credential
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.gateway_objects import (
    CREDENTIAL_NAME, INGRESS_NAMESPACE, gateway_object, refused_objects)
from ansible_collections.kyma.mtls.plugins.module_utils.inputs import role_problems
from ansible_collections.kyma.mtls.plugins.module_utils.samples import sample_objects

LEGACY_APIRULE_WARNING = (
    "Kyma's api-gateway 3.10 refuses gateway.kyma-project.io/v1beta1 APIRules (\"v1beta1 APIRule version is no longer "
    "supported, please use v2 instead\") unless the cluster still allows v1beta1; use expose_mode=apirule (v2).")


def allow_lists(job):
    """The allow-list's policies that the batch may delete: buckets it no longer holds, and the
    per-workload policies of kyma.mtls 0.4 that the namespace-wide allow-list replaces."""
    return [{"name": job["mtls_policy_name"], "namespace": job["mtls_namespace"],
             "replaces": [workload["name"] + "-mtls-allowed-clients" for workload in job["mtls_workloads"] or []]}]


def _policies(job, identities):
    subjects = identities["subjects"]
    fingerprints = identities["fingerprints"] if job["mtls_pin_certificates"] else []
    problems = role_problems("authorization", {
        "authorization_state": "present", "authorization_name": job["mtls_policy_name"],
        "authorization_namespace": job["mtls_namespace"], "authorization_workload_labels": {},
        "authorization_allowed_subjects": subjects, "authorization_allowed_fingerprints": fingerprints})
    if problems:
        raise MtlsError("; ".join(problems) + "; nothing was applied")
    return allow_policies.allow_list_policies(
        job["mtls_policy_name"], job["mtls_namespace"], {}, list(allow_policies.GATEWAY_PRINCIPALS),
        allow_policies.SUBJECT_HEADER, subjects, fingerprints)


def _exposures(job):
    namespace = job["mtls_namespace"]
    services = [{"name": workload["name"], "port": workload["port"], "host": "%s.%s" % (workload["host"], job["mtls_domain"]),
                 "exposure": workload["name"] + "-mtls"} for workload in job["mtls_workloads"] or []]
    if not services:
        return []
    gateway, rules = "%s/%s" % (namespace, job["mtls_gateway_name"]), [dict(rule) for rule in exposures.RULES]
    problems = role_problems("expose", {"expose_mode": job["mtls_expose_mode"], "expose_namespace": namespace,
                                        "expose_gateway": gateway, "expose_rules": rules,
                                        "expose_services": services, "expose_timeout": exposures.TIMEOUT})
    if problems:
        raise MtlsError("; ".join(problems) + "; nothing was applied")
    return exposures.exposure_objects(services, job["mtls_expose_mode"], namespace, gateway, rules,
                                      dict(exposures.HEADERS), exposures.TIMEOUT)


def _credential_files(issued):
    crl = issued["client_crl"].get("path")
    return (issued["server"]["path"], issued["server"]["private_key_path"], issued["client_ca"]["path"],
            list(issued["client_ca_extra"]), crl or None, list(issued["client_crl_extra"]))


def _credential(issued, check_mode):
    """The credential Secret, its files checked first (in check mode they may not be issued yet: the
    Secret then says 'issued on apply')."""
    certificate, key, client_ca, extra_cas, crl, extra_crls = _credential_files(issued)
    if not check_mode:
        # Imported here: it needs cryptography, which the job's input check has found.
        from ansible_collections.kyma.mtls.plugins.module_utils.pki.credential_check import (  # pylint: disable=import-outside-toplevel
            credential_problems)
        problems = credential_problems(certificate, key, client_ca, extra_cas, crl, extra_crls)
        if problems:
            raise MtlsError("The gateway credential cannot be used, nothing was applied: " + "; ".join(problems))
    contents = read_credential(certificate, key, [client_ca] + extra_cas, ([crl] if crl else []) + extra_crls,
                               missing_ok=check_mode)
    return credential_secret(CREDENTIAL_NAME, INGRESS_NAMESPACE, contents)


def _gateway(job):
    return gateway_object(job["mtls_gateway_name"], job["mtls_namespace"], ["*." + job["mtls_domain"]])


def namespace_object(job):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": job["mtls_namespace"], "labels": {"istio-injection": "enabled"}}}


def present_objects(job, issued, check_mode):
    """(objects in the order to apply them, the objects that must not exist, warnings)."""
    warnings = [LEGACY_APIRULE_WARNING] if job["mtls_expose_mode"] == "apirule_v1beta1" else []
    policies = _policies(job, issued["identities"])
    exposed = _exposures(job)
    objects = ([namespace_object(job)] + policies + sample_objects(job["mtls_samples"], job["mtls_namespace"])
               + [_credential(issued, check_mode), _gateway(job)] + exposed)
    return objects, refused_objects(), warnings


def absent_objects(job):
    """The objects to delete, in order: the exposures first; the policies are the allow-list's to
    delete last. The namespace stays: it may hold more than this job created."""
    rendered = (sample_objects(job["mtls_samples"], job["mtls_namespace"])
                + [credential_secret(CREDENTIAL_NAME, INGRESS_NAMESPACE), _gateway(job)] + _exposures(job))
    return list(reversed(rendered))
