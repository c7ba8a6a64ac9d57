"""The gateway credential's files are checked before they go into the Secret."""

from ansible_collections.kyma.mtls.plugins.module_utils.pki.credential_check import credential_problems
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import ensure_certificate
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_signer
from tests.unit.plugins.module_utils.test_issue import NOW, spec_for


def issue(tmp_path):
    ca_spec = spec_for(tmp_path, "ca", kind="ca", subject="/CN=CA", valid_days=3650)
    ensure_certificate(ca_spec, None, now=NOW)
    ca = load_signer(ca_spec.path, ca_spec.private_key_path, now=NOW)
    server = ensure_certificate(spec_for(tmp_path, "gateway", kind="server", subject="/CN=gw", dns_names=["*.x.test"]),
                                ca, now=NOW)
    client = ensure_certificate(spec_for(tmp_path, "client1"), ca, now=NOW)
    return ca_spec.path, server, client


def test_a_good_credential_has_no_problem(tmp_path):
    ca, server, dummy = issue(tmp_path)
    assert credential_problems(server["path"], server["private_key_path"], ca, [ca], now=NOW) == []


def test_each_problem_names_the_option(tmp_path):
    ca, server, client = issue(tmp_path)
    (tmp_path / "garbage.crl").write_text("not a CRL")
    problems = credential_problems(client["path"], client["private_key_path"], client["path"], [str(tmp_path / "none.crt")],
                                   str(tmp_path / "garbage.crl"), now=NOW)
    assert problems == [
        "gateway_server_certificate: %s is a client certificate, not a server certificate" % client["path"],
        "gateway_client_ca_certificate: %s is not a CA certificate (basic constraints CA:TRUE), so it cannot sign "
        "client certificates" % client["path"],
        "gateway_client_ca_extra_certificates[0]: cannot read %r: No such file or directory" % str(tmp_path / "none.crt"),
        "gateway_client_crl: %s is not a PEM CRL" % (tmp_path / "garbage.crl"),
    ]


def test_a_key_that_does_not_match(tmp_path):
    ca, server, client = issue(tmp_path)
    problems = credential_problems(server["path"], client["private_key_path"], ca, now=NOW)
    assert problems == ["gateway_server_private_key: %s does not match the certificate in %s"
                        % (client["private_key_path"], server["path"])]
    assert "PRIVATE" not in problems[0]


def test_a_key_file_that_is_not_a_key(tmp_path):
    ca, server, dummy = issue(tmp_path)
    problems = credential_problems(server["path"], server["path"], ca, now=NOW)
    assert problems == ["gateway_server_private_key: %s is not an unencrypted PEM private key" % server["path"]]
