# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal DER reader for X.501 Names.

Envoy prints a certificate's subject from the encoded Name (entry order inside a multi-valued RDN
is the DER SET order, not the order the issuer asked for), so the formatter reads the encoding
itself instead of relying on a library's view of it.
"""

from __future__ import annotations

TAG_SEQUENCE = 0x30
TAG_SET = 0x31
TAG_OID = 0x06


class DerError(ValueError):
    """The bytes are not the DER encoding that was expected."""


def read_tlv(data, offset):
    """Return (tag, content_start, content_end) of the TLV at offset."""
    if offset + 2 > len(data):
        raise DerError("truncated DER at byte %d" % offset)
    tag = data[offset]
    length = data[offset + 1]
    pos = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("bad DER length at byte %d" % offset)
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("DER value at byte %d runs past the end" % offset)
    return tag, pos, end


def decode_oid(content):
    """Dotted-decimal text of an OBJECT IDENTIFIER's content octets."""
    if not content:
        raise DerError("empty OBJECT IDENTIFIER")
    arcs = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    if first < 40:
        head = [0, first]
    elif first < 80:
        head = [1, first - 40]
    else:
        head = [2, first - 80]
    return ".".join(str(arc) for arc in head + arcs[1:])


def name_entries(der):
    """Yield (rdn_index, oid, value_tag, value_content, value_der) for each attribute, in DER order."""
    tag, start, end = read_tlv(der, 0)
    if tag != TAG_SEQUENCE:
        raise DerError("a Name must be a SEQUENCE")
    rdn_index = 0
    pos = start
    while pos < end:
        tag, set_start, set_end = read_tlv(der, pos)
        if tag != TAG_SET:
            raise DerError("an RDN must be a SET")
        item = set_start
        while item < set_end:
            tag, atv_start, atv_end = read_tlv(der, item)
            if tag != TAG_SEQUENCE:
                raise DerError("an attribute must be a SEQUENCE")
            tag, oid_start, oid_end = read_tlv(der, atv_start)
            if tag != TAG_OID:
                raise DerError("an attribute type must be an OBJECT IDENTIFIER")
            value_tag, value_start, value_end = read_tlv(der, oid_end)
            yield (rdn_index, decode_oid(der[oid_start:oid_end]), value_tag,
                   bytes(der[value_start:value_end]), bytes(der[oid_end:value_end]))
            item = atv_end
        rdn_index += 1
        pos = set_end
