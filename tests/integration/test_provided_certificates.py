"""The main job with certificates it did not issue (mtls_certificates: provided), made with openssl as
Kyma's mTLS guide makes them (RSA 2048, serial 0, tls.crt = the server certificate followed by its CA):
it issues nothing, and through the real gateway only the allowed client gets in, the others get 403, a
certificate of another CA is refused at the handshake."""

import os
import ssl
import subprocess

import pytest

from tests.integration.conftest import main_job, running_local_environment
from tests.support.https import get, served_within

HOST, PATH = "httpbin.local.kyma.dev", "/headers"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), capture_output=True, text=True, check=True, cwd=cwd)


def make_pki(pki):
    for ca, subject in (("client-ca", "/O=Example Corp/CN=Client Root CA"), ("server-ca", "/O=Example Corp/CN=Server Root CA"),
                        ("other-ca", "/O=Elsewhere/CN=Other CA")):
        openssl("req", "-x509", "-sha256", "-nodes", "-days", "365", "-subj", subject, "-newkey", "rsa:2048",
                "-keyout", ca + ".key", "-out", ca + ".crt", cwd=pki)
    leaves = (("gateway", "/O=Example Corp/CN=*.local.kyma.dev", "server-ca", "subjectAltName=DNS:*.local.kyma.dev"),
              ("client1", "/O=Example Corp/CN=client1.example.com", "client-ca", None),
              ("client2", "/O=Example Corp/CN=client2.example.com", "client-ca", None),
              ("stranger", "/O=Elsewhere/CN=client2.example.com", "other-ca", None))
    for name, subject, ca, extension in leaves:
        openssl("req", "-new", "-nodes", "-subj", subject, "-newkey", "rsa:2048", "-keyout", name + ".key",
                "-out", name + ".csr", cwd=pki)
        extra = []
        if extension:
            with open(os.path.join(pki, name + ".ext"), "w") as handle:
                handle.write(extension + "\n")
            extra = ["-extfile", name + ".ext"]
        openssl("x509", "-req", "-sha256", "-days", "365", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-set_serial", "0",
                "-in", name + ".csr", "-out", name + ".crt", *extra, cwd=pki)
    with open(os.path.join(pki, "tls.crt"), "w") as handle:
        for name in ("gateway", "server-ca"):
            with open(os.path.join(pki, name + ".crt")) as part:
                handle.write(part.read())


@pytest.fixture(scope="module")
def provided(tmp_path_factory):
    pki = str(tmp_path_factory.mktemp("corporate-pki"))
    make_pki(pki)
    with running_local_environment(str(tmp_path_factory.mktemp("provided")), kyma=False) as env:
        issued_dir = os.path.join(env["dir"], "pki")
        run = main_job(env, mtls_certificates="provided", mtls_pki_dir=issued_dir,
                       mtls_server_certificate=os.path.join(pki, "tls.crt"),
                       mtls_server_private_key=os.path.join(pki, "gateway.key"),
                       mtls_client_cas=[os.path.join(pki, "client-ca.crt")],
                       mtls_server_ca=os.path.join(pki, "server-ca.crt"),
                       mtls_clients=[{"name": name, "certificate": os.path.join(pki, name + ".crt"),
                                      "private_key": os.path.join(pki, name + ".key")} for name in ("client1", "client2")],
                       mtls_allowed_clients=["client2"])
        assert run.returncode == 0, run.stdout[-4000:]
        yield env, pki, issued_dir, run


def request(env, pki, client):
    return get(env["https"], HOST, PATH, os.path.join(pki, "server-ca.crt"), os.path.join(pki, client + ".crt"),
               os.path.join(pki, client + ".key"))


def test_only_the_allowed_client_gets_in(provided):
    env, pki = provided[:2]
    assert served_within(env["https"], HOST, PATH, os.path.join(pki, "server-ca.crt"), os.path.join(pki, "client2.crt"),
                         os.path.join(pki, "client2.key"), 90)
    status, body = request(env, pki, "client2")[0::2]
    assert status == 200 and "CN=client2.example.com,O=Example Corp" in body
    status, body = request(env, pki, "client1")[0::2]
    assert status == 403 and "RBAC: access denied" in body


def test_another_ca_with_the_same_subject_is_refused_at_the_handshake(provided):
    env, pki = provided[:2]
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        status = request(env, pki, "stranger")[0]
        raise AssertionError("a certificate of another CA got an answer: %s" % status)


def test_nothing_was_issued_and_the_result_names_the_files(provided):
    pki, issued_dir, run = provided[1:]
    assert not os.path.exists(issued_dir) or os.listdir(issued_dir) == []
    result = run.tasks()["Publish what the job set up, for the verify role and other plays"]["ansible_facts"]["mtls_result"]
    assert result["server_ca"] == os.path.join(pki, "server-ca.crt")
    assert result["client_files"]["client2"] == {"path": os.path.join(pki, "client2.crt"),
                                                 "private_key_path": os.path.join(pki, "client2.key")}
    assert result["allowed_subjects"] == ["CN=client2.example.com,O=Example Corp"]
