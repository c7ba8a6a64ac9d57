"""CA keys protected by a passphrase (ca_private_key_passphrase): written encrypted, read back to sign
certificates and CRLs, an existing plain CA key encrypted in place, and a key that cannot be decrypted
refused rather than replaced."""

import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crl import ensure_crl
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_many, issue_one

PASSPHRASE = "correct horse battery staple"
ISSUANCE = {"key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
            "mode": "0600", "force": False, "dns_names": [], "ip_addresses": [], "uris": []}


def issue(folder, name, kind="client", passphrase=None):
    params = dict(ISSUANCE, kind=kind, subject="/CN=%s" % name, path=str(folder / (name + ".crt")),
                  private_key_path=str(folder / (name + ".key")), ca_private_key_passphrase=passphrase,
                  ca_path=None if kind == "ca" else str(folder / "ca.crt"),
                  ca_private_key_path=None if kind == "ca" else str(folder / "ca.key"))
    return issue_one(params, False)


def read(path):
    with open(str(path), "rb") as handle:
        return handle.read()


def test_a_ca_issued_with_a_passphrase_has_an_encrypted_key_that_signs_with_it(tmp_path):
    assert issue(tmp_path, "ca", "ca", PASSPHRASE)["changed"]
    key = read(tmp_path / "ca.key")
    assert key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") and oct(os.stat(tmp_path / "ca.key").st_mode & 0o777) == "0o600"
    serialization.load_pem_private_key(key, password=PASSPHRASE.encode())  # openssl-compatible PKCS#8
    issue(tmp_path, "client1", passphrase=PASSPHRASE)
    client = x509.load_pem_x509_certificate(read(tmp_path / "client1.crt"))
    client.verify_directly_issued_by(x509.load_pem_x509_certificate(read(tmp_path / "ca.crt")))
    assert read(tmp_path / "client1.key").startswith(b"-----BEGIN PRIVATE KEY-----")  # clients' keys stay plain
    again = issue(tmp_path, "ca", "ca", PASSPHRASE)
    assert not again["changed"] and read(tmp_path / "ca.key") == key


def test_a_missing_or_wrong_passphrase_is_an_error_and_the_key_is_kept(tmp_path):
    issue(tmp_path, "ca", "ca", PASSPHRASE)
    key, certificate = read(tmp_path / "ca.key"), read(tmp_path / "ca.crt")
    with pytest.raises(PkiError, match=r"ca_private_key_path .*ca.key is encrypted: give its passphrase in ca_private_key_passphrase"):
        issue(tmp_path, "client1")
    with pytest.raises(PkiError, match=r"ca_private_key_path .*ca.key cannot be decrypted with ca_private_key_passphrase"):
        issue(tmp_path, "client1", passphrase="wrong")
    with pytest.raises(PkiError, match=r"private_key_path .*ca.key cannot be decrypted"):
        issue(tmp_path, "ca", "ca", "wrong")  # not replaced by a new CA
    assert (read(tmp_path / "ca.key"), read(tmp_path / "ca.crt")) == (key, certificate)
    assert not os.path.exists(tmp_path / "client1.crt")


def test_an_existing_plain_ca_key_is_encrypted_in_place_and_its_certificate_kept(tmp_path):
    issue(tmp_path, "ca", "ca")
    plain, certificate = read(tmp_path / "ca.key"), read(tmp_path / "ca.crt")
    result = issue(tmp_path, "ca", "ca", PASSPHRASE)
    assert result["changed"] and result["reasons"] == ["the private key is not encrypted with ca_private_key_passphrase"]
    assert not result["key_regenerated"] and read(tmp_path / "ca.crt") == certificate
    encrypted = serialization.load_pem_private_key(read(tmp_path / "ca.key"), password=PASSPHRASE.encode())
    assert encrypted.private_numbers() == serialization.load_pem_private_key(plain, None).private_numbers()


def test_a_crl_is_signed_with_an_encrypted_ca_key(tmp_path):
    issue(tmp_path, "ca", "ca", PASSPHRASE)
    issue(tmp_path, "client1", passphrase=PASSPHRASE)
    params = {"path": str(tmp_path / "ca.crl"), "ca_path": str(tmp_path / "ca.crt"), "ca_private_key_path": str(tmp_path / "ca.key"),
              "revoked": [{"path": str(tmp_path / "client1.crt"), "serial_number": None}], "valid_days": 30,
              "renew_before_days": 7, "mode": "0644"}
    with pytest.raises(PkiError, match="is encrypted"):
        ensure_crl(params, False)
    assert ensure_crl(dict(params, ca_private_key_passphrase=PASSPHRASE), False)["changed"]
    crl = x509.load_pem_x509_crl(read(tmp_path / "ca.crl"))
    assert crl.is_signature_valid(x509.load_pem_x509_certificate(read(tmp_path / "ca.crt")).public_key())


def test_certificate_set_encrypts_its_ca_items_and_keeps_the_passphrase_out_of_its_index(tmp_path):
    params = dict(ISSUANCE, kind="client", directory=str(tmp_path), ca_path=None, ca_private_key_path=None,
                  ca_private_key_passphrase=PASSPHRASE, previous="ignore", certificates=[
                      {"name": "ca", "kind": "ca", "subject": "/CN=ClientRootCA"},
                      {"name": "client1", "signed_by": "ca", "subject": "/CN=client1"}])
    assert issue_many(params, False)["changed"]
    assert read(tmp_path / "ca.key").startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert not issue_many(params, False)["changed"]
    stored = b"".join(read(os.path.join(root, name)) for root, dummy, names in os.walk(str(tmp_path)) for name in names)
    assert PASSPHRASE.encode() not in stored
    with pytest.raises(PkiError, match="cannot be decrypted"):
        issue_many(dict(params, ca_private_key_passphrase="wrong", renew=["client1"]), False)
