# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys: what was asked for, generating one, and reading one back."""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import UnsupportedAlgorithm, ec, rsa, serialization
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError

KeySpec = namedtuple("KeySpec", ["key_type", "curve", "key_size"])

CURVES = ("P-256", "P-384")
RSA_SIZES = (2048, 3072, 4096)
_CURVE_NAMES = {"P-256": "secp256r1", "P-384": "secp384r1"}


def key_spec(key_type, curve, key_size):
    if key_type == "ec":
        if curve not in CURVES:
            raise PkiError("curve must be one of %s, got %r" % (", ".join(CURVES), curve))
        return KeySpec("ec", curve, None)
    if key_type == "rsa":
        if key_size not in RSA_SIZES:
            raise PkiError("key_size must be one of %s, got %r" % (", ".join(map(str, RSA_SIZES)), key_size))
        return KeySpec("rsa", None, key_size)
    raise PkiError("key_type must be ec or rsa, got %r" % key_type)


def generate_private_key(spec):
    if spec.key_type == "ec":
        curve = ec.SECP256R1() if spec.curve == "P-256" else ec.SECP384R1()
        return ec.generate_private_key(curve)
    return rsa.generate_private_key(public_exponent=65537, key_size=spec.key_size)


def describe_key(key):
    """The KeySpec an existing private or public key satisfies, or None for other key types."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        for curve, name in _CURVE_NAMES.items():
            if key.curve.name == name:
                return KeySpec("ec", curve, None)
        return None
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return KeySpec("rsa", None, key.key_size)
    return None


def private_key_pem(key, passphrase=None):
    """PKCS#8 PEM, encrypted with passphrase when one is given."""
    encryption = (serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def is_encrypted_pem(data):
    """Whether data is a passphrase-protected PEM private key (PKCS#8, or the traditional Proc-Type)."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data


def public_key_der(key):
    public = key.public_key() if hasattr(key, "private_bytes") else key
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key_pem(data):
    """The key in data, or None when data is not an unencrypted PEM private key."""
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):  # garbage, encrypted, or exotic
        return None


def load_protected_key_pem(data, passphrase, option, path):
    """The key in data, decrypted with passphrase when it is encrypted (an unencrypted key is read as it is),
    or None when data holds no readable PEM private key. PkiError naming `option` and `path` when it is
    encrypted and the passphrase is missing or wrong: such a key is never to be replaced unread."""
    if not is_encrypted_pem(data):
        return load_private_key_pem(data)
    if not passphrase:
        raise PkiError("%s %s is encrypted: give its passphrase in ca_private_key_passphrase" % (option, path))
    try:
        return serialization.load_pem_private_key(data, password=passphrase.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise PkiError("%s %s cannot be decrypted with ca_private_key_passphrase" % (option, path))
