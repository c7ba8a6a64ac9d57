"""The main job with provided certificates (mtls_certificates: provided): what it takes of the files, and
each problem named by the job's own variable before anything is applied."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.inputs import main_job_inputs, main_job_problems
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_one

ISSUANCE = {"key_type": "rsa", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
            "mode": "0600", "force": False, "dns_names": [], "ip_addresses": [], "uris": []}
JOB = {"mtls_state": "present", "mtls_domain": "example.com", "mtls_namespace": "kyma-mtls",
       "mtls_gateway_name": "kyma-mtls-gateway", "mtls_policy_name": "kyma-mtls-gateway-allowed-clients",
       "mtls_pki_dir": "/tmp/kyma-mtls-unit/pki", "mtls_expose_mode": "virtualservice", "mtls_samples": [],
       "mtls_workloads": [{"name": "httpbin", "port": 8000, "host": "httpbin", "labels": {"app": "httpbin"}}],
       "mtls_allowed_clients": ["client2"], "mtls_pin_certificates": True, "mtls_revoked_clients": [],
       "mtls_renew": [], "mtls_retire_previous": False, "mtls_client_ca_rollover": "none",
       "mtls_certificates": "provided"}


def issue(pki, name, kind, ca=None, subject=None, **extra):
    return issue_one(dict(ISSUANCE, kind=kind, subject=subject or "/O=Example Corp/CN=%s" % name,
                          path=str(pki / (name + ".crt")), private_key_path=str(pki / (name + ".key")),
                          ca_path=None if ca is None else str(pki / (ca + ".crt")),
                          ca_private_key_path=None if ca is None else str(pki / (ca + ".key")), **extra), False)


@pytest.fixture(name="pki")
def pki_fixture(tmp_path):
    for ca in ("client-ca", "server-ca", "other-ca"):
        issue(tmp_path, ca, "ca")
    issue(tmp_path, "gateway", "server", "server-ca", dns_names=["*.example.com"])
    # As Kyma's guide writes tls.crt: the server certificate followed by its CA.
    (tmp_path / "tls.crt").write_text((tmp_path / "gateway.crt").read_text() + (tmp_path / "server-ca.crt").read_text())
    for client in ("client1", "client2"):
        issue(tmp_path, client, "client", "client-ca")
    issue(tmp_path, "stranger", "client", "other-ca")
    return tmp_path


def job(pki, **changes):
    values = dict(JOB, mtls_server_certificate=str(pki / "tls.crt"), mtls_server_private_key=str(pki / "gateway.key"),
                  mtls_client_cas=[str(pki / "client-ca.crt")], mtls_client_crls=[], mtls_server_ca=str(pki / "server-ca.crt"),
                  mtls_clients=[{"name": name, "certificate": str(pki / (name + ".crt")), "private_key": str(pki / (name + ".key"))}
                                for name in ("client1", "client2")])
    values.update(changes)
    return values


def test_the_files_stand_for_what_the_job_would_issue(pki):
    client2 = issue(pki, "client2", "client", "client-ca")
    inputs = main_job_inputs(job(pki))
    assert inputs["problems"] == []
    issued = inputs["issued"]
    assert issued["server"] == {"path": str(pki / "tls.crt"), "private_key_path": str(pki / "gateway.key")}
    assert issued["client_ca"] == {"path": str(pki / "client-ca.crt")} and issued["client_ca_extra"] == []
    assert issued["server_ca"] == {"path": str(pki / "server-ca.crt")}
    assert issued["client_crl"] == {} and issued["client_crl_extra"] == []
    assert issued["identities"] == {"subjects": ["CN=client2,O=Example Corp"], "fingerprints": [client2["fingerprint_sha256"]]}
    assert inputs["client_files"]["client1"] == {"path": str(pki / "client1.crt"), "private_key_path": str(pki / "client1.key")}
    assert inputs["client_names"] == ["client1", "client2"]


def test_several_client_cas_and_no_keys_for_clients(pki):
    values = job(pki, mtls_client_cas=[str(pki / "client-ca.crt"), str(pki / "other-ca.crt")],
                 mtls_clients=[{"name": "stranger", "certificate": str(pki / "stranger.crt")},
                               {"name": "client2", "certificate": str(pki / "client2.crt")}])
    inputs = main_job_inputs(values)
    assert inputs["problems"] == []
    assert inputs["issued"]["client_ca_extra"] == [str(pki / "other-ca.crt")]
    assert inputs["client_files"]["stranger"]["private_key_path"] is None


@pytest.mark.parametrize("changes,expected", [
    ({"mtls_server_certificate": ""}, "mtls_server_certificate: must be a PEM file with mtls_certificates: provided"),
    ({"mtls_client_cas": []}, "mtls_client_cas: must name at least one PEM file of a client CA"),
    ({"mtls_renew": ["client2"]}, "mtls_renew: needs the CA's private key"),
    ({"mtls_client_ca_rollover": "start"}, "mtls_client_ca_rollover: needs the CA's private key"),
    ({"mtls_certificates": "bring"}, "mtls_certificates: must be one of issue, provided"),
])
def test_bad_options_are_named(pki, changes, expected):
    problems = main_job_problems(job(pki, **changes))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_credential_files_are_checked_under_the_job_names(pki):
    problems = main_job_problems(job(pki, mtls_server_private_key=str(pki / "client1.key"),
                                     mtls_client_cas=[str(pki / "client-ca.crt"), str(pki / "gateway.crt")]))
    assert any(p.startswith("mtls_server_private_key: ") and "does not match" in p for p in problems), problems
    assert any(p.startswith("mtls_client_cas[1]: ") and "not a CA certificate" in p for p in problems), problems


def test_clients_are_read_from_their_certificates(pki):
    clients = [{"name": "client2", "subject": "/CN=client2"},
               {"name": "stranger", "certificate": str(pki / "stranger.crt")},
               {"name": "ghost", "certificate": str(pki / "ghost.crt")},
               {"name": "twin", "certificate": str(pki / "client2.crt")}]
    problems = main_job_problems(job(pki, mtls_clients=clients, mtls_allowed_clients=["stranger"]))
    assert any(p.startswith("mtls_clients[0]: unknown key 'subject'") and "read from the certificate" in p for p in problems)
    assert any(p.startswith("mtls_clients[0].certificate: must be the client's PEM certificate file") for p in problems)
    assert any(p.startswith("mtls_clients[1].certificate: ") and "not signed by a CA of mtls_client_cas" in p
               for p in problems), problems
    assert any(p.startswith("mtls_clients[2].certificate: cannot read") for p in problems), problems


def test_two_clients_with_one_subject(pki):
    clients = [{"name": "a", "certificate": str(pki / "client2.crt")}, {"name": "b", "certificate": str(pki / "client2.crt")}]
    problems = main_job_problems(job(pki, mtls_clients=clients, mtls_allowed_clients=["a"]))
    assert problems == ["mtls_clients: a and b have the same subject CN=client2,O=Example Corp: a policy could not tell them apart"]
