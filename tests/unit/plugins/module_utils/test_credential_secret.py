"""The gateway's credential Secret from its PEM files (the lookup kyma.mtls.gateway_credential)."""

import base64

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.credential_secret import (
    PLACEHOLDER, credential_secret, read_credential)
from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


def files(tmp_path, **contents):
    paths = {}
    for name, data in contents.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def decoded(secret):
    return {key: base64.b64decode(value) for key, value in secret["data"].items()}


def test_several_client_cas_and_crls_are_concatenated(tmp_path):
    paths = files(tmp_path, crt=b"CRT\n", key=b"KEY\n", ca1=b"CA1\n", ca2=b"CA2\n", crl1=b"CRL1\n", crl2=b"CRL2\n")
    secret = credential_secret("cred", "istio-system", read_credential(
        paths["crt"], paths["key"], [paths["ca1"], paths["ca2"]], [paths["crl1"], paths["crl2"]]))
    assert secret["type"] == "kubernetes.io/tls" and secret["metadata"]["namespace"] == "istio-system"
    assert decoded(secret) == {"tls.crt": b"CRT\n", "tls.key": b"KEY\n", "ca.crt": b"CA1\nCA2\n", "ca.crl": b"CRL1\nCRL2\n"}


def test_no_crl_leaves_ca_crl_out(tmp_path):
    paths = files(tmp_path, crt=b"CRT", key=b"KEY", ca=b"CA")
    assert set(read_credential(paths["crt"], paths["key"], [paths["ca"]])) == {"tls.crt", "tls.key", "ca.crt"}


def test_a_missing_file_is_named_or_a_placeholder_when_allowed(tmp_path):
    paths = files(tmp_path, crt=b"CRT", ca=b"CA")
    missing = str(tmp_path / "nokey")
    with pytest.raises(MtlsError, match="private_key: cannot read '.*nokey': No such file or directory"):
        read_credential(paths["crt"], missing, [paths["ca"]])
    assert read_credential(paths["crt"], missing, [paths["ca"]], missing_ok=True)["tls.key"] == PLACEHOLDER


def test_without_contents_only_the_identity_to_delete():
    secret = credential_secret("cred", "istio-system")
    assert "data" not in secret and secret["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "kyma.mtls"}
