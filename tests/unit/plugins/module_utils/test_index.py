"""A re-run of certificate_set reuses what the last run found current, and nothing else."""

import json
import os
import stat

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.pki import examine
from ansible_collections.kyma.mtls.plugins.module_utils.pki.index import INDEX_NAME
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import ensure_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import build_spec


def ca_files(folder, name="ca"):
    spec = build_spec({"kind": "ca", "path": str(folder / (name + ".crt")), "private_key_path": str(folder / (name + ".key")),
                       "subject": "/CN=%s" % name, "dns_names": [], "ip_addresses": [], "uris": [], "key_type": "ec",
                       "curve": "P-256", "key_size": 2048, "valid_days": 3650, "renew_before_days": 30, "mode": "0600",
                       "force": False})
    ensure_certificate(spec, None)
    return spec.path, spec.private_key_path


@pytest.fixture
def params(tmp_path):
    ca, key = ca_files(tmp_path)
    return {"kind": "client", "directory": str(tmp_path), "ca_path": ca, "ca_private_key_path": key, "key_type": "ec",
            "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30, "mode": "0600",
            "force": False, "previous": "keep",
            "certificates": [{"name": "c%d" % i, "subject": "/CN=c%d.example.com" % i, "force": None} for i in range(3)]}


@pytest.fixture
def checks(monkeypatch):
    """How many certificates got the full check (parsed and verified)."""
    calls = []
    original = examine.regeneration_reasons

    def counting(*args, **kwargs):
        calls.append(args[0].path)
        return original(*args, **kwargs)
    monkeypatch.setattr("ansible_collections.kyma.mtls.plugins.module_utils.pki.issue.regeneration_reasons", counting)
    return calls


def test_a_rerun_checks_nothing_and_returns_the_same(params, checks):
    first = issue_many(params, False)
    checks.clear()
    again = issue_many(params, False)
    assert not again["changed"] and len(checks) == 0
    for issued, kept in zip(first["certificates"], again["certificates"]):
        assert kept["fingerprint_sha256"] == issued["fingerprint_sha256"] and kept["name"] == issued["name"]
        assert kept["changed"] is False and kept["reasons"] == [] and kept["subject"] == issued["subject"]
    index = os.path.join(params["directory"], INDEX_NAME)
    assert stat.S_IMODE(os.stat(index).st_mode) == 0o600
    with open(index) as handle:
        assert "PRIVATE" not in handle.read()


def test_a_changed_file_or_input_gets_the_full_check(params, checks, tmp_path):
    issue_many(params, False)
    checks.clear()
    os.chmod(tmp_path / "c0.key", 0o644)                       # the key's mode
    with open(tmp_path / "c1.crt", "w") as handle:              # the certificate's content
        handle.write("garbage")
    params["certificates"][2]["subject"] = "/CN=other.example.com"  # what is asked for
    result = issue_many(params, False)
    assert sorted(os.path.basename(p) for p in checks) == ["c0.crt", "c1.crt", "c2.crt"]
    reasons = [r["reasons"] for r in result["certificates"]]
    assert reasons[0] == ["the private key's mode is not 0600"] and "missing or unreadable" in reasons[1][0]
    assert reasons[2] == ["the subject changed"]
    assert stat.S_IMODE(os.stat(tmp_path / "c0.key").st_mode) == 0o600


def test_a_new_ca_gets_every_certificate_checked_and_reissued(params, checks, tmp_path):
    issue_many(params, False)
    os.unlink(params["ca_path"])
    os.unlink(params["ca_private_key_path"])
    ca_files(tmp_path)  # the same name, a new key
    checks.clear()
    result = issue_many(params, False)
    assert len(checks) == 3 and all(r["changed"] for r in result["certificates"])


def test_a_certificate_due_for_renewal_is_renewed(params, checks):
    issue_many(params, False)
    params["renew_before_days"] = 366   # now within the renewal window of every certificate
    params["valid_days"] = 400
    assert all(r["changed"] for r in issue_many(params, False)["certificates"])
    checks.clear()
    assert not issue_many(params, False)["changed"] and checks == []
    index = os.path.join(params["directory"], INDEX_NAME)
    with open(index) as handle:
        entries = json.load(handle)["certificates"]
    path = os.path.join(params["directory"], "c0.crt")
    entries[path]["result"]["not_after"] = "2026-12-01T00:00:00Z"  # recorded as expiring soon
    with open(index, "w") as handle:
        json.dump({"version": 1, "certificates": entries}, handle)
    result = issue_many(params, False)["certificates"]
    assert checks == [path] and not result[0]["changed"]  # checked again; the file itself is current


def test_check_mode_reads_the_index_and_writes_none(params, checks):
    assert issue_many(params, True)["changed"]
    assert not os.path.exists(os.path.join(params["directory"], INDEX_NAME))
    issue_many(params, False)
    checks.clear()
    assert not issue_many(params, True)["changed"] and checks == []


def test_a_forced_item_is_checked_and_renewed(params, checks):
    issue_many(params, False)
    checks.clear()
    params["certificates"][1]["force"] = True
    result = issue_many(params, False)["certificates"]
    assert [r["changed"] for r in result] == [False, True, False] and len(checks) == 1
    assert result[1]["previous"]["path"].endswith("c1.crt.previous")
    params["certificates"][1]["force"] = None
    again = issue_many(params, False)["certificates"]
    assert again[1]["previous"]["fingerprint_sha256"] == result[1]["previous"]["fingerprint_sha256"]


def test_an_unreadable_index_is_ignored(params, checks):
    with open(os.path.join(params["directory"], INDEX_NAME), "w") as handle:
        handle.write("{not json")
    assert issue_many(params, False)["changed"]
    checks.clear()
    assert not issue_many(params, False)["changed"] and checks == []
