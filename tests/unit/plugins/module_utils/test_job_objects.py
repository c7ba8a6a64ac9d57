"""The main job's objects (module_utils/job_objects.py): the batch's order, the roles' defaults that the
job keeps, and the roles' checks that still refuse before anything is applied."""

import base64
import os

import pytest
import yaml

from ansible_collections.kyma.mtls.plugins.module_utils import allow_policies, exposures, gateway_objects, samples
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.job_objects import absent_objects, allow_lists, present_objects
from ansible_collections.kyma.mtls.plugins.module_utils.job_pki import issue_certificates

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def role_defaults(role):
    with open(os.path.join(REPO, "roles", role, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


def test_the_job_keeps_the_roles_defaults():
    workload, gateway = role_defaults("workload"), role_defaults("gateway")
    expose, authorization = role_defaults("expose"), role_defaults("authorization")
    assert (workload["workload_httpbin_image"], workload["workload_function_runtime"]) == (
        samples.HTTPBIN_IMAGE, samples.FUNCTION_RUNTIME)
    assert (gateway["gateway_credential_name"], gateway["gateway_ingress_namespace"], gateway["gateway_selector"],
            gateway["gateway_port"], gateway["gateway_min_protocol_version"]) == (
        gateway_objects.CREDENTIAL_NAME, gateway_objects.INGRESS_NAMESPACE, gateway_objects.SELECTOR,
        gateway_objects.PORT, gateway_objects.MIN_PROTOCOL_VERSION)
    assert (expose["expose_rules"], expose["expose_headers"], expose["expose_timeout"]) == (
        list(exposures.RULES), exposures.HEADERS, exposures.TIMEOUT)
    assert (authorization["authorization_subject_header"], authorization["authorization_gateway_principals"]) == (
        allow_policies.SUBJECT_HEADER, list(allow_policies.GATEWAY_PRINCIPALS))


def job(folder, **values):
    job_values = {"mtls_pki_dir": str(folder), "mtls_domain": "example.com", "mtls_namespace": "apps",
                  "mtls_gateway_name": "gw", "mtls_policy_name": "gw-allowed-clients", "mtls_expose_mode": "apirule",
                  "mtls_samples": ["httpbin"], "mtls_pin_certificates": True, "mtls_renew": [],
                  "mtls_workloads": [{"name": "httpbin", "port": 8000, "host": "httpbin", "labels": {"app": "httpbin"}}],
                  "mtls_retire_previous": False, "mtls_client_ca_rollover": "none", "mtls_revoked_clients": [],
                  "mtls_allowed_clients": ["client2"],
                  "mtls_clients": [{"name": "client1", "subject": "/CN=client1"}, {"name": "client2", "subject": "/CN=client2"}]}
    job_values.update(values)
    return job_values


def kinds(objects):
    return [obj["kind"] for obj in objects]


def test_the_policies_come_before_what_they_restrict_and_the_exposures_last(tmp_path):
    issued, dummy, dummy = issue_certificates(job(tmp_path), False)
    objects, refusals, warnings = present_objects(job(tmp_path), issued, False)
    assert kinds(objects) == ["Namespace", "AuthorizationPolicy", "ServiceAccount", "Service", "Deployment", "Sidecar",
                              "Secret", "Gateway", "APIRule"]
    policy, secret, exposure = objects[1], objects[6], objects[8]
    assert policy["spec"]["rules"][0]["when"][0]["notValues"] == ["CN=client2"]
    assert base64.b64decode(secret["data"]["tls.crt"]) == (tmp_path / "gateway.crt").read_bytes()
    assert exposure["spec"]["gateway"] == "apps/gw" and exposure["spec"]["hosts"] == ["httpbin.example.com"]
    assert refusals[0]["name"] == "kyma-mtls-credential-cacert" and warnings == []
    assert allow_lists(job(tmp_path))[0]["replaces"] == ["httpbin-mtls-allowed-clients"]


def test_the_legacy_apirule_is_warned_about(tmp_path):
    issued, dummy, dummy = issue_certificates(job(tmp_path), False)
    dummy, dummy, warnings = present_objects(job(tmp_path, mtls_expose_mode="apirule_v1beta1"), issued, False)
    assert len(warnings) == 1 and "v1beta1" in warnings[0]


def test_a_subject_that_istio_reads_as_a_wildcard_is_refused(tmp_path):
    issued, dummy, dummy = issue_certificates(job(tmp_path), False)
    issued["identities"]["subjects"] = ["CN=*"]  # as a provided certificate could hold it
    with pytest.raises(MtlsError, match=r"authorization_allowed_subjects: 'CN=\*' .* nothing was applied"):
        present_objects(job(tmp_path), issued, False)


def test_a_credential_that_does_not_match_its_key_is_refused(tmp_path):
    issued, dummy, dummy = issue_certificates(job(tmp_path), False)
    issued["server"]["private_key_path"] = str(tmp_path / "client1.key")
    with pytest.raises(MtlsError, match="The gateway credential cannot be used, nothing was applied"):
        present_objects(job(tmp_path), issued, False)


def test_removal_deletes_the_exposures_first_and_shows_no_secret_data(tmp_path):
    objects = absent_objects(job(tmp_path))
    assert kinds(objects) == ["APIRule", "Gateway", "Secret", "Sidecar", "Deployment", "Service", "ServiceAccount"]
    assert "data" not in objects[2]
