"""The CRL of kyma.mtls.crl: issued, kept, renewed, and refusing certificates of another CA."""

import datetime
import os

import pytest
from cryptography import x509

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crl import ensure_crl
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_one

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc)
ISSUANCE = {"key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
            "mode": "0600", "force": False, "dns_names": [], "ip_addresses": [], "uris": []}


def issue(tmp_path, name, kind="client", ca="ca"):
    params = dict(ISSUANCE, kind=kind, subject="/CN=%s" % name, path=str(tmp_path / (name + ".crt")),
                  private_key_path=str(tmp_path / (name + ".key")),
                  ca_path=None if kind == "ca" else str(tmp_path / (ca + ".crt")),
                  ca_private_key_path=None if kind == "ca" else str(tmp_path / (ca + ".key")))
    return issue_one(params, False)


@pytest.fixture
def pki(tmp_path):
    issue(tmp_path, "ca", "ca")
    issue(tmp_path, "client1")
    issue(tmp_path, "client2")
    return tmp_path


def params(pki, *revoked, **extra):
    return dict({"path": str(pki / "ca.crl"), "ca_path": str(pki / "ca.crt"), "ca_private_key_path": str(pki / "ca.key"),
                 "revoked": [{"path": str(pki / (name + ".crt")), "serial_number": None} for name in revoked],
                 "valid_days": 30, "renew_before_days": 7, "mode": "0644"}, **extra)


def serials(path):
    return sorted(r.serial_number for r in x509.load_pem_x509_crl(open(path, "rb").read()))


def test_issue_keep_and_change(pki):
    first = ensure_crl(params(pki, "client1"), False, NOW)
    client1 = x509.load_pem_x509_certificate(open(pki / "client1.crt", "rb").read()).serial_number
    assert first["changed"] and first["crl_number"] == 1 and serials(first["path"]) == [client1]
    assert oct(os.stat(first["path"]).st_mode & 0o777) == "0o644"
    mtime = os.stat(first["path"]).st_mtime_ns
    again = ensure_crl(params(pki, "client1"), False, NOW + datetime.timedelta(days=1))
    assert not again["changed"] and os.stat(first["path"]).st_mtime_ns == mtime
    more = ensure_crl(params(pki, "client1", "client2"), False, NOW + datetime.timedelta(days=2))
    assert more["changed"] and more["crl_number"] == 2 and more["reasons"] == ["the revoked certificates changed"]
    revoked = {r.serial_number: r.revocation_date_utc for r in x509.load_pem_x509_crl(open(more["path"], "rb").read())}
    assert revoked[client1] == NOW.replace(microsecond=0)  # the first revocation keeps its date


def test_renewed_before_next_update(pki):
    ensure_crl(params(pki, "client1"), False, NOW)
    late = ensure_crl(params(pki, "client1"), False, NOW + datetime.timedelta(days=24))
    assert late["changed"] and late["reasons"] == ["its nextUpdate is within renew_before_days"]


def test_check_mode_writes_nothing(pki):
    result = ensure_crl(params(pki, "client1"), True, NOW)
    assert result["changed"] and not os.path.exists(result["path"])
    assert result["diff"]["before"] == {} and len(result["diff"]["after"]["revoked"]) == 1


def test_a_certificate_of_another_ca_is_refused(pki, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    issue(other, "ca", "ca")
    issue(other, "stranger")
    bad = params(pki)
    bad["revoked"] = [{"path": str(other / "stranger.crt"), "serial_number": None}]
    with pytest.raises(MtlsError) as info:
        ensure_crl(bad, False, NOW)
    assert "was not issued by the CA" in str(info.value)
    assert not os.path.exists(pki / "ca.crl")


def test_by_serial_and_bad_entries(pki):
    result = ensure_crl(params(pki, revoked=[{"path": None, "serial_number": 42}]), False, NOW)
    assert serials(result["path"]) == [42]
    with pytest.raises(MtlsError) as info:
        ensure_crl(params(pki, revoked=[{"path": None, "serial_number": None}]), False, NOW)
    assert "give exactly one of path or serial_number" in str(info.value)
    with pytest.raises(MtlsError):
        ensure_crl(params(pki, valid_days=5, renew_before_days=5), False, NOW)


def test_revoked_paths_are_revoked_with_the_entries(pki, tmp_path_factory):
    client = {name: x509.load_pem_x509_certificate(open(pki / (name + ".crt"), "rb").read()).serial_number
              for name in ("client1", "client2")}
    both = ensure_crl(params(pki, "client1", revoked_paths=[str(pki / "client2.crt")]), False, NOW)
    assert serials(both["path"]) == sorted(client.values())
    # The same set given only by paths is the same CRL.
    again = ensure_crl(params(pki, revoked_paths=[str(pki / "client1.crt"), str(pki / "client2.crt")]), False, NOW)
    assert not again["changed"]
    other = tmp_path_factory.mktemp("other")
    issue(other, "ca", "ca")
    issue(other, "stranger")
    with pytest.raises(MtlsError, match=r"revoked_paths\[1\] .*stranger.crt was not issued by the CA"):
        ensure_crl(params(pki, revoked_paths=[str(pki / "client1.crt"), str(other / "stranger.crt")]), False, NOW)
