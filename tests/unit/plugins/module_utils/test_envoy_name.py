"""envoy_name_from_der against strings a real Envoy 1.40 printed for the same names.

tests/integration/test_envoy_subject.py checks the same against a live Envoy on every run;
these cases pin the formatting rules so a regression shows up without Envoy.
"""

import pytest
from cryptography import x509
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der

A = x509.NameAttribute
R = x509.RelativeDistinguishedName


def name(*rdns):
    return x509.Name([R(list(rdn)) for rdn in rdns]).public_bytes()


CASES = [
    ("tutorial client2", name([A(NameOID.COMMON_NAME, "client2.example.com")], [A(NameOID.ORGANIZATION_NAME, "example")]),
     "O=example,CN=client2.example.com"),
    ("tutorial CA", name([A(NameOID.ORGANIZATION_NAME, "example Inc.")], [A(NameOID.COMMON_NAME, "ClientRootCA")]),
     "CN=ClientRootCA,O=example Inc."),
    ("specials, leading space, multi-valued RDN in DER order",
     name([A(NameOID.COMMON_NAME, "Doe, John"), A(NameOID.USER_ID, "7")],
          [A(NameOID.ORGANIZATION_NAME, 'ex"ample=1;x')], [A(NameOID.ORGANIZATIONAL_UNIT_NAME, " lead")]),
     'OU=\\ lead,O=ex\\"ample=1\\;x,CN=Doe\\, John+UID=7'),
    ("multi-valued RDN sorted by encoding, printed reversed",
     name([A(NameOID.ORGANIZATION_NAME, "zz"), A(NameOID.COMMON_NAME, "aa")]),
     "O=zz+CN=aa"),
    ("non-ASCII bytes, leading hash, trailing space, specials",
     name([A(NameOID.COMMON_NAME, "J\u00fcrgen \u00dcl\u00df \u65e5\u672c")], [A(NameOID.LOCALITY_NAME, "trail ")],
          [A(NameOID.STATE_OR_PROVINCE_NAME, "#hash<>\\back+plus")]),
     "ST=\\#hash\\<\\>\\\\back\\+plus,L=trail\\ ,CN=J\\C3\\BCrgen \\C3\\9Cl\\C3\\9F \\E6\\97\\A5\\E6\\9C\\AC"),
    ("control characters, unknown OID as DER hex, long short names",
     name([A(NameOID.EMAIL_ADDRESS, "a@b.c")], [A(NameOID.DOMAIN_COMPONENT, "com")], [A(NameOID.SERIAL_NUMBER, "123")],
          [A(x509.ObjectIdentifier("1.2.3.4"), "x")], [A(NameOID.COUNTRY_NAME, "DE")], [A(NameOID.COMMON_NAME, "tab\there\x01")]),
     "CN=tab\\09here\\01,C=DE,1.2.3.4=#0C0178,serialNumber=123,DC=com,emailAddress=a@b.c"),
    ("BMP, T61 and IA5 strings print as text",
     name([A(NameOID.COMMON_NAME, "bmp", _type=_ASN1Type.BMPString)], [A(NameOID.ORGANIZATION_NAME, "t61", _type=_ASN1Type.T61String)],
          [A(NameOID.ORGANIZATIONAL_UNIT_NAME, "ia5", _type=_ASN1Type.IA5String)]),
     "OU=ia5,O=t61,CN=bmp"),
]


@pytest.mark.parametrize("der,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_what_envoy_printed(der, expected):
    assert envoy_name_from_der(der) == expected


def test_differs_from_python_rfc4514_where_envoy_does():
    """Why the collection does not use cryptography's rfc4514_string: it keeps UTF-8 as is."""
    subject = x509.Name([R([A(NameOID.COMMON_NAME, "J\u00fcrgen")])])
    assert subject.rfc4514_string() == "CN=J\u00fcrgen"
    assert envoy_name_from_der(subject.public_bytes()) == "CN=J\\C3\\BCrgen"


def test_empty_name():
    assert envoy_name_from_der(x509.Name([]).public_bytes()) == ""
