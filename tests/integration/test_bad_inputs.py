"""Bad input fails with a message naming the problem, never a traceback, and writes nothing."""

import os

import pytest

from tests.support.playbooks import REPO, run_playbook

PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "bad_inputs.yml")

EXPECTED = {
    "Unknown subject attribute": "unknown subject attribute 'Colour'",
    "CA file that is not a CA": "client.crt is not a CA certificate",
    "Mismatching CA key": "client.key does not match the certificate in ca_path",
    "Missing CA file": "nope.crt does not exist",
    "Invalid DNS name": "invalid DNS name 'bad_name.example.com'",
    "Directory that does not exist": "the directory of path",
    "Server without names": "kind=server needs dns_names or ip_addresses",
    "Mode that is not octal": "mode must be an octal string",
    "Client without a CA": "kind is client but all of the following are missing: ca_path, ca_private_key_path",
    "One bad item in a set": "certificates[1] (bad): subject attribute C='Germany' is not valid",
    "Two items writing the same file": "certificates name the same file more than once",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("bad")
    os.mkdir(work_dir / "out")
    # The CA the set-up task signs with.
    setup = run_playbook(os.path.join(REPO, "playbooks", "tutorial_certificates.yml"),
                         {"mtls_pki_dir": str(work_dir), "mtls_clients": []})
    assert setup.returncode == 0, setup.stdout[-2000:]
    result = run_playbook(PLAYBOOK, {"work_dir": str(work_dir)})
    return work_dir, result


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_fails_with_a_clear_message(run, task):
    result = run[1]
    outcome = result.tasks()[task]
    assert outcome.get("failed"), outcome
    assert EXPECTED[task] in outcome["msg"]
    assert "Traceback" not in outcome["msg"]
    # ansible-core (2.19 and later) marks every failure with this placeholder unless tracebacks are switched on.
    assert outcome.get("exception", "(traceback unavailable)") == "(traceback unavailable)"
    assert "module_stderr" not in outcome


def test_nothing_was_written(run):
    work_dir, result = run
    assert result.failures() == 0 and result.report["stats"]["localhost"]["ignored"] == len(EXPECTED)
    assert os.listdir(work_dir / "out") == []
    assert "Traceback" not in result.stdout + result.stderr
