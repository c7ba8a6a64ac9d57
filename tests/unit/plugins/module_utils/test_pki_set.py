"""A whole PKI in one certificate_set run: CA items, and items signed by a CA item before them."""

import os

import pytest
from cryptography import x509

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki import runner
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many


def pki(folder, **task):
    params = {"kind": "client", "directory": str(folder), "ca_path": None, "ca_private_key_path": None,
              "key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
              "mode": "0600", "force": False, "previous": "keep", "certificates": [
                  {"name": "server-ca", "kind": "ca", "subject": "/CN=ServerRootCA", "valid_days": 3650, "previous": "ignore"},
                  {"name": "client-ca", "kind": "ca", "subject": "/CN=ClientRootCA", "valid_days": 3650, "previous": "ignore"},
                  {"name": "gateway", "kind": "server", "signed_by": "server-ca", "subject": "/CN=*.example.com",
                   "dns_names": ["*.example.com"], "previous": "ignore"},
                  {"name": "client1", "signed_by": "client-ca", "subject": "/CN=client1.example.com"},
                  {"name": "client2", "signed_by": "client-ca", "subject": "/CN=client2.example.com"}]}
    params.update(task)
    return params


def certificate(folder, name):
    with open(os.path.join(str(folder), name + ".crt"), "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def test_one_run_issues_the_cas_and_what_they_sign(tmp_path):
    result = issue_many(pki(tmp_path), False)
    by_name = {r["name"]: r for r in result["certificates"]}
    assert result["changed"] and all(r["changed"] for r in by_name.values())
    assert by_name["server-ca"]["kind"] == "ca" and by_name["gateway"]["kind"] == "server"
    certificate(tmp_path, "gateway").verify_directly_issued_by(certificate(tmp_path, "server-ca"))
    certificate(tmp_path, "client2").verify_directly_issued_by(certificate(tmp_path, "client-ca"))
    days = (certificate(tmp_path, "client-ca").not_valid_after_utc - certificate(tmp_path, "client-ca").not_valid_before_utc).days
    assert days == 3650  # the item's valid_days, not the task's
    assert not issue_many(pki(tmp_path), False)["changed"]


def test_a_ca_issued_again_takes_what_it_signs_along_in_the_same_run(tmp_path):
    """A new CA key: the recorded clients no longer verify against it and are issued again."""
    issue_many(pki(tmp_path), False)
    before = certificate(tmp_path, "client1").fingerprint(certificate(tmp_path, "client1").signature_hash_algorithm)
    os.unlink(tmp_path / "client-ca.crt")
    os.unlink(tmp_path / "client-ca.key")
    result = {r["name"]: r for r in issue_many(pki(tmp_path), False)["certificates"]}
    assert [n for n, r in result.items() if r["changed"]] == ["client-ca", "client1", "client2"]
    certificate(tmp_path, "client1").verify_directly_issued_by(certificate(tmp_path, "client-ca"))
    assert certificate(tmp_path, "client1").fingerprint(certificate(tmp_path, "client1").signature_hash_algorithm) != before


def test_check_mode_on_an_empty_folder_writes_nothing(tmp_path):
    result = issue_many(pki(tmp_path), True)
    assert all(r["changed"] for r in result["certificates"]) and os.listdir(tmp_path) == []


@pytest.mark.parametrize("change,words", [
    ({3: {"signed_by": "gateway"}}, "signed_by 'gateway' names no CA item before this one"),
    ({2: {"signed_by": "client1"}}, "signed_by 'client1' names no CA item before this one"),
    ({0: {"signed_by": "client-ca"}}, "a CA is self-signed and takes no signed_by"),
    ({4: {"signed_by": None}}, "needs signed_by"),
])
def test_a_bad_signer_fails_before_anything_is_written(tmp_path, change, words):
    params = pki(tmp_path)
    for position, override in change.items():
        params["certificates"][position].update(override)
    with pytest.raises(PkiError, match=words):
        issue_many(params, False)
    assert os.listdir(tmp_path) == []


def test_directory_mode_creates_the_folder_and_keeps_its_mode(tmp_path):
    folder = tmp_path / "pki"
    params = pki(folder, directory_mode="0700")
    assert issue_many(params, True)["changed"] and not folder.exists()  # check mode creates nothing
    issue_many(params, False)
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    os.chmod(folder, 0o755)
    assert issue_many(params, False)["changed"] and oct(os.stat(folder).st_mode & 0o777) == "0o700"
    assert not issue_many(params, False)["changed"]


def test_the_task_signed_by_signs_every_item_without_its_own_but_not_the_cas(tmp_path):
    params = pki(tmp_path, signed_by="client-ca")
    for item in params["certificates"][3:]:
        del item["signed_by"]
    issue_many(params, False)
    certificate(tmp_path, "client1").verify_directly_issued_by(certificate(tmp_path, "client-ca"))
    certificate(tmp_path, "gateway").verify_directly_issued_by(certificate(tmp_path, "server-ca"))
    certificate(tmp_path, "server-ca").verify_directly_issued_by(certificate(tmp_path, "server-ca"))


def test_renew_issues_the_named_items_again_with_new_keys(tmp_path):
    issue_many(pki(tmp_path), False)
    key = (tmp_path / "client1.key").read_bytes()
    result = {r["name"]: r for r in issue_many(pki(tmp_path, renew=["client1"]), False)["certificates"]}
    assert [n for n, r in result.items() if r["changed"]] == ["client1"]
    assert (tmp_path / "client1.key").read_bytes() != key
    assert result["client1"]["previous"]["path"].endswith("client1.crt.previous")


def test_renew_of_an_unknown_name_fails_before_anything_is_written(tmp_path):
    with pytest.raises(PkiError, match="renew names no item of certificates: nobody"):
        issue_many(pki(tmp_path, renew=["client1", "nobody"]), False)
    assert os.listdir(tmp_path) == []


def test_brief_results_hold_the_cas_the_server_and_the_clients_that_changed(tmp_path):
    first = issue_many(pki(tmp_path, results="brief"), False)
    assert [r["name"] for r in first["certificates"]] == ["server-ca", "client-ca", "gateway", "client1", "client2"]
    again = issue_many(pki(tmp_path, results="brief"), False)
    assert [r["name"] for r in again["certificates"]] == ["server-ca", "client-ca", "gateway"] and not again["changed"]
    renewed = issue_many(pki(tmp_path, results="brief", renew=["client2"]), False)
    assert [r["name"] for r in renewed["certificates"]] == ["server-ca", "client-ca", "gateway", "client2"]
    # The arguments come back without the items: at thousands of them, Ansible would carry them all again.
    assert renewed["invocation"]["module_args"]["certificates"] == "5 items"
    assert "invocation" not in issue_many(pki(tmp_path), False)


def test_identities_of_are_what_the_allow_list_pins_in_the_order_asked(tmp_path):
    full = {r["name"]: r for r in issue_many(pki(tmp_path), False)["certificates"]}
    result = issue_many(pki(tmp_path, identities_of=["client2", "client1"], results="brief"), False)
    assert result["identities"] == {"subjects": ["CN=client2.example.com", "CN=client1.example.com"],
                                    "fingerprints": [full["client2"]["fingerprint_sha256"], full["client1"]["fingerprint_sha256"]]}
    renewed = issue_many(pki(tmp_path, identities_of=["client2"], renew=["client2"]), False)
    new = renewed["certificates"][4]["fingerprint_sha256"]
    # The replaced certificate stays pinned (previous=keep) until it is retired.
    assert renewed["identities"]["fingerprints"] == [new, full["client2"]["fingerprint_sha256"]]
    assert "identities" not in issue_many(pki(tmp_path), False)


def test_identities_of_an_unknown_name_fail_before_anything_is_written(tmp_path):
    with pytest.raises(PkiError, match="identities_of names no item of certificates: nobody"):
        issue_many(pki(tmp_path, identities_of=["client1", "nobody"]), False)
    assert os.listdir(tmp_path) == []


def test_results_and_identities_of_keep_the_recorded_certificates_current(tmp_path, monkeypatch):
    """They say what to return, not what to issue: the index still spares every certificate its check."""
    issue_many(pki(tmp_path), False)
    checked = []
    monkeypatch.setattr(runner, "build_spec", lambda options: checked.append(options["path"]))
    again = issue_many(pki(tmp_path, results="brief", identities_of=["client1"]), False)
    assert not again["changed"] and again["identities"]["subjects"] == ["CN=client1.example.com"] and checked == []
