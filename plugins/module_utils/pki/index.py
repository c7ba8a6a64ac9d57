# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A record of the certificates a run found current, so that the next run over thousands of them
parses none whose files and inputs are unchanged.

Checking a certificate means parsing it and its key, verifying the CA's signature and reading its
facts: about half a millisecond, five seconds for 10,000 clients. The record keeps, per certificate,
a digest of what was asked for (the item's options and the signing CA's fingerprint), the identity
of its files as stat() sees them (inode, size, modification time, mode) and the public facts the
module returns. When both match, the certificate is what the full check found it to be then; its
expiry is still compared with renew_before_days on every run. Anything else gets the full check.

The record holds no key material. It lives beside the certificates in INDEX_NAME, written
atomically with mode 0600, never in check mode.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import read_optional, write_files

INDEX_NAME = "certificate-index.json"
_VERSION = 1


def inputs_digest(item, shared, signer_fingerprint):
    """What a certificate was asked to be: its item, the options shared by the task, and its CA. Of a
    passphrase, only whether there is one (the index is a file on disk)."""
    shared = dict(shared, ca_private_key_passphrase=bool(shared.get("ca_private_key_passphrase")))
    text = json.dumps([_VERSION, item, shared, signer_fingerprint], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp(path):
    """The identity of a file's current content as stat() sees it, or None when it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode & 0o7777]


class CertificateIndex:
    """The records of the directories the certificates are in, loaded when first needed."""

    def __init__(self):
        self._records = {}  # directory -> {certificate path: entry}
        self._changed = set()

    def _of(self, path):
        directory = os.path.dirname(os.path.abspath(path))
        if directory not in self._records:
            try:
                data = json.loads(read_optional(os.path.join(directory, INDEX_NAME), "the index") or b"{}")
            except (ValueError, PkiError):
                data = {}
            entries = data.get("certificates") if data.get("version") == _VERSION else None
            self._records[directory] = entries if isinstance(entries, dict) else {}
        return directory, self._records[directory]

    def current(self, path, digest, files):
        """The entry recorded for the certificate when its inputs and its files are unchanged, else None."""
        dummy, entries = self._of(path)
        entry = entries.get(os.path.abspath(path))
        if not entry or entry.get("inputs") != digest:
            return None
        if entry.get("files") != [stamp(name) for name in files]:
            return None
        return entry

    def record(self, path, digest, files, result):
        directory, entries = self._of(path)
        entries[os.path.abspath(path)] = {"inputs": digest, "files": [stamp(name) for name in files], "result": result}
        self._changed.add(directory)

    def save(self):
        """Write the changed records; a record that cannot be written only costs the next run time."""
        for directory in sorted(self._changed):
            document = json.dumps({"version": _VERSION, "certificates": self._records[directory]}, sort_keys=True)
            try:
                write_files([(os.path.join(directory, INDEX_NAME), document.encode("utf-8"), 0o600)])
            except PkiError:
                pass
        self._changed.clear()
