# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and atomically replacing the files a certificate is kept in."""

from __future__ import annotations

import errno
import os
import tempfile
import time

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError


def read_optional(path, what):
    """The file's bytes, or None if it does not exist. Other OS errors name the option."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise PkiError("cannot read %s %s: %s" % (what, path, exc.strerror))


def read_required(path, what):
    data = read_optional(path, what)
    if data is None:
        raise PkiError("%s %s does not exist" % (what, path))
    return data


def check_writable_dir(path, what):
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise PkiError("the directory of %s %s does not exist" % (what, path))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PkiError("the directory of %s %s is not writable" % (what, path))


def stage(path, data, mode):
    """Write data to a temporary file beside path with the final mode; return its name.

    The mode is set before any byte is written, so a private key is never readable by others.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def commit(staged):
    """Move each staged (tmp, path) into place; remove every tmp on failure."""
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        for tmp, dummy in staged:
            _remove_quietly(tmp)
        raise PkiError("cannot write %s: %s" % (exc.filename or "file", exc.strerror))


def write_files(files):
    """Atomically write each (path, data, mode); nothing is left half-written on error."""
    staged = []
    try:
        for path, data, mode in files:
            staged.append((stage(path, data, mode), path))
    except OSError as exc:
        for tmp, dummy in staged:
            _remove_quietly(tmp)
        raise PkiError("cannot write %s: %s" % (exc.filename or path, exc.strerror))
    commit(staged)


def file_mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def backup(path):
    """Copy the file to <path>.<pid>.<time>~ (as Ansible's backup option names it) with its mode, owner and
    group, set before any byte is written; return the copy's name, or None when there is no file."""
    data = read_optional(path, "the file to back up")
    if data is None:
        return None
    name = "%s.%d.%s~" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S"))
    try:
        info = os.stat(path)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
            os.fchown(fd, info.st_uid, info.st_gid)
        os.fchmod(fd, info.st_mode & 0o7777)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        _remove_quietly(name)
        raise PkiError("cannot back up %s to %s: %s" % (path, name, exc.strerror))
    return name
