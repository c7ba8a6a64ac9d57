import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import (
    build_spec, parse_mode, validate_dns_name, validate_uri)


def params(**overrides):
    base = {
        "kind": "client", "path": "/tmp/x.crt", "private_key_path": "/tmp/x.key", "subject": "/CN=x",
        "dns_names": [], "ip_addresses": [], "uris": [], "key_type": "ec", "curve": "P-256",
        "key_size": 2048, "valid_days": 365, "renew_before_days": 30, "mode": "0600", "force": False,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize("name", ["example.com", "*.example.com", "a-b.c1.example", "xn--bcher-kva.example", "host."])
def test_valid_dns_names(name):
    assert validate_dns_name(name) == name


@pytest.mark.parametrize("name", ["", "*.com", "a.*.example.com", "*a.example.com", "-a.example.com",
                                  "a_b.example.com", "a..b", "x" * 64 + ".com", ("a." * 127) + "com"])
def test_invalid_dns_names(name):
    with pytest.raises(PkiError, match="invalid DNS name"):
        validate_dns_name(name)


def test_uri_needs_a_scheme():
    assert validate_uri("spiffe://cluster.local/ns/a/sa/b")
    with pytest.raises(PkiError, match="invalid URI"):
        validate_uri("not a uri")


@pytest.mark.parametrize("value,expected", [("0600", 0o600), ("640", 0o640), (0o600, 0o600), (None, 0o600)])
def test_modes(value, expected):
    assert parse_mode(value) == expected


@pytest.mark.parametrize("value", ["rw", "0999", "u+rw", 0o17777])
def test_bad_modes(value):
    with pytest.raises(PkiError, match="mode"):
        parse_mode(value)


@pytest.mark.parametrize("overrides,message", [
    ({"kind": "ca", "dns_names": ["a.example"]}, "kind=ca takes no dns_names"),
    ({"kind": "server"}, "kind=server needs dns_names or ip_addresses"),
    ({"valid_days": 0}, "valid_days must be at least 1"),
    ({"renew_before_days": 365}, "renew_before_days must be"),
    ({"private_key_path": "/tmp/x.crt"}, "must be different files"),
    ({"ip_addresses": ["300.1.1.1"]}, "invalid IP address"),
    ({"key_type": "ec", "curve": "P-521"}, "curve must be one of"),
    ({"key_type": "rsa", "key_size": 1024}, "key_size must be one of"),
])
def test_bad_specs_name_the_problem(overrides, message):
    with pytest.raises(PkiError) as info:
        build_spec(params(**overrides))
    assert message in str(info.value)


def test_a_good_server_spec():
    spec = build_spec(params(kind="server", dns_names=["*.example.com"], ip_addresses=["127.0.0.1", "::1"]))
    assert spec.kind == "server"
    assert [str(a) for a in spec.ip_addresses] == ["127.0.0.1", "::1"]
    assert spec.key.key_type == "ec" and spec.key.curve == "P-256"
