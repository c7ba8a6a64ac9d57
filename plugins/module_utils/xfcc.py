# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A parser for Envoy's X-Forwarded-Client-Cert (XFCC) header.

Grammar (Envoy): elements separated by ``,``, one per proxy hop, oldest first; each element is
``key=value`` pairs separated by ``;``. Keys are case-insensitive; ``By``, ``URI`` and ``DNS`` may
repeat. A value containing ``,``, ``;`` or ``=`` is double-quoted, and a backslash inside quotes
escapes the next character (so ``\\"`` does not end the value). ``Cert`` and ``Chain`` are
URL-encoded PEM.

Values are returned verbatim between their quotes: Envoy writes the subject between quotes exactly
as ``%DOWNSTREAM_PEER_SUBJECT%`` prints it (RFC 2253 already escapes ``"`` as ``\\"``), so the
``subject`` here equals the certificate module's ``subject`` and what a policy matches.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import serialization, x509

REPEATABLE = ("by", "uri", "dns")
SINGLE = ("hash", "cert", "chain", "subject")
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\s*", re.S)


class XfccError(MtlsError):
    """The header is not valid XFCC; the message says what and at which character (1-based)."""


def _tokenize(header):
    """Yield (element_index, key, value, key_position) for every pair, checking the grammar."""
    if header == "":
        raise XfccError("the header is empty")
    position, element, length = 0, 0, len(header)
    while True:
        key_start = position
        while position < length and header[position] not in "=;,\"":
            position += 1
        key = header[key_start:position]
        if position >= length or header[position] != "=":
            if key == "":
                what = "an empty element" if position >= length or header[position] == "," else "an empty pair"
                raise XfccError("%s at character %d" % (what, key_start + 1))
            raise XfccError("the pair %r at character %d has no '='" % (key, key_start + 1))
        if key == "":
            raise XfccError("an empty key at character %d" % (key_start + 1))
        if not _KEY.match(key):
            raise XfccError("the key %r at character %d is not a word" % (key, key_start + 1))
        position += 1
        value, position = _read_value(header, position)
        yield element, key, value, key_start + 1
        if position >= length:
            return
        separator = header[position]
        position += 1
        if separator == ",":
            element += 1
        if position >= length:
            raise XfccError("the header ends with %r at character %d" % (separator, position))


_QUOTED_STOP = re.compile(r'["\\]')
_UNQUOTED_STOP = re.compile(r'[;,"\x00-\x1f\x7f]')


def _read_value(header, position):
    """(value, position after it); a quoted value is returned without its quotes, escapes kept."""
    length = len(header)
    if position < length and header[position] == '"':
        start = position
        scan = position + 1
        while True:
            stop = _QUOTED_STOP.search(header, scan)
            if stop is None or (stop.group() == "\\" and stop.end() >= length):
                raise XfccError("the quoted value at character %d has no closing quote" % (start + 1))
            if stop.group() == '"':
                break
            scan = stop.end() + 1  # a backslash escapes the next character, whatever it is
        end = stop.start()
        position = end + 1
        if position < length and header[position] not in ";,":
            raise XfccError("unexpected %r after the closing quote at character %d" % (header[position], position + 1))
        return header[start + 1:end], position
    stop = _UNQUOTED_STOP.search(header, position)
    end = length if stop is None else stop.start()
    if stop is not None and stop.group() == '"':
        raise XfccError("a quote inside an unquoted value at character %d" % (end + 1))
    if stop is not None and stop.group() not in ";,":
        raise XfccError("a control character in a value at character %d" % (end + 1))
    return header[position:end], end


def _certificates(value, key, element_number):
    text = unquote(value)
    blocks = _PEM_BLOCK.findall(text)
    if not blocks or _PEM_BLOCK.sub("", text).strip():
        raise XfccError("%s of element %d is not URL-encoded PEM certificates" % (key, element_number))
    certificates = []
    for block in blocks:
        try:
            certificates.append(x509.load_pem_x509_certificate(block.encode("ascii")))
        except ValueError:
            raise XfccError("%s of element %d holds a PEM block that is not a certificate" % (key, element_number))
    return certificates


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _new_element():
    return {"by": [], "hash": None, "cert": None, "chain": [], "subject": None, "uri": [], "dns": [],
            "extra": {}, "_certificate": None, "_chain": []}


def parse_xfcc(header):
    """Parse a header into elements (dicts); certificates are kept as objects under private keys.

    Raises XfccError for anything that is not valid XFCC.
    """
    header = header.strip()
    elements = []
    seen = set()
    for index, key, value, key_position in _tokenize(header):
        if index == len(elements):
            elements.append(_new_element())
            seen = set()
        element = elements[index]
        name = key.lower()
        if name in SINGLE:
            if name in seen:
                raise XfccError("element %d repeats %s at character %d" % (index + 1, key, key_position))
            seen.add(name)
        if name in REPEATABLE:
            if value != "":  # Envoy writes "URI=" when the certificate has none
                element[name].append(value)
        elif name == "cert":
            certificates = _certificates(value, key, index + 1)
            if len(certificates) != 1:
                raise XfccError("Cert of element %d holds %d certificates, not one" % (index + 1, len(certificates)))
            element["_certificate"] = certificates[0]
            element["cert"] = _pem(certificates[0])
        elif name == "chain":
            element["_chain"] = _certificates(value, key, index + 1)
            element["chain"] = [_pem(c) for c in element["_chain"]]
        elif name in SINGLE:
            element[name] = value
        else:
            element["extra"].setdefault(key, []).append(value)
    return elements


def public_view(element):
    """The element without the private certificate objects, as modules and filters return it."""
    return {k: v for k, v in element.items() if not k.startswith("_")}


def find_header(headers):
    """The X-Forwarded-Client-Cert value in a dict of headers, matched case-insensitively."""
    for name, value in headers.items():
        if str(name).lower() == "x-forwarded-client-cert":
            return value
    raise XfccError("no X-Forwarded-Client-Cert header among: %s" % ", ".join(sorted(map(str, headers))))
