"""The certificate life cycle on real files: issue, keep, renew, repair, refuse."""

import datetime
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import ensure_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_signer
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import build_spec

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.timezone.utc)


def spec_for(tmp_path, name, **overrides):
    params = {
        "kind": "client", "path": str(tmp_path / (name + ".crt")), "private_key_path": str(tmp_path / (name + ".key")),
        "subject": "/CN=%s.example.com/O=example" % name, "dns_names": [], "ip_addresses": [], "uris": [],
        "key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
        "mode": "0600", "force": False,
    }
    params.update(overrides)
    return build_spec(params)


@pytest.fixture
def ca(tmp_path):
    spec = spec_for(tmp_path, "ca", kind="ca", subject="/O=example Inc./CN=ClientRootCA", valid_days=3650)
    ensure_certificate(spec, None, now=NOW)
    return load_signer(spec.path, spec.private_key_path, now=NOW)


def read_cert(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def public_key_of(path):
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), None)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def snapshot(*paths):
    return [(os.stat(p).st_ino, os.stat(p).st_mtime_ns) for p in paths]


def test_issue_then_keep(tmp_path, ca):
    spec = spec_for(tmp_path, "client2", uris=["spiffe://example.com/client2"])
    first = ensure_certificate(spec, ca, now=NOW)
    assert first["changed"] and first["key_regenerated"]
    assert first["subject"] == "O=example,CN=client2.example.com"
    assert first["issuer"] == "CN=ClientRootCA,O=example Inc."
    assert stat.S_IMODE(os.stat(spec.private_key_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(spec.path).st_mode) == 0o644
    before = snapshot(spec.path, spec.private_key_path)

    second = ensure_certificate(spec, ca, now=NOW + datetime.timedelta(days=1))
    assert not second["changed"] and second["reasons"] == []
    assert second["fingerprint_sha256"] == first["fingerprint_sha256"]
    assert snapshot(spec.path, spec.private_key_path) == before
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []


def test_renewal_window_renews_and_keeps_the_key(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    first = ensure_certificate(spec, ca, now=NOW)
    key_before = public_key_of(spec.private_key_path)
    renewed = ensure_certificate(spec, ca, now=NOW + datetime.timedelta(days=340))
    assert renewed["changed"] and not renewed["key_regenerated"]
    assert renewed["reasons"] == ["it expires within renew_before_days (30)"]
    assert renewed["serial_number"] != first["serial_number"]
    assert public_key_of(spec.private_key_path) == key_before


def test_expired_certificate_is_reissued(tmp_path, ca):
    spec = spec_for(tmp_path, "c", valid_days=2, renew_before_days=0)
    ensure_certificate(spec, ca, now=NOW)
    assert ensure_certificate(spec, ca, now=NOW + datetime.timedelta(days=3))["reasons"] == ["it has expired"]


@pytest.mark.parametrize("change,reason,new_key", [
    ({"subject": "/CN=other"}, "the subject changed", False),
    ({"uris": ["spiffe://x/y"]}, "the subject alternative names changed", False),
    ({"kind": "server", "dns_names": ["a.example.com"]}, "the kind", False),
    ({"key_type": "rsa"}, "the key type changed", True),
    ({"curve": "P-384"}, "the key type changed", True),
    ({"force": True}, "force is set", True),
])
def test_changes_that_reissue(tmp_path, ca, change, reason, new_key):
    ensure_certificate(spec_for(tmp_path, "c"), ca, now=NOW)
    key_before = public_key_of(str(tmp_path / "c.key"))
    result = ensure_certificate(spec_for(tmp_path, "c", **change), ca, now=NOW)
    assert result["changed"] and any(r.startswith(reason) for r in result["reasons"]), result["reasons"]
    assert result["key_regenerated"] is new_key
    assert (public_key_of(str(tmp_path / "c.key")) != key_before) is new_key


def test_new_ca_reissues(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    ensure_certificate(spec, ca, now=NOW)
    other = spec_for(tmp_path, "other-ca", kind="ca", subject="/CN=Other CA")
    ensure_certificate(other, None, now=NOW)
    result = ensure_certificate(spec, load_signer(other.path, other.private_key_path, now=NOW), now=NOW)
    assert "it is not signed by the CA in " + other.path in result["reasons"]
    assert result["issuer"] == "CN=Other CA"


def test_garbage_files_are_replaced(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    (tmp_path / "c.crt").write_text("not a certificate")
    (tmp_path / "c.key").write_text("not a key")
    result = ensure_certificate(spec, ca, now=NOW)
    assert result["changed"] and result["key_regenerated"]
    assert read_cert(spec.path).subject.rfc4514_string() == "O=example,CN=c.example.com"


def test_key_that_does_not_match_is_reissued_for_the_key_on_disk(tmp_path, ca):
    ensure_certificate(spec_for(tmp_path, "a"), ca, now=NOW)
    ensure_certificate(spec_for(tmp_path, "b"), ca, now=NOW)
    os.replace(tmp_path / "b.key", tmp_path / "a.key")
    result = ensure_certificate(spec_for(tmp_path, "a"), ca, now=NOW)
    assert result["reasons"] == ["the private key does not match the certificate"]
    assert not result["key_regenerated"]
    assert read_cert(str(tmp_path / "a.crt")).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public_key_of(str(tmp_path / "a.key"))


def test_key_mode_is_repaired_without_reissuing(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    first = ensure_certificate(spec, ca, now=NOW)
    os.chmod(spec.private_key_path, 0o644)
    result = ensure_certificate(spec, ca, now=NOW)
    assert result["changed"] and result["reasons"] == ["the private key's mode is not 0600"]
    assert result["fingerprint_sha256"] == first["fingerprint_sha256"]
    assert stat.S_IMODE(os.stat(spec.private_key_path).st_mode) == 0o600


def test_check_mode_writes_nothing_and_diff_has_no_key(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    result = ensure_certificate(spec, ca, check_mode=True, now=NOW)
    assert result["changed"]
    assert not os.path.exists(spec.path) and not os.path.exists(spec.private_key_path)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["subject"] == "O=example,CN=c.example.com"
    assert "PRIVATE" not in repr(result)


def test_missing_directory_fails_before_writing(tmp_path, ca):
    spec = spec_for(tmp_path, "c", path=str(tmp_path / "nope" / "c.crt"))
    with pytest.raises(PkiError, match="the directory of path .* does not exist"):
        ensure_certificate(spec, ca, now=NOW)
    assert not os.path.exists(spec.private_key_path)


def test_path_that_is_a_directory_is_refused(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    os.mkdir(spec.path)
    with pytest.raises(PkiError, match="cannot read path .*: Is a directory"):
        ensure_certificate(spec, ca, now=NOW)
    assert not os.path.exists(spec.private_key_path)


def test_failed_move_leaves_no_temporary_files_and_heals(tmp_path, ca, monkeypatch):
    spec = spec_for(tmp_path, "c")
    real_replace = os.replace

    def replace_failing_on_certificate(src, dst):
        if dst == spec.path:
            raise OSError(28, "No space left on device", dst)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_failing_on_certificate)
    with pytest.raises(PkiError, match="cannot write .*c.crt: No space left on device"):
        ensure_certificate(spec, ca, now=NOW)
    assert sorted(os.listdir(tmp_path)) == ["c.key", "ca.crt", "ca.key"]
    monkeypatch.setattr(os, "replace", real_replace)
    healed = ensure_certificate(spec, ca, now=NOW)
    assert healed["changed"] and not healed["key_regenerated"]


def test_signed_certificate_never_outlives_its_ca(tmp_path, ca):
    result = ensure_certificate(spec_for(tmp_path, "c", valid_days=20000), ca, now=NOW)
    assert result["not_after"] == ca.certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


class TestSigner:
    def test_not_a_ca(self, tmp_path, ca):
        leaf = spec_for(tmp_path, "leaf")
        ensure_certificate(leaf, ca, now=NOW)
        with pytest.raises(PkiError, match="is not a CA certificate"):
            load_signer(leaf.path, leaf.private_key_path, now=NOW)

    def test_key_of_another_ca(self, tmp_path, ca):
        other = spec_for(tmp_path, "other", kind="ca", subject="/CN=Other")
        ensure_certificate(other, None, now=NOW)
        with pytest.raises(PkiError, match="does not match the certificate in ca_path"):
            load_signer(ca.path, other.private_key_path, now=NOW)

    def test_missing_and_unreadable(self, tmp_path, ca):
        with pytest.raises(PkiError, match="ca_path .* does not exist"):
            load_signer(str(tmp_path / "missing.crt"), str(tmp_path / "ca.key"))
        (tmp_path / "junk.crt").write_text("junk")
        with pytest.raises(PkiError, match="does not contain a PEM certificate"):
            load_signer(str(tmp_path / "junk.crt"), str(tmp_path / "ca.key"))
        with pytest.raises(PkiError, match="does not contain a PEM private key"):
            load_signer(ca.path, str(tmp_path / "junk.crt"), now=NOW)

    def test_expired_ca(self, ca):
        with pytest.raises(PkiError, match="expired on"):
            load_signer(ca.path, str(ca.path)[:-4] + ".key", now=NOW + datetime.timedelta(days=4000))


def test_check_mode_reports_the_certificate_it_would_issue(tmp_path, ca):
    spec = spec_for(tmp_path, "c")
    ensure_certificate(spec, ca, now=NOW)
    before = open(spec.path).read()
    planned = ensure_certificate(spec_for(tmp_path, "c", subject="/CN=renamed"), ca, check_mode=True, now=NOW)
    assert planned["changed"] and planned["reasons"] == ["the subject changed"]
    assert planned["subject"] == "CN=renamed" and planned["fingerprint_sha256"] == "(known after apply)"
    assert planned["diff"]["before"]["subject"] == "O=example,CN=c.example.com"
    assert open(spec.path).read() == before


def test_previous_keep_holds_the_replaced_certificate_until_retired(tmp_path, ca):
    first = ensure_certificate(spec_for(tmp_path, "client2", previous="keep"), ca, now=NOW)
    assert "previous" not in first and not os.path.exists(first["path"] + ".previous")
    renewed = ensure_certificate(spec_for(tmp_path, "client2", previous="keep", force=True), ca, now=NOW)
    assert renewed["previous"]["fingerprint_sha256"] == first["fingerprint_sha256"]
    assert renewed["fingerprint_sha256"] != first["fingerprint_sha256"]
    assert stat.S_IMODE(os.stat(first["path"] + ".previous").st_mode) == 0o644
    with open(first["path"] + ".previous", "rb") as handle:
        assert b"PRIVATE KEY" not in handle.read()
    # Reported again by the next, idempotent run, so a pin on it survives re-runs.
    again = ensure_certificate(spec_for(tmp_path, "client2", previous="keep"), ca, now=NOW)
    assert not again["changed"] and again["previous"]["fingerprint_sha256"] == first["fingerprint_sha256"]
    # ignore neither reports nor touches it; retire deletes it, once.
    assert "previous" not in ensure_certificate(spec_for(tmp_path, "client2"), ca, now=NOW)
    check = ensure_certificate(spec_for(tmp_path, "client2", previous="retire"), ca, check_mode=True, now=NOW)
    assert check["changed"] and os.path.exists(first["path"] + ".previous")
    retired = ensure_certificate(spec_for(tmp_path, "client2", previous="retire"), ca, now=NOW)
    assert retired["changed"] and "retired" in retired["reasons"][0]
    assert not os.path.exists(first["path"] + ".previous")
    assert not ensure_certificate(spec_for(tmp_path, "client2", previous="retire"), ca, now=NOW)["changed"]


def test_previous_keep_in_check_mode_reports_what_would_be_kept(tmp_path, ca):
    first = ensure_certificate(spec_for(tmp_path, "client2", previous="keep"), ca, now=NOW)
    check = ensure_certificate(spec_for(tmp_path, "client2", previous="keep", force=True), ca, check_mode=True, now=NOW)
    assert check["previous"]["fingerprint_sha256"] == first["fingerprint_sha256"]
    assert not os.path.exists(first["path"] + ".previous")


def test_one_item_of_a_set_renewed_by_its_own_force(tmp_path, ca):
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many
    params = {"kind": "client", "directory": str(tmp_path), "ca_path": ca.path, "ca_private_key_path": str(tmp_path / "ca.key"),
              "key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
              "mode": "0600", "force": False, "previous": "keep",
              "certificates": [{"name": "client1", "subject": "/CN=client1", "force": None},
                               {"name": "client2", "subject": "/CN=client2", "force": None}]}
    first = issue_many(params, False)["certificates"]
    params["certificates"][1]["force"] = True
    second = issue_many(params, False)["certificates"]
    assert [r["changed"] for r in second] == [False, True]
    assert second[1]["previous"]["fingerprint_sha256"] == first[1]["fingerprint_sha256"]
    assert "previous" not in second[0]
