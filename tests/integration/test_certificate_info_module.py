"""kyma.mtls.certificate_info in a playbook, on certificates that openssl issued as Kyma's mTLS guide does
(RSA 2048, serial 0, subject given as /O=.../CN=...): the names as Envoy prints them, the fingerprint that
openssl computes, and which certificates expire soon."""

import os
import subprocess

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "certificate_info.yml")


def openssl(*args, cwd):
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True, check=True, cwd=cwd).stdout


@pytest.fixture(scope="module")
def issued_by_openssl(tmp_path_factory):
    pki = str(tmp_path_factory.mktemp("openssl-pki"))
    openssl("req", "-x509", "-sha256", "-nodes", "-days", "365", "-subj", "/O=Example Corp/CN=Corporate Client CA",
            "-newkey", "rsa:2048", "-keyout", "ca.key", "-out", "ca.crt", cwd=pki)
    for name, days in (("team-a", "365"), ("team-b", "20")):
        openssl("req", "-new", "-nodes", "-subj", "/O=Example Corp/CN=%s.example.com" % name, "-newkey", "rsa:2048",
                "-keyout", name + ".key", "-out", name + ".csr", cwd=pki)
        openssl("x509", "-req", "-sha256", "-days", days, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "0",
                "-in", name + ".csr", "-out", name + ".crt", cwd=pki)
    return pki


def test_reads_what_openssl_issued(issued_by_openssl):
    pki = issued_by_openssl
    paths = [os.path.join(pki, name + ".crt") for name in ("team-a", "team-b")]
    run = run_playbook(PLAYBOOK, {"paths": paths, "ca_path": os.path.join(pki, "ca.crt")})
    assert run.returncode == 0, run.stdout[-3000:]
    result = run.tasks()["Read the client certificates and the CA bundle"]
    assert not result["changed"]
    team_a, team_b = result["certificates"]
    assert team_a["subject"] == "CN=team-a.example.com,O=Example Corp"
    assert team_a["issuer"] == "CN=Corporate Client CA,O=Example Corp"
    assert team_a["serial_number"] == 0 and team_a["issued_by_ca"] is True
    fingerprint = openssl("x509", "-in", paths[0], "-noout", "-fingerprint", "-sha256", cwd=pki)
    assert team_a["fingerprint_sha256"] == fingerprint.strip().split("=", 1)[1].replace(":", "").lower()
    assert [entry["subject"] for entry in result["expiring"]] == [team_b["subject"]]
    assert 19 <= result["expiring"][0]["days_left"] <= 20
