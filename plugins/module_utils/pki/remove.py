# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""state=absent of kyma.mtls.certificate: the certificate, its key and a kept previous certificate removed."""

from __future__ import annotations

import os

from ansible_collections.kyma.mtls.plugins.module_utils.pki.files import backup
from ansible_collections.kyma.mtls.plugins.module_utils.pki.issue import previous_path


def remove_certificate(path, private_key_path, make_backup, check_mode):
    files = [path, private_key_path, previous_path(path)]
    present = [name for name in files if os.path.lexists(name)]
    result = {"changed": bool(present), "path": path, "private_key_path": private_key_path, "removed": present,
              "reasons": ["%s is removed" % name for name in present]}
    if present and not check_mode:
        if make_backup:
            copies = {"backup_file": backup(path), "backup_private_key_file": backup(private_key_path)}
            result.update((key, name) for key, name in copies.items() if name)
        for name in present:
            os.unlink(name)
    if present:
        result["diff"] = {"before_header": path, "after_header": path,
                          "before": {"files": present}, "after": {"files": []}}
    return result
