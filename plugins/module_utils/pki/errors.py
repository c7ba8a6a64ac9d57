# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors that modules turn into fail_json messages."""

from __future__ import annotations


class PkiError(Exception):
    """Bad input or an unusable file; the message names what is wrong."""
