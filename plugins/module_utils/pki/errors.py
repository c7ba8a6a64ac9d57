# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of certificate issuance."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.errors import MtlsError


class PkiError(MtlsError):
    """Bad certificate input or an unusable file; the message names what is wrong."""
