"""The tutorial's certificates issued by playbooks/tutorial_certificates.yml, read back with openssl."""

import os
import stat
import subprocess

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "playbooks", "tutorial_certificates.yml")
DOMAIN = "mtls.example.test"
FILES = ["ca", "gateway", "client1", "client2"]


def openssl(*args):
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True, check=True).stdout


def x509_text(path, *options):
    return openssl("x509", "-in", path, "-noout", *options)


def public_key_from_cert(path):
    return openssl("x509", "-in", path, "-noout", "-pubkey")


def public_key_from_key(path):
    return openssl("pkey", "-in", path, "-pubout")


def file_state(pki):
    return {name: os.stat(os.path.join(pki, name)).st_mtime_ns for name in sorted(os.listdir(pki))}


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    pki = str(tmp_path_factory.mktemp("pki"))
    run = run_playbook(PLAYBOOK, {"mtls_pki_dir": pki, "mtls_domain": DOMAIN})
    assert run.returncode == 0, run.stdout[-3000:]
    return pki, run


def path(pki, name, ext="crt"):
    return os.path.join(pki, "%s.%s" % (name, ext))


def test_files_and_modes(issued):
    pki = issued[0]
    for name in FILES:
        assert stat.S_IMODE(os.stat(path(pki, name, "key")).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path(pki, name)).st_mode) == 0o644
        assert public_key_from_cert(path(pki, name)) == public_key_from_key(path(pki, name, "key"))
    assert not [f for f in os.listdir(pki) if f.startswith(".")], "temporary files left behind"


def test_ca(issued):
    pki = issued[0]
    text = x509_text(path(pki, "ca"), "-text")
    assert "Subject: O = example Inc., CN = ClientRootCA" in text
    assert "CA:TRUE, pathlen:0" in text
    assert "Certificate Sign, CRL Sign" in text.split("Key Usage: critical")[1].splitlines()[1]
    assert "Extended Key Usage" not in text


def test_server_certificate(issued):
    pki = issued[0]
    text = x509_text(path(pki, "gateway"), "-text")
    assert "DNS:*.%s" % DOMAIN in text
    assert text.split("Extended Key Usage:")[1].splitlines()[1].strip() == "TLS Web Server Authentication"
    assert "Subject Key Identifier" in text and "Authority Key Identifier" in text
    assert openssl("verify", "-CAfile", path(pki, "ca"), path(pki, "gateway")).strip().endswith("OK")


def test_client_certificates(issued):
    pki, run = issued
    clients = run.tasks()["Issue the client certificates"]["certificates"]
    assert [c["name"] for c in clients] == ["client1", "client2"]
    ca_ski = x509_text(path(pki, "ca"), "-ext", "subjectKeyIdentifier").splitlines()[1].strip()
    for client in clients:
        cert = client["path"]
        text = x509_text(cert, "-text")
        assert text.split("Extended Key Usage:")[1].splitlines()[1].strip() == "TLS Web Client Authentication"
        assert "TLS Web Server Authentication" not in text
        assert x509_text(cert, "-ext", "authorityKeyIdentifier").splitlines()[1].strip() == ca_ski
        assert openssl("verify", "-CAfile", path(pki, "ca"), cert).strip().endswith("OK")
        # Returned facts against openssl's own reading of the file.
        assert x509_text(cert, "-subject", "-nameopt", "RFC2253").strip() == "subject=" + client["subject"]
        assert x509_text(cert, "-issuer", "-nameopt", "RFC2253").strip() == "issuer=CN=ClientRootCA,O=example Inc."
        fingerprint = x509_text(cert, "-fingerprint", "-sha256").strip().split("=", 1)[1]
        assert fingerprint.replace(":", "").lower() == client["fingerprint_sha256"]
        assert int(x509_text(cert, "-serial").strip().split("=")[1], 16) == client["serial_number"]
        not_after = x509_text(cert, "-enddate", "-dateopt", "iso_8601").strip().split("=")[1]
        assert not_after.replace(" ", "T") == client["not_after"]
    assert clients[1]["subject"] == "O=example,CN=client2.example.com"


def test_second_run_changes_nothing(issued):
    pki = issued[0]
    before = file_state(pki)
    run = run_playbook(PLAYBOOK, {"mtls_pki_dir": pki, "mtls_domain": DOMAIN})
    assert run.returncode == 0 and run.changed() == 0, run.tasks()
    assert file_state(pki) == before


def test_check_mode_on_converged_files_reports_nothing(issued):
    pki = issued[0]
    run = run_playbook(PLAYBOOK, {"mtls_pki_dir": pki, "mtls_domain": DOMAIN}, check=True, diff=True)
    assert run.returncode == 0 and run.changed() == 0


def test_shorter_renewal_window_renews_and_keeps_keys(issued):
    pki = issued[0]
    keys = {name: public_key_from_key(path(pki, name, "key")) for name in FILES}
    serials = {name: x509_text(path(pki, name), "-serial") for name in FILES}
    # Issued for 365 days; a 365-day renewal window (with a longer validity) must renew them now.
    run = run_playbook(PLAYBOOK, {"mtls_pki_dir": pki, "mtls_domain": DOMAIN,
                                  "mtls_valid_days": 400, "mtls_renew_before_days": 365})
    assert run.returncode == 0
    tasks = run.tasks()
    assert not tasks["Issue the client root CA"]["changed"]
    assert tasks["Issue the gateway's server certificate"]["reasons"] == ["it expires within renew_before_days (365)"]
    assert all(c["changed"] and not c["key_regenerated"] for c in tasks["Issue the client certificates"]["certificates"])
    for name in ["gateway", "client1", "client2"]:
        assert x509_text(path(pki, name), "-serial") != serials[name]
        assert public_key_from_key(path(pki, name, "key")) == keys[name]


def test_check_and_diff_on_fresh_directory_write_nothing_and_show_no_keys(tmp_path):
    pki = str(tmp_path / "pki")
    os.mkdir(pki)
    run = run_playbook(PLAYBOOK, {"mtls_pki_dir": pki, "mtls_domain": DOMAIN}, check=True, diff=True)
    assert run.returncode == 0, run.stdout[-2000:]
    tasks = run.tasks()
    assert tasks["Issue the client root CA"]["diff"]["after"]["subject"] == "CN=ClientRootCA,O=example Inc."
    server = tasks["Issue the gateway's server certificate"]
    assert server["changed"] and server["reasons"] == ["the CA in %s/ca.crt does not exist yet" % pki]
    assert server["diff"]["after"]["dns_names"] == ["*." + DOMAIN]
    clients = tasks["Issue the client certificates"]
    assert [c["subject"] for c in clients["certificates"]] == [
        "O=example,CN=client1.example.com", "O=example,CN=client2.example.com"]
    assert os.listdir(pki) == []
    assert "PRIVATE KEY" not in run.stdout
