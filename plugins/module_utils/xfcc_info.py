# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work behind kyma.mtls.xfcc_info: parse the header, describe it, check what was asked."""

from __future__ import annotations

import datetime

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import read_required
from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import load_certificates_pem
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import find_header, parse_xfcc
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_checks import describe, element_problems


def parse_moment(text):
    """An ISO 8601 time as an aware UTC datetime; a time without zone is taken as UTC."""
    if text is None:
        return datetime.datetime.now(datetime.timezone.utc)
    try:
        moment = datetime.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise MtlsError("valid_at %r is not an ISO 8601 time such as 2026-11-27T12:00:00Z" % (text,))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def load_anchors(ca_path, ca_content):
    if ca_path is None and ca_content is None:
        return None
    data = read_required(ca_path, "ca_path") if ca_path is not None else ca_content.encode("utf-8")
    return load_certificates_pem(data, "ca_path %s" % ca_path if ca_path is not None else "ca_content")


def _select(elements, index):
    if -len(elements) <= index < len(elements):
        return index % len(elements)
    raise MtlsError("element %d does not exist: the header has %d element(s) (0 is the first, -1 the last)"
                    % (index, len(elements)))


def inspect_header(params, check_mode=False):
    """Result for the module: elements, the checked element, and a failure message if a check failed."""
    header = params["header"] if params["header"] is not None else find_header(params["headers"])
    elements = parse_xfcc(str(header))
    views = [describe(e) for e in elements]
    index = _select(elements, params["element"])
    problems = element_problems(
        elements[index], views[index],
        anchors=load_anchors(params["ca_path"], params["ca_content"]),
        valid_at=parse_moment(params["valid_at"]),
        expected_subject=params["expected_subject"],
        expected_uri=params["expected_uri"],
        expected_dns=params["expected_dns"],
        expected_by=params["expected_by"])
    result = {"changed": False, "elements": views, "element": views[index], "element_index": index,
              "problems": problems}
    if problems:
        result["failure"] = "XFCC element %d failed %d check(s): %s" % (index, len(problems), "; ".join(problems))
    return result
