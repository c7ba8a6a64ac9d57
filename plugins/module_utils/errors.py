# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every error a kyma.mtls module reports as a plain message."""

from __future__ import annotations


class MtlsError(Exception):
    """Bad input or an unusable file; the message names what is wrong."""
