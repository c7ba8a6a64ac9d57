"""The modules on a host whose cryptography is older than they support (38.0.4, installed by make
integration into .build/old-cryptography): each fails with a message that names the minimum and the
version found, and writes nothing (before, kyma.mtls.certificate wrote both files and then failed)."""

import os

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "old_cryptography.yml")
PYTHON = os.path.join(REPO, ".build", "old-cryptography", "bin", "python")
TASKS = ["Issue a CA", "Issue a set", "Write a CRL", "Validate a header", "Read a certificate"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not os.path.exists(PYTHON):
        pytest.fail("%s is missing: make integration installs tests/requirements-old-cryptography.txt there" % PYTHON)
    pki = str(tmp_path_factory.mktemp("old-cryptography"))
    result = run_playbook(PLAYBOOK, {"pki": pki, "ansible_python_interpreter": PYTHON})
    return result.tasks(), pki


@pytest.mark.parametrize("task", TASKS)
def test_refuses_with_the_versions_named(run, task):
    result = run[0][task]
    assert result.get("failed") is True, result
    assert "cryptography >= 42.0 is required, found 38.0.4" in result["msg"], result["msg"]
    assert "Traceback" not in result["msg"], result["msg"]


def test_writes_nothing(run):
    assert os.listdir(run[1]) == []
