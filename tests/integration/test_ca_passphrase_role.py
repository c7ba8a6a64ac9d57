"""kyma.mtls.certificates with certificates_ca_private_key_passphrase, run by ansible-playbook: the CA keys
encrypted (openssl reads them with the passphrase only), the gateway's and the clients' keys plain, a CRL
signed with the encrypted key, a second run unchanged, a wrong passphrase refused with every file kept, and
the passphrase in no output."""

import os
import subprocess

import pytest

from tests.support.playbooks import REPO, run_playbook

ROLE_ALONE = os.path.join(REPO, "tests", "integration", "playbooks", "role_alone.yml")
PASSPHRASE = "a passphrase from the vault"
CLIENTS = [{"name": "client1", "subject": "/CN=client1.example.com/O=example"},
           {"name": "client2", "subject": "/CN=client2.example.com/O=example"}]


def role(pki, passphrase, **variables):
    return run_playbook(ROLE_ALONE, dict({"role": "kyma.mtls.certificates", "kubeconfig": "unused",
                                          "certificates_dir": pki, "certificates_clients": CLIENTS,
                                          "certificates_revoked": ["client1"],
                                          "certificates_ca_private_key_passphrase": passphrase}, **variables))


def openssl(*args):
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True, check=False)


def files(pki):
    return {name: open(os.path.join(pki, name), "rb").read() for name in sorted(os.listdir(pki))}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("pki"))
    run = role(folder, PASSPHRASE)
    assert run.returncode == 0, run.stdout[-3000:]
    assert PASSPHRASE not in run.stdout + run.stderr
    return folder


def test_the_ca_keys_need_the_passphrase_and_the_others_do_not(pki):
    for ca in ("client-ca", "server-ca"):
        key = os.path.join(pki, ca + ".key")
        assert open(key).read().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert openssl("pkey", "-in", key, "-passin", "pass:", "-noout").returncode != 0
        assert openssl("pkey", "-in", key, "-passin", "pass:" + PASSPHRASE, "-noout").returncode == 0
    for plain in ("gateway", "client1", "client2"):
        assert open(os.path.join(pki, plain + ".key")).read().startswith("-----BEGIN PRIVATE KEY-----")
    verified = openssl("verify", "-CAfile", os.path.join(pki, "client-ca.crt"), "-crl_check", "-CRLfile",
                       os.path.join(pki, "client-ca.crl"), os.path.join(pki, "client1.crt"), os.path.join(pki, "client2.crt"))
    assert "client1.crt: " in verified.stdout + verified.stderr and "certificate revoked" in verified.stdout + verified.stderr
    assert os.path.join(pki, "client2.crt") + ": OK" in verified.stdout


def test_a_second_run_changes_nothing(pki):
    before = files(pki)
    run = role(pki, PASSPHRASE)
    assert run.returncode == 0 and [name for name, result in run.tasks().items() if result.get("changed")] == []
    assert files(pki) == before


def test_a_wrong_passphrase_is_refused_and_every_file_kept(pki):
    before = files(pki)
    run = role(pki, "not the passphrase", certificates_renew=["client2"])
    assert run.returncode != 0
    assert "client-ca.key cannot be decrypted with ca_private_key_passphrase" in run.stdout
    assert "not the passphrase" not in run.stdout + run.stderr and "Traceback" not in run.stdout + run.stderr
    assert files(pki) == before
