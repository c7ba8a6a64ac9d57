"""The XFCC parser: the grammar, values verbatim, and a clear error for every malformed header."""

import os
from urllib.parse import quote

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import XfccError, find_header, parse_xfcc
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_checks import describe

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures")


def tutorial_header():
    """The header the Kyma tutorial shows httpbin receiving behind a real Istio gateway and sidecar."""
    with open(os.path.join(FIXTURES, "tutorial_xfcc.txt")) as handle:
        return handle.read()


@pytest.mark.filterwarnings("ignore:Parsed a serial number")  # the tutorial's client certificate has serial 0
def test_tutorial_header_from_a_real_mesh():
    gateway, sidecar = [describe(e) for e in parse_xfcc(tutorial_header())]
    assert gateway["subject"] == "O=example,CN=client2.example.com"
    assert gateway["uri"] == [] and gateway["by"] == []
    assert gateway["hash"] == "269d8c80411226e3d867699542b860d030da826aa5172a402572b486d04e31e8"
    assert gateway["hash_matches"] is True
    assert gateway["certificate"]["subject"] == gateway["subject"]
    assert gateway["certificate"]["issuer"] == "CN=ClientRootCA,O=example Inc."
    assert gateway["cert"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert sidecar["by"] == ["spiffe://cluster.local/ns/mtls-test/sa/httpbin"]
    assert sidecar["subject"] == ""
    assert sidecar["uri"] == ["spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]
    assert sidecar["certificate"] is None and sidecar["hash_matches"] is None


def test_keys_are_case_insensitive_and_repeatable_ones_collect():
    [element] = parse_xfcc("by=a;BY=b;uri=u1;Uri=u2;dns=d1;DNS=d2;SUBJECT=\"CN=x\";hash=ab")
    assert element["by"] == ["a", "b"] and element["uri"] == ["u1", "u2"] and element["dns"] == ["d1", "d2"]
    assert element["subject"] == "CN=x" and element["hash"] == "ab"


def test_quoted_values_keep_their_escapes_verbatim():
    header = 'Subject="OU=\\ lead,O=ex\\"ample=1\\;x,CN=Doe\\, John+UID=7";URI=;DNS=a.example.com'
    [element] = parse_xfcc(header)
    # Exactly what %DOWNSTREAM_PEER_SUBJECT% printed for that certificate.
    assert element["subject"] == 'OU=\\ lead,O=ex\\"ample=1\\;x,CN=Doe\\, John+UID=7'
    assert element["uri"] == [] and element["dns"] == ["a.example.com"]


def test_escaped_backslash_before_closing_quote():
    [element] = parse_xfcc('Subject="CN=ends with\\\\";URI=')
    assert element["subject"] == "CN=ends with\\\\"


def test_commas_and_semicolons_inside_quotes_do_not_split():
    elements = parse_xfcc('By="spiffe://a;b,c";Subject="CN=a,O=b",By=x')
    assert [e["by"] for e in elements] == [["spiffe://a;b,c"], ["x"]]


def test_unknown_keys_are_kept():
    [element] = parse_xfcc('Hash=ab;X-Custom=1;x-custom="2,3"')
    assert element["extra"] == {"X-Custom": ["1"], "x-custom": ["2,3"]}


def test_unquoted_values_may_hold_an_equals_sign():
    assert parse_xfcc("URI=https://example.com/?a=b;DNS=x")[0]["uri"] == ["https://example.com/?a=b"]


def test_surrounding_whitespace_is_ignored():
    assert parse_xfcc("  By=a  ")[0]["by"] == ["a"]


def test_find_header_any_case():
    assert find_header({"Host": "h", "x-forwarded-CLIENT-cert": "By=a"}) == "By=a"
    with pytest.raises(XfccError, match="no X-Forwarded-Client-Cert header among: Host"):
        find_header({"Host": "h"})


def cert_value():
    header = tutorial_header()
    start = header.index('Cert="') + len('Cert="')
    return header[start:header.index('"', start)]


MALFORMED = [
    ("empty", "", "the header is empty"),
    ("only spaces", "   ", "the header is empty"),
    ("unbalanced quote", 'Subject="CN=a', "the quoted value at character 9 has no closing quote"),
    ("truncated in Cert", 'Hash=ab;Cert="-----BEGIN%20CERT', "the quoted value at character 14 has no closing quote"),
    ("backslash at the end", 'Subject="CN=a\\', "the quoted value at character 9 has no closing quote"),
    ("escaped closing quote", 'Subject="CN=a\\"', "the quoted value at character 9 has no closing quote"),
    ("doubly quoted", 'Subject=""CN=a""', "unexpected 'C' after the closing quote at character 11"),
    ("text after closing quote", 'Subject="CN=a"x;URI=', "unexpected 'x' after the closing quote at character 15"),
    ("inner unescaped quote", 'Subject="CN=a"b"', "unexpected 'b' after the closing quote at character 15"),
    ("quote in unquoted value", 'By=a"b', "a quote inside an unquoted value at character 5"),
    ("empty key", "=abc", "an empty key at character 1"),
    ("empty key after separator", "By=a;=b", "an empty key at character 6"),
    ("pair without =", "Hash", "the pair 'Hash' at character 1 has no '='"),
    ("pair without = mid-element", "By=a;Hash;URI=b", "the pair 'Hash' at character 6 has no '='"),
    ("trailing semicolon", "By=a;", "the header ends with ';' at character 5"),
    ("trailing comma", "By=a,", "the header ends with ',' at character 5"),
    ("leading comma", ",By=a", "an empty element at character 1"),
    ("empty element", "By=a,,By=b", "an empty element at character 6"),
    ("empty pair", "By=a;;By=b", "an empty pair at character 6"),
    ("key with a space", "By=a; URI=b", "the key ' URI' at character 6 is not a word"),
    ("control character", "By=a\x01b", "a control character in a value at character 5"),
    ("repeated Hash", "Hash=a;hash=b", "element 1 repeats hash at character 8"),
    ("repeated Subject in second element", 'By=x,Subject="a";Subject="b"', "element 2 repeats Subject at character 18"),
    ("Cert not PEM", 'Cert="garbage"', "Cert of element 1 is not URL-encoded PEM certificates"),
    ("Cert truncated PEM", 'Cert="%s"' % quote("-----BEGIN CERTIFICATE-----\nMIIC\n"),
     "Cert of element 1 is not URL-encoded PEM certificates"),
    ("Cert PEM with bad body", 'Cert="%s"' % quote("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
     "Cert of element 1 holds a PEM block that is not a certificate"),
    ("Cert with two certificates", 'Cert="%s%s"' % (cert_value(), cert_value()),
     "Cert of element 1 holds 2 certificates, not one"),
    ("Chain with junk after the PEM", 'By=a,Chain="%s%s"' % (cert_value(), quote("junk")),
     "Chain of element 2 is not URL-encoded PEM certificates"),
    ("key with a non-ASCII letter", "By=a;\u00dcRI=b", "the key '\u00dcRI' at character 6 is not a word"),
    ("URI SAN with ';' that Envoy writes unquoted", "Hash=ab;URI=spiffe://c/d;e=f,g", "the pair 'g' at character 30 has no '='"),
]


@pytest.mark.parametrize("header,message", [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
@pytest.mark.filterwarnings("ignore:Parsed a serial number")
def test_malformed_headers_say_what_and_where(header, message):
    with pytest.raises(XfccError) as info:
        parse_xfcc(header)
    assert message in str(info.value)


def test_at_least_25_distinct_malformed_cases():
    assert len({case[2] for case in MALFORMED}) >= 25
