"""Run ansible-playbook for real and read its results through the JSON callback."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(REPO, "inventory", "localhost.yml")


class PlaybookRun:
    def __init__(self, completed):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        try:
            self.report = json.loads(completed.stdout)
        except ValueError:
            raise AssertionError("ansible-playbook printed no JSON:\n%s\n%s" % (completed.stdout[-3000:], completed.stderr[-3000:]))

    def tasks(self):
        """{task name: result on localhost} for every task of every play."""
        results = {}
        for play in self.report["plays"]:
            for task in play["tasks"]:
                results[task["task"]["name"]] = task["hosts"].get("localhost", {})
        return results

    def changed(self):
        return self.report["stats"]["localhost"]["changed"]

    def failures(self):
        return self.report["stats"]["localhost"]["failures"]


def run_playbook(playbook, extra_vars=None, check=False, diff=False, env=None):
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY, playbook]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    run_env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), **(env or {}))
    completed = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=run_env, check=False)
    return PlaybookRun(completed)
