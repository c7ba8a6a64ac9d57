# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subjects as users write them: ``[{CN: a}, {O: b}]`` or openssl's ``/CN=a/O=b``.

Both forms list RDNs in the order ``openssl req -subj`` encodes them; a mapping with several keys
(or ``+`` in the string form) is one multi-valued RDN.
"""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError

# Accepted attribute names (case-insensitive) and their OIDs.
ATTRIBUTE_OIDS = {
    "cn": "2.5.4.3", "commonname": "2.5.4.3",
    "sn": "2.5.4.4", "surname": "2.5.4.4",
    "serialnumber": "2.5.4.5",
    "c": "2.5.4.6", "countryname": "2.5.4.6",
    "l": "2.5.4.7", "localityname": "2.5.4.7",
    "st": "2.5.4.8", "stateorprovincename": "2.5.4.8",
    "street": "2.5.4.9", "streetaddress": "2.5.4.9",
    "o": "2.5.4.10", "organizationname": "2.5.4.10",
    "ou": "2.5.4.11", "organizationalunitname": "2.5.4.11",
    "title": "2.5.4.12",
    "description": "2.5.4.13",
    "postalcode": "2.5.4.17",
    "gn": "2.5.4.42", "givenname": "2.5.4.42",
    "initials": "2.5.4.43",
    "generationqualifier": "2.5.4.44",
    "dnqualifier": "2.5.4.46",
    "pseudonym": "2.5.4.65",
    "uid": "0.9.2342.19200300.100.1.1", "userid": "0.9.2342.19200300.100.1.1",
    "dc": "0.9.2342.19200300.100.1.25", "domaincomponent": "0.9.2342.19200300.100.1.25",
    "emailaddress": "1.2.840.113549.1.9.1",
}

_DOTTED_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


def _oid_for(key):
    text = str(key).strip()
    if _DOTTED_OID.match(text):
        return text
    oid = ATTRIBUTE_OIDS.get(text.lower())
    if oid is None:
        raise PkiError(
            "unknown subject attribute %r; use one of CN, O, OU, C, L, ST, street, postalCode, "
            "serialNumber, title, GN, SN, initials, pseudonym, UID, DC, emailAddress, "
            "or a dotted OID" % text)
    return oid


def _attribute(key, value):
    if isinstance(value, (dict, list)) or value is None:
        raise PkiError("subject attribute %s must have a string value" % key)
    text = str(value)
    if text == "":
        raise PkiError("subject attribute %s has an empty value" % key)
    try:
        return x509.NameAttribute(x509.ObjectIdentifier(_oid_for(key)), text)
    except ValueError as exc:
        raise PkiError("subject attribute %s=%r is not valid: %s" % (key, text, exc))


def _split_unescaped(text, separator):
    """Split on separator where it is not preceded by a backslash; unescape the pieces."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        raise PkiError("subject %r ends with a lone backslash" % text)
    parts.append("".join(current))
    return parts


def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def _rdns_from_string(text):
    if not text.startswith("/"):
        raise PkiError("subject string %r must start with '/' as in /CN=name/O=org" % text)
    rdns = []
    for rdn_text in _split_unescaped(text[1:], "/"):
        pairs = []
        for pair in _split_unescaped(rdn_text, "+"):
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise PkiError("subject part %r is not of the form NAME=value" % _unescape(pair))
            pairs.append((_unescape(key), _unescape(value)))
        rdns.append(pairs)
    return rdns


def _rdns_from_list(items):
    rdns = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item:
            raise PkiError("subject item %d must be a mapping such as {CN: name}, got %r" % (index + 1, item))
        rdns.append(list(item.items()))
    return rdns


def parse_subject(value):
    """Turn the user's subject into an x509.Name (RDNs in the order given)."""
    if isinstance(value, str):
        rdns = _rdns_from_string(value.strip())
    elif isinstance(value, list):
        rdns = _rdns_from_list(value)
    else:
        raise PkiError("subject must be a list of mappings or a string such as /CN=name/O=org")
    if not rdns:
        raise PkiError("subject must name at least one attribute")
    try:
        return x509.Name([x509.RelativeDistinguishedName([_attribute(k, v) for k, v in pairs]) for pairs in rdns])
    except ValueError as exc:  # e.g. the same attribute twice in one multi-valued RDN
        raise PkiError("subject is not valid: %s" % exc)
