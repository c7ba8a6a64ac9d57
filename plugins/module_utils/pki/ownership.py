# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""owner and group of the files kyma.mtls.certificate writes, by name or number, as Ansible's file
modules take them."""

from __future__ import annotations

import grp
import os
import pwd

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError


def _resolve(value, lookup, option):
    if value is None or value == "":
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        return lookup(text)
    except KeyError:
        raise PkiError("%s %s: no such %s on this host" % (option, text, "user" if option == "owner" else "group"))


def resolve_ownership(owner, group):
    """(uid, gid) for owner and group (None where not given), checked before anything is written."""
    return (_resolve(owner, lambda name: pwd.getpwnam(name).pw_uid, "owner"),
            _resolve(group, lambda name: grp.getgrnam(name).gr_gid, "group"))


def ensure_ownership(paths, uid, gid, check_mode):
    """Give each existing file of paths this owner and group; the reasons for what changed (or would)."""
    if uid is None and gid is None:
        return []
    reasons = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue  # not written (check mode), or not there
        wrong = [(what, wanted) for what, wanted, actual in (("owner", uid, info.st_uid), ("group", gid, info.st_gid))
                 if wanted is not None and wanted != actual]
        if not wrong:
            continue
        reasons.append("the %s of %s is not %s" % (" and ".join(what for what, dummy in wrong), path,
                                                   " and ".join(str(wanted) for dummy, wanted in wrong)))
        if not check_mode:
            try:
                os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
            except OSError as exc:
                raise PkiError("cannot set the owner and group of %s: %s" % (path, exc.strerror))
    return reasons
