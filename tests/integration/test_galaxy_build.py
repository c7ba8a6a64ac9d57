"""`ansible-galaxy collection build` makes a tarball that installs and works on its own."""

import json
import os
import subprocess
import sys
import tarfile

import yaml

from tests.support.playbooks import REPO

BIN = os.path.dirname(sys.executable)


def test_built_collection_installs_and_runs(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", REPO, "--output-path", str(dist)],
                   check=True, capture_output=True, cwd=REPO)
    [tarball] = list(dist.iterdir())
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        assert tarball.name == "kyma-mtls-%s.tar.gz" % yaml.safe_load(handle)["version"]
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    for shipped in ("plugins/modules/certificate.py", "plugins/modules/crl.py", "plugins/modules/xfcc_info.py",
                    "roles/verify/tasks/main.yml", "playbooks/expose_mtls.yml", "meta/execution-environment.yml",
                    "meta/ee-requirements.txt"):
        assert shipped in names
    # The collection only: no tests, Molecule, benchmarks, local environment or development files.
    assert {n.split("/")[0] for n in names} == {"CHANGELOG.md", "FILES.json", "LICENSE", "MANIFEST.json", "README.md",
                                                "changelogs", "meta", "playbooks", "plugins", "roles"}
    assert not [n for n in names if n.startswith("changelogs/fragments")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if "daemon" in n or "node_agent" in n or "mesh_status" in n]

    # A clean configuration, so this checkout (linked into .build/collections) is not seen as installed.
    installed = tmp_path / "installed"
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_CONFIG=str(config))
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(installed),
                    str(tarball)], check=True, capture_output=True, env=env, cwd=str(tmp_path))
    assert (installed / "ansible_collections" / "kyma" / "mtls" / "plugins" / "modules" / "certificate.py").is_file()
    run = subprocess.run(
        [os.path.join(BIN, "ansible"), "localhost", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
         "-m", "kyma.mtls.certificate", "-a", json.dumps({
             "kind": "ca", "subject": "/CN=From the tarball", "path": str(tmp_path / "ca.crt"),
             "private_key_path": str(tmp_path / "ca.key")})],
        capture_output=True, text=True, env=env, check=False, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert str(installed) in subprocess.run([os.path.join(BIN, "ansible-doc"), "kyma.mtls.certificate"], env=env,
                                            capture_output=True, text=True, check=True).stdout
    assert '"subject": "CN=From the tarball"' in run.stdout

    # The installed playbook keeps its keys in the state folder, not in the collection that the next
    # install --force deletes (before 0.5.0: .../ansible_collections/kyma/mtls/.local/pki).
    home = tmp_path / "home"
    home.mkdir()
    user_env = {k: v for k, v in env.items() if k not in ("KYMA_MTLS_LOCAL_DIR", "KYMA_MTLS_STATE_DIR", "XDG_STATE_HOME")}
    user_env["HOME"] = str(home)
    playbook = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-e", "ansible_python_interpreter=" + sys.executable,
                               "kyma.mtls.tutorial_certificates"], capture_output=True, text=True, env=user_env,
                              check=False, cwd=str(tmp_path))
    assert playbook.returncode == 0, playbook.stdout[-3000:] + playbook.stderr[-3000:]
    pki = home / ".local" / "state" / "kyma-mtls" / "pki"
    assert sorted(p.name for p in pki.iterdir()) == ["ca.crt", "ca.key", "certificate-index.json", "client1.crt", "client1.key", "client2.crt",
                                                     "client2.key", "gateway.crt", "gateway.key"]
    assert oct((pki / "ca.key").stat().st_mode & 0o777) == "0o600"
    collection = installed / "ansible_collections" / "kyma" / "mtls"
    assert not [str(path) for path in collection.rglob("*.key")]
    assert not (collection / ".local").exists()
