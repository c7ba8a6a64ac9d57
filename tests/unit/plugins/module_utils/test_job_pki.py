"""The main job's certificates in the controller's process (module_utils/job_pki.py): the items and
options that kyma.mtls.certificate_set's argument validation would give, the role's defaults, and the
certificates role's steps (rotation refusal, CRLs, removal) on real files."""

import os

import pytest
import yaml
from cryptography import x509
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.job_pki import (
    DEFAULTS, _authorities, _certificate_set_params, certificate_set_item, issue_certificates, remove_certificates)
from ansible_collections.kyma.mtls.plugins.module_utils.pki.arguments import certificate_set_argument_spec

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def job(folder, **values):
    job_values = {"mtls_pki_dir": str(folder), "mtls_domain": "example.com", "mtls_renew": [], "mtls_retire_previous": False,
                  "mtls_client_ca_rollover": "none", "mtls_revoked_clients": [], "mtls_allowed_clients": ["client2"],
                  "mtls_clients": [{"name": "client1", "subject": "/CN=client1.example.com/O=example"},
                                   {"name": "client2", "subject": "/CN=client2.example.com/O=example"}]}
    job_values.update(values)
    return job_values


@pytest.mark.parametrize("rollover, renew", [("none", []), ("start", ["server", "client1"]), ("finish", [])])
def test_the_parameters_are_what_the_modules_argument_validation_makes_of_them(tmp_path, rollover, renew):
    """The index digests each item and the shared options: a difference would check every certificate
    again, and a run of the role after a run of the job would not find its own records."""
    params = _certificate_set_params(job(tmp_path, mtls_client_ca_rollover=rollover, mtls_renew=renew),
                                     _authorities(rollover), "client-ca")
    raw = dict(params, certificates=[{k: v for k, v in item.items() if v is not None and v != []}
                                     for item in params["certificates"]])
    validated = ArgumentSpecValidator(certificate_set_argument_spec()).validate(raw)
    assert validated.error_messages == []
    assert validated.validated_parameters == params


def test_an_item_gets_every_option_of_the_module():
    item = certificate_set_item({"name": "c", "subject": "/CN=c"})
    assert item["dns_names"] == [] and item["path"] is None and item["force"] is None and set(item) == set(
        certificate_set_argument_spec()["certificates"]["options"])


def test_the_defaults_are_the_certificates_roles():
    with open(os.path.join(REPO, "roles", "certificates", "defaults", "main.yml")) as handle:
        role = yaml.safe_load(handle)
    assert {name: role["certificates_" + name] for name in DEFAULTS} == DEFAULTS


def test_the_certificates_are_issued_once_and_the_allowed_ones_identified(tmp_path):
    issued, changed, diffs = issue_certificates(job(tmp_path), False)
    assert changed and diffs
    assert issued["server"]["path"] == str(tmp_path / "gateway.crt") and issued["client_ca"]["path"] == str(tmp_path / "client-ca.crt")
    assert issued["identities"]["subjects"] == ["O=example,CN=client2.example.com"]
    assert len(issued["identities"]["fingerprints"]) == 1 and issued["client_crl"] == {}
    assert oct(os.stat(tmp_path / "client1.key").st_mode & 0o777) == "0o600"
    again, changed, diffs = issue_certificates(job(tmp_path), False)
    assert not changed and not diffs and again["identities"] == issued["identities"]


def test_a_revocation_gets_a_crl_and_none_removes_it(tmp_path):
    issue_certificates(job(tmp_path), False)
    issued, changed, dummy = issue_certificates(job(tmp_path, mtls_revoked_clients=["client1"]), False)
    assert changed and issued["client_crl"]["path"] == str(tmp_path / "client-ca.crl")
    serial = x509.load_pem_x509_certificate((tmp_path / "client1.crt").read_bytes()).serial_number
    assert issued["client_crl"]["revoked"] == [serial] and issued["client_crl_extra"] == []
    checked, changed, dummy = issue_certificates(job(tmp_path), True)
    assert changed and os.path.exists(tmp_path / "client-ca.crl")  # check mode: still there
    dummy, changed, dummy = issue_certificates(job(tmp_path), False)
    assert changed and not os.path.exists(tmp_path / "client-ca.crl")


def test_a_rollover_under_way_is_not_forgotten_and_finish_promotes_the_new_ca(tmp_path):
    started, dummy, dummy = issue_certificates(job(tmp_path, mtls_client_ca_rollover="start"), False)
    assert started["client_ca"]["path"] == str(tmp_path / "client-ca.next.crt")
    assert started["client_ca_extra"] == [str(tmp_path / "client-ca.crt")]
    with pytest.raises(MtlsError, match="A client CA rollover is under way"):
        issue_certificates(job(tmp_path), False)
    new_ca = (tmp_path / "client-ca.next.crt").read_bytes()
    finished, changed, dummy = issue_certificates(job(tmp_path, mtls_client_ca_rollover="finish"), False)
    assert changed and (tmp_path / "client-ca.crt").read_bytes() == new_ca and not os.path.exists(tmp_path / "client-ca.next.crt")
    assert oct(os.stat(tmp_path / "client-ca.key").st_mode & 0o777) == "0o600"
    assert finished["client_ca_extra"] == []


def test_removal_deletes_the_issued_files_and_then_finds_nothing(tmp_path):
    issue_certificates(job(tmp_path), False)
    (tmp_path / "mine.txt").write_text("not the job's")
    assert remove_certificates(job(tmp_path), True) and os.path.exists(tmp_path / "client1.key")
    assert remove_certificates(job(tmp_path), False)
    assert sorted(os.listdir(tmp_path)) == ["mine.txt"]
    assert not remove_certificates(job(tmp_path), False)
