"""kyma.mtls.certificate_info: existing certificates read as Envoy and the policies see them, and which expire."""

import datetime

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.info import certificate_info
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_one

NOW = datetime.datetime.now(datetime.timezone.utc)
ISSUANCE = {"key_type": "ec", "curve": "P-256", "key_size": 2048, "renew_before_days": 1, "mode": "0600",
            "force": False, "dns_names": [], "ip_addresses": [], "uris": []}


def issue(tmp_path, name, kind, ca=None, days=365, subject=None, **extra):
    params = dict(ISSUANCE, kind=kind, subject=subject or "/CN=%s" % name, valid_days=days,
                  path=str(tmp_path / (name + ".crt")), private_key_path=str(tmp_path / (name + ".key")),
                  ca_path=None if ca is None else str(tmp_path / (ca + ".crt")),
                  ca_private_key_path=None if ca is None else str(tmp_path / (ca + ".key")), **extra)
    return issue_one(params, False)


@pytest.fixture(name="pki")
def pki_fixture(tmp_path):
    issue(tmp_path, "ca", "ca")
    issue(tmp_path, "other-ca", "ca")
    issue(tmp_path, "client2", "client", "ca", subject="/CN=client2.example.com/O=example")
    issue(tmp_path, "soon", "client", "ca", days=10)
    issue(tmp_path, "gateway", "server", "ca", dns_names=["*.local.kyma.dev"])
    return tmp_path


def test_facts_as_envoy_prints_them(pki):
    issued = issue(pki, "client2", "client", "ca", subject="/CN=client2.example.com/O=example")
    result = certificate_info({"paths": [str(pki / "client2.crt")]}, False)
    [client2] = result["certificates"]
    assert not result["changed"] and "expiring" not in result and "issued_by_ca" not in client2
    assert client2["subject"] == "O=example,CN=client2.example.com" == issued["subject"]
    assert client2["fingerprint_sha256"] == issued["fingerprint_sha256"]
    assert client2["extended_key_usages"] == ["clientAuth"] and client2["kind"] == "client"
    assert client2["source"] == str(pki / "client2.crt") and client2["index"] == 0
    assert 363 <= client2["days_left"] <= 365 and client2["expired"] is False


def test_every_certificate_of_a_file_and_of_content(pki):
    chain = (pki / "gateway.crt").read_text() + (pki / "ca.crt").read_text() + (pki / "client2.key").read_text()
    (pki / "chain.pem").write_text(chain)
    result = certificate_info({"paths": [str(pki / "chain.pem")], "content": (pki / "soon.crt").read_text(),
                               "ca_path": str(pki / "ca.crt")}, False)
    kinds = [(c["source"].rsplit("/", 1)[-1], c["index"], c["kind"], c["issued_by_ca"]) for c in result["certificates"]]
    assert kinds == [("chain.pem", 0, "server", True), ("chain.pem", 1, "ca", True), ("content", 0, "client", True)]
    assert result["certificates"][0]["dns_names"] == ["*.local.kyma.dev"]
    assert "PRIVATE KEY" not in str(result)


def test_issued_by_another_ca(pki):
    result = certificate_info({"paths": [str(pki / "client2.crt")], "ca_path": str(pki / "other-ca.crt")}, False)
    assert result["certificates"][0]["issued_by_ca"] is False


def test_expiring_soonest_first(pki):
    paths = [str(pki / name) for name in ("client2.crt", "soon.crt", "gateway.crt")]
    result = certificate_info({"paths": paths, "expiring_within_days": 30}, False)
    assert [(e["source"], e["expired"]) for e in result["expiring"]] == [(paths[1], False)]
    assert 9 <= result["expiring"][0]["days_left"] <= 10
    later = certificate_info({"paths": paths, "expiring_within_days": 0}, False, NOW + datetime.timedelta(days=11))
    assert [e["source"] for e in later["expiring"]] == [paths[1]] and later["expiring"][0]["expired"] is True
    assert later["expiring"][0]["days_left"] < 0


@pytest.mark.parametrize("params,words", [
    ({"paths": []}, "give paths or content"),
    ({"paths": ["/nonexistent/x.crt"]}, "paths[0] /nonexistent/x.crt does not exist"),
    ({"content": "not PEM"}, "content holds no PEM certificate"),
    ({"content": "x", "expiring_within_days": -1}, "expiring_within_days must be 0 or more"),
])
def test_bad_input_is_named(params, words):
    with pytest.raises(MtlsError) as info:
        certificate_info(params, False)
    assert words in str(info.value)


def test_a_key_file_holds_no_certificate(pki):
    with pytest.raises(MtlsError, match=r"paths entry .*client2.key holds no PEM certificate"):
        certificate_info({"paths": [str(pki / "client2.key")]}, False)
