"""Issue a fleet of client certificates three ways, side by side in one run, and print ratios.

  A  kyma.mtls.certificate_set      one task for the whole fleet
  B  kyma.mtls.certificate          one task looping over the fleet
  C  community.crypto               openssl_privatekey + openssl_csr + x509_certificate (ownca),
                                    each looping over the fleet (x509_certificate needs a CSR)

Each way runs twice: the first run issues, the second finds everything current. All use EC P-256
keys, the same CA, the same connection and Ansible settings.

    .venv/bin/python bench/certificate_fleet.py --count 1000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK_HEAD = """
- hosts: localhost
  gather_facts: false
  tasks:
"""

WAYS = {
    "A kyma.mtls.certificate_set": """
    - kyma.mtls.certificate_set:
        ca_path: "{{ pki }}/ca.crt"
        ca_private_key_path: "{{ pki }}/ca.key"
        directory: "{{ out }}"
        certificates: "{{ names | map('community.general.dict_kv', 'name') | zip(subjects) | map('combine') }}"
""",
    "B kyma.mtls.certificate (loop)": """
    - kyma.mtls.certificate:
        kind: client
        subject: "/CN={{ item }}.example.com/O=example"
        ca_path: "{{ pki }}/ca.crt"
        ca_private_key_path: "{{ pki }}/ca.key"
        path: "{{ out }}/{{ item }}.crt"
        private_key_path: "{{ out }}/{{ item }}.key"
      loop: "{{ names }}"
""",
    "C community.crypto (loops)": """
    - community.crypto.openssl_privatekey:
        path: "{{ out }}/{{ item }}.key"
        type: ECC
        curve: secp256r1
      loop: "{{ names }}"
    - community.crypto.openssl_csr:
        path: "{{ out }}/{{ item }}.csr"
        privatekey_path: "{{ out }}/{{ item }}.key"
        common_name: "{{ item }}.example.com"
        organization_name: example
        extended_key_usage: [clientAuth]
      loop: "{{ names }}"
    - community.crypto.x509_certificate:
        path: "{{ out }}/{{ item }}.crt"
        csr_path: "{{ out }}/{{ item }}.csr"
        provider: ownca
        ownca_path: "{{ pki }}/ca.crt"
        ownca_privatekey_path: "{{ pki }}/ca.key"
        ownca_not_after: +365d
      loop: "{{ names }}"
""",
}


def run(playbook, extra_vars):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.null")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-e", "@" + extra_vars]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s\n%s" % (playbook, done.stdout[-3000:], done.stderr[-3000:]))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="certificates in the fleet (default 1000)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-fleet-")
    pki = os.path.join(work, "pki")
    os.mkdir(pki)
    run_setup = os.path.join(REPO, "playbooks", "tutorial_certificates.yml")
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), run_setup,
                    "-e", json.dumps({"mtls_pki_dir": pki, "mtls_clients": []})],
                   cwd=REPO, check=True, capture_output=True)
    names = ["client%04d" % i for i in range(args.count)]
    subjects = [{"subject": "/CN=%s.example.com/O=example" % n} for n in names]
    timings = {}
    for way, tasks in WAYS.items():
        out = os.path.join(work, way.split()[0])
        os.mkdir(out)
        playbook = os.path.join(work, way.split()[0] + ".yml")
        with open(playbook, "w") as handle:
            handle.write(PLAYBOOK_HEAD + tasks)
        extra = os.path.join(work, way.split()[0] + ".json")
        with open(extra, "w") as handle:
            json.dump({"pki": pki, "out": out, "names": names, "subjects": subjects}, handle)
        issue = run(playbook, extra)
        converged = run(playbook, extra)
        timings[way] = (issue, converged)
        print("%-32s issue %8.1fs   converged re-run %8.1fs" % (way, issue, converged), flush=True)
    base_issue, base_converged = timings["A kyma.mtls.certificate_set"]
    print("\n%d certificates; ratios against A (higher = A is faster):" % args.count)
    for way, (issue, converged) in timings.items():
        print("  %-32s issue x%.1f   converged x%.1f" % (way, issue / base_issue, converged / base_converged))


if __name__ == "__main__":
    main()
