import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.subject import parse_subject


def envoy(value):
    return envoy_name_from_der(parse_subject(value).public_bytes())


def test_string_and_list_forms_encode_identically():
    as_string = parse_subject("/CN=client2.example.com/O=example")
    as_list = parse_subject([{"CN": "client2.example.com"}, {"O": "example"}])
    assert as_string.public_bytes() == as_list.public_bytes()
    assert envoy("/CN=client2.example.com/O=example") == "O=example,CN=client2.example.com"


def test_rdn_order_is_openssl_subj_order():
    rdns = list(parse_subject("/O=example Inc./CN=ClientRootCA").rdns)
    assert [r.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) != [] for r in rdns] == [True, False]


def test_long_names_any_case_and_dotted_oids():
    subject = parse_subject([{"commonName": "a"}, {"organizationalunitname": "b"}, {"1.2.3.4": "c"}])
    assert [a.oid.dotted_string for a in subject] == ["2.5.4.3", "2.5.4.11", "1.2.3.4"]


def test_multi_valued_rdn_in_both_forms():
    from_string = parse_subject("/CN=Doe, John+UID=7/O=x")
    from_list = parse_subject([{"CN": "Doe, John", "UID": "7"}, {"O": "x"}])
    assert from_string.public_bytes() == from_list.public_bytes()
    assert len(list(from_string.rdns)[0]) == 2


def test_backslash_escapes_separators_in_string_form():
    subject = parse_subject(r"/CN=a\/b\+c\\d/O=x")
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "a/b+c\\d"


def test_country_uses_printable_string():
    country = parse_subject([{"C": "DE"}]).get_attributes_for_oid(NameOID.COUNTRY_NAME)[0]
    assert country._type.name == "PrintableString"


@pytest.mark.parametrize("value,message", [
    ([{"XX": "a"}], "unknown subject attribute 'XX'"),
    ("CN=a", "must start with '/'"),
    ("/CN", "not of the form NAME=value"),
    ("/=a", "not of the form NAME=value"),
    ([{"CN": ""}], "CN has an empty value"),
    ([{"C": "Germany"}], "C='Germany' is not valid"),
    ([{"CN": ["a"]}], "must have a string value"),
    (["CN=a"], "subject item 1 must be a mapping"),
    ([], "at least one attribute"),
    (42, "must be a list of mappings or a string"),
    ("/CN=a\\", "lone backslash"),
])
def test_bad_subjects_name_the_problem(value, message):
    with pytest.raises(PkiError, match=None) as info:
        parse_subject(value)
    assert message in str(info.value)


def test_same_attribute_twice_in_one_rdn_is_rejected():
    with pytest.raises(PkiError, match="subject is not valid"):
        parse_subject("/CN=a+CN=a")


def test_result_is_a_name():
    assert isinstance(parse_subject("/CN=x"), x509.Name)
