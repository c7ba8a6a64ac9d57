"""Validation of one XFCC element: chain to the CA at a time, Hash, Subject, expected values."""

import datetime
import hashlib
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_info import inspect_header

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def issue(subject, issuer=None, ca=False, days=30, start=NOW - DAY, uris=()):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if uris:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in uris]), False)
    signer_cert, signer_key = issuer if issuer else (None, key)
    builder = builder.issuer_name(signer_cert.subject if signer_cert else name)
    return builder.sign(signer_key, hashes.SHA256()), key


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def header_for(certificate, chain=(), subject=None, uris=(), dns=(), by=(), digest=None):
    """An element laid out the way Envoy writes it (checked against real Envoy in the integration corpus)."""
    digest = digest or hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    parts = ["By=" + b for b in by] + ["Hash=" + digest, 'Cert="%s"' % quote(pem(certificate), safe="")]
    if chain:
        parts.append('Chain="%s"' % quote("".join(pem(c) for c in chain), safe=""))
    parts.append('Subject="%s"' % (subject if subject is not None else "CN=" + certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value))
    parts += ["URI=" + u for u in uris] or ["URI="]
    parts += ["DNS=" + d for d in dns]
    return ";".join(parts)


def params(xfcc, **overrides):
    base = {"header": xfcc, "headers": None, "element": -1, "ca_path": None, "ca_content": None,
            "valid_at": NOW.isoformat(), "expected_subject": None, "expected_uri": None, "expected_dns": None,
            "expected_by": None}
    base.update(overrides)
    return base


@pytest.fixture(scope="module")
def pki():
    root = issue("Root", ca=True, days=3650, start=NOW - 10 * DAY)
    intermediate = issue("Intermediate", issuer=root, ca=True, days=365, start=NOW - 5 * DAY)
    return {"root": root, "intermediate": intermediate,
            "leaf": issue("client2", issuer=root, uris=["spiffe://example.com/client2"]),
            "deep": issue("deep", issuer=intermediate),
            "stranger_root": issue("Stranger", ca=True, days=3650, start=NOW - 10 * DAY)}


def test_valid_element_has_no_problems(pki):
    leaf = pki["leaf"][0]
    result = inspect_header(params(header_for(leaf, uris=["spiffe://example.com/client2"]), ca_content=pem(pki["root"][0]),
                                   expected_subject="CN=client2", expected_uri=["spiffe://example.com/client2"]))
    assert result["problems"] == [] and "failure" not in result
    assert result["element"]["certificate"]["subject"] == "CN=client2"
    assert result["element"]["hash_matches"] is True


def test_intermediate_from_chain_is_used_but_never_trusted(pki):
    deep, intermediate, root = pki["deep"][0], pki["intermediate"][0], pki["root"][0]
    ok = inspect_header(params(header_for(deep, chain=[deep, intermediate]), ca_content=pem(root)))
    assert ok["problems"] == []
    missing = inspect_header(params(header_for(deep), ca_content=pem(root)))
    assert missing["problems"] == ["the certificate (issuer CN=Intermediate) does not chain to the trusted CA"]
    # A chain that carries its own root proves nothing when that root is not in the bundle.
    stranger = inspect_header(params(header_for(deep, chain=[deep, intermediate, root]), ca_content=pem(pki["stranger_root"][0])))
    assert "does not chain to the trusted CA" in stranger["failure"]


def test_certificate_from_another_ca(pki):
    result = inspect_header(params(header_for(pki["leaf"][0]), ca_content=pem(pki["stranger_root"][0])))
    assert result["problems"] == ["the certificate (issuer CN=Root) does not chain to the trusted CA"]


def test_expired_and_not_yet_valid(pki):
    leaf = pki["leaf"][0]
    later = inspect_header(params(header_for(leaf), ca_content=pem(pki["root"][0]), valid_at="2027-06-01T00:00:00Z"))
    assert later["problems"] == ["the certificate expired on %s" % leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")]
    earlier = inspect_header(params(header_for(leaf), ca_content=pem(pki["root"][0]), valid_at="2026-11-01T00:00:00"))
    assert earlier["problems"][0].startswith("the certificate is not valid before")
    assert any(p.startswith("the CA CN=Root is not valid before") for p in earlier["problems"])


def test_every_failed_check_is_named(pki):
    leaf = pki["leaf"][0]
    header = header_for(leaf, subject="CN=someone else", digest="00" * 32, by=["spiffe://gw"])
    result = inspect_header(params(header, ca_content=pem(pki["stranger_root"][0]), expected_subject="CN=client2",
                                   expected_uri=["spiffe://x"], expected_dns=["a.example"], expected_by=["spiffe://other"]))
    problems = result["problems"]
    assert len(problems) == 7, problems
    assert problems[0].startswith("Hash %s does not match the SHA-256 of Cert" % ("00" * 32))
    assert problems[1] == "Subject 'CN=someone else' is not the subject of Cert ('CN=client2')"
    assert "does not chain" in problems[2]
    assert problems[3] == "Subject is 'CN=someone else', expected 'CN=client2'"
    assert problems[4:] == ["URI 'spiffe://x' is missing (the element has none)",
                            "DNS 'a.example' is missing (the element has none)",
                            "By 'spiffe://other' is missing (the element has ['spiffe://gw'])"]
    assert result["failure"].startswith("XFCC element 0 failed 7 check(s): Hash ")


def test_element_selection(pki):
    header = "By=spiffe://first;Hash=ab," + header_for(pki["leaf"][0])
    assert inspect_header(params(header, element=0))["element"]["by"] == ["spiffe://first"]
    assert inspect_header(params(header))["element_index"] == 1
    with pytest.raises(MtlsError, match="element 2 does not exist: the header has 2 element"):
        inspect_header(params(header, element=2))


def test_validating_an_element_without_cert(pki):
    result = inspect_header(params("By=spiffe://x;Hash=ab;Subject=\"\";URI=", ca_content=pem(pki["root"][0])))
    assert result["problems"] == ["the element has no Cert to check against the CA"]


@pytest.mark.parametrize("overrides,message", [
    ({"ca_content": "not pem"}, "ca_content holds no PEM certificate"),
    ({"ca_path": "/nonexistent/ca.crt"}, "ca_path /nonexistent/ca.crt does not exist"),
    ({"valid_at": "yesterday"}, "valid_at 'yesterday' is not an ISO 8601 time"),
    ({"header": None, "headers": {"Host": "x"}}, "no X-Forwarded-Client-Cert header among: Host"),
])
def test_bad_options(pki, overrides, message):
    with pytest.raises(MtlsError) as info:
        inspect_header(params(header_for(pki["leaf"][0]), **overrides))
    assert message in str(info.value)
