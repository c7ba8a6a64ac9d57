"""kyma.mtls.certificate's file handling: owner and group, backup copies, and state=absent."""

import glob
import os
import pwd

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.runner import issue_one

ISSUANCE = {"key_type": "ec", "curve": "P-256", "key_size": 2048, "valid_days": 365, "renew_before_days": 30,
            "mode": "0600", "force": False, "dns_names": [], "ip_addresses": [], "uris": [], "state": "present"}


def params(folder, name="ca", **extra):
    return dict(ISSUANCE, kind="ca", subject="/CN=%s" % name, path=str(folder / (name + ".crt")),
                private_key_path=str(folder / (name + ".key")), ca_path=None, ca_private_key_path=None, **extra)


def read(path):
    with open(str(path), "rb") as handle:
        return handle.read()


def test_unknown_owner_or_group_is_named_before_anything_is_written(tmp_path):
    with pytest.raises(PkiError, match="owner no-such-user-here: no such user on this host"):
        issue_one(params(tmp_path, owner="no-such-user-here"), False)
    with pytest.raises(PkiError, match="group no-such-group-here: no such group on this host"):
        issue_one(params(tmp_path, group="no-such-group-here"), False)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives files to another user")
def test_owner_and_group_are_set_reported_and_then_kept(tmp_path):
    issue_one(params(tmp_path), False)
    nobody = pwd.getpwnam("nobody")
    would = issue_one(params(tmp_path, owner="nobody", group=str(nobody.pw_gid)), True)
    assert would["changed"] and os.stat(str(tmp_path / "ca.key")).st_uid == 0
    result = issue_one(params(tmp_path, owner="nobody", group=str(nobody.pw_gid)), False)
    assert result["changed"] and result["reasons"] == [
        "the owner and group of %s is not %d and %d" % (tmp_path / "ca.crt", nobody.pw_uid, nobody.pw_gid),
        "the owner and group of %s is not %d and %d" % (tmp_path / "ca.key", nobody.pw_uid, nobody.pw_gid)]
    for name in ("ca.crt", "ca.key"):
        info = os.stat(str(tmp_path / name))
        assert (info.st_uid, info.st_gid) == (nobody.pw_uid, nobody.pw_gid)
    assert not issue_one(params(tmp_path, owner=str(nobody.pw_uid), group=str(nobody.pw_gid)), False)["changed"]


def test_backup_keeps_the_replaced_certificate_and_key_with_their_modes(tmp_path):
    issue_one(params(tmp_path), False)
    old_certificate, old_key = read(tmp_path / "ca.crt"), read(tmp_path / "ca.key")
    assert "backup_file" not in issue_one(params(tmp_path, backup=True), False)  # kept: nothing to back up
    result = issue_one(params(tmp_path, backup=True, force=True), False)
    assert read(result["backup_file"]) == old_certificate and read(result["backup_private_key_file"]) == old_key
    assert os.stat(result["backup_private_key_file"]).st_mode & 0o777 == 0o600
    assert read(tmp_path / "ca.key") != old_key
    assert sorted(glob.glob(str(tmp_path / "*~"))) == sorted([result["backup_file"], result["backup_private_key_file"]])


def test_absent_removes_the_files_once_and_check_mode_only_says_so(tmp_path):
    issue_one(params(tmp_path), False)
    (tmp_path / "ca.crt.previous").write_text("kept")
    gone = {"path": str(tmp_path / "ca.crt"), "private_key_path": str(tmp_path / "ca.key"), "state": "absent"}
    would = issue_one(dict(gone), True)
    assert would["changed"] and len(os.listdir(str(tmp_path))) == 3
    result = issue_one(dict(gone, backup=True), False)
    assert result["changed"] and result["removed"] == [str(tmp_path / n) for n in ("ca.crt", "ca.key", "ca.crt.previous")]
    assert sorted(os.listdir(str(tmp_path))) == sorted(os.path.basename(result[k]) for k in ("backup_file", "backup_private_key_file"))
    again = issue_one(dict(gone), False)
    assert not again["changed"] and again["removed"] == [] and "diff" not in again


def test_absent_with_backup_copies_only_the_files_that_are_there(tmp_path):
    issue_one(params(tmp_path), False)
    os.unlink(str(tmp_path / "ca.key"))
    result = issue_one({"path": str(tmp_path / "ca.crt"), "private_key_path": str(tmp_path / "ca.key"),
                        "state": "absent", "backup": True}, False)
    assert result["removed"] == [str(tmp_path / "ca.crt")] and "backup_private_key_file" not in result
    assert os.listdir(str(tmp_path)) == [os.path.basename(result["backup_file"])]
