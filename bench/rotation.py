"""How long each rotation takes to be in force, and what the allowed client saw meanwhile.

Through the main job on a local environment of its own, under load from client2 (fortio, 10,000
requests at 300/s, a new TLS handshake for each): the gateway's certificate renewed, client2
renewed while pinned and its previous certificate retired, the client CA rolled over (start, then
finish), client1 revoked. For each change: the job's duration, when the change was in force (from
the job's start; a poller every 50 ms), and the load's requests and failures.

    .venv/bin/python bench/rotation.py
"""

import json
import os
import subprocess

from local_env import BIN, REPO, LocalEnvironment

from tests.support.rotation import Rotations


def main():
    with LocalEnvironment() as local:
        def job(**variables):
            argv = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "expose_mtls.yml"),
                    "-e", "@" + os.path.join(REPO, "localenv", "vars", "local.yml"), "-e", json.dumps(local.ports),
                    "-e", json.dumps(variables)]
            return subprocess.run(argv, cwd=REPO, env=local.env, capture_output=True, text=True, check=False)
        assert job().returncode == 0
        driver = Rotations(local.https, local.pki, job)
        driver.wait_until_served()
        try:
            renewal, retire, dummy = driver.pinned_client_renewal()
            start, finish, dummy = driver.client_ca_rollover()
            results = [driver.server_renewal(), renewal, retire, start, finish, driver.revocation()[0]]
        finally:
            driver.close()
    print("%-36s %8s %14s %10s %8s %8s" % ("change", "job (s)", "in force (s)", "requests", "failed", "req/s"))
    for result in results:
        for load in result["loads"]:
            print("%-36s %8.1f %14s %10d %8d %8.0f" % (
                result["change"], result["job_seconds"],
                "-" if result["in_force_after"] is None else "%.2f" % result["in_force_after"],
                load["requests"], load["requests"] - load["ok"], load["qps"]))


if __name__ == "__main__":
    main()
