# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distinguished names exactly as Envoy prints them.

Envoy fills %DOWNSTREAM_PEER_SUBJECT%, %DOWNSTREAM_PEER_ISSUER% and the XFCC ``Subject`` with
BoringSSL's ``X509_NAME_print_ex(..., XN_FLAG_RFC2253)``: entries in reverse DER order, ``,``
between RDNs and ``+`` inside one, short attribute names, RFC 2253 escaping, control characters
and every byte of a non-ASCII character as ``\\XX``, and ``#``-hex DER for attributes BoringSSL
has no name for. An authorization policy must match that string byte for byte, so this module
reproduces it; tests compare it with a real Envoy.
"""

from __future__ import annotations

import re

from ansible_collections.kyma.mtls.plugins.module_utils.der import name_entries

# Short names BoringSSL prints (its object table); anything else is printed as a dotted OID.
SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "street",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.13": "description",
    "2.5.4.17": "postalCode",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "emailAddress",
}

# ASN.1 string tags and how their content octets decode to characters.
_STRING_CODECS = {
    0x0C: "utf-8",      # UTF8String
    0x12: "latin-1",    # NumericString
    0x13: "latin-1",    # PrintableString
    0x14: "latin-1",    # T61String (BoringSSL reads it byte for byte)
    0x16: "latin-1",    # IA5String
    0x1A: "latin-1",    # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}

_RFC2253_SPECIALS = frozenset(b',+"\\<>;')


def _hex_dump(value_der):
    return "#" + value_der.hex().upper()


_NEEDS_NO_ESCAPE = re.compile(r'^(?![ #])[^\x00-\x1f\x7f-\U0010ffff,+"\\<>;]*(?<! )$')


def _escape_value(text):
    if _NEEDS_NO_ESCAPE.match(text):
        return text
    data = text.encode("utf-8")
    out = []
    last = len(data) - 1
    for index, byte in enumerate(data):
        if byte < 0x20 or byte == 0x7F or byte > 0x7E:
            out.append("\\%02X" % byte)
        elif byte in _RFC2253_SPECIALS:
            out.append("\\" + chr(byte))
        elif byte == 0x20 and index in (0, last):
            out.append("\\ ")
        elif byte == 0x23 and index == 0:
            out.append("\\#")
        else:
            out.append(chr(byte))
    return "".join(out)


def _value_text(oid, tag, content, value_der):
    codec = _STRING_CODECS.get(tag)
    if oid not in SHORT_NAMES or codec is None:
        return _hex_dump(value_der)
    try:
        text = content.decode(codec)
    except UnicodeDecodeError:
        return _hex_dump(value_der)
    return _escape_value(text)


def envoy_name_from_der(name_der):
    """Format a DER-encoded X.501 Name the way Envoy prints it."""
    entries = list(name_entries(name_der))
    parts = []
    previous_rdn = None
    for rdn_index, oid, tag, content, value_der in reversed(entries):
        if previous_rdn is not None:
            parts.append("+" if rdn_index == previous_rdn else ",")
        parts.append(SHORT_NAMES.get(oid, oid) + "=" + _value_text(oid, tag, content, value_der))
        previous_rdn = rdn_index
    return "".join(parts)
