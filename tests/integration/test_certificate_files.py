"""kyma.mtls.certificate's owner, group, backup and state=absent, run by ansible-playbook as root."""

import os
import pwd

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "certificate_files.yml")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives files to another user")
def test_owner_group_backup_and_absent(tmp_path):
    nobody = pwd.getpwnam("nobody")
    run = run_playbook(PLAYBOOK, {"folder": str(tmp_path), "owner": "nobody", "group": str(nobody.pw_gid)})
    tasks = run.tasks()
    issued, again, anew = tasks["Issue a CA owned by another user"], tasks["Issue it again"], tasks["Issue it anew, keeping copies"]
    assert issued["changed"] and not again["changed"], again
    # Issued anew without owner and group: the files are replaced, and belong to root again.
    assert anew["changed"] and os.path.basename(anew["backup_file"]).startswith("ca.crt.")
    backup_key = os.stat(anew["backup_private_key_file"])
    assert (backup_key.st_uid, backup_key.st_gid, backup_key.st_mode & 0o777) == (nobody.pw_uid, nobody.pw_gid, 0o600)
    removed, removed_again = tasks["Remove it"], tasks["Remove it again"]
    assert removed["changed"] and removed["removed"] == [str(tmp_path / "ca.crt"), str(tmp_path / "ca.key")]
    assert not removed_again["changed"]
    assert sorted(os.listdir(str(tmp_path))) == sorted(os.path.basename(anew[k]) for k in ("backup_file", "backup_private_key_file"))
    assert tasks["Issue without a subject"]["msg"] == "state is present but all of the following are missing: subject"
