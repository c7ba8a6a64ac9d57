"""module_defaults for an action group give every module of the group the same options. So each
module of a group must accept every option of the others, with the same type and default: else a
default meant for one module breaks another (as key_type broke kyma.mtls.crl in the certificates
group of 0.4, and ca_path broke kind: ca)."""

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def options_of(modules):
    names = ["kyma.mtls." + module for module in modules]
    # ansible-doc as a module of this Python: ansible-test units has no ansible-doc script beside it.
    docs = json.loads(subprocess.run([sys.executable, "-m", "ansible.cli.doc", "--json"] + names, capture_output=True,
                                     text=True, check=True).stdout)
    return {name: docs[name]["doc"]["options"] for name in names}


def disagreements(options):
    """(option, module, what is wrong) for each option that a module of the group lacks or reads differently."""
    found = []
    for option in sorted({name for module_options in options.values() for name in module_options}):
        specs = {module: module_options.get(option) for module, module_options in options.items()}
        for module, spec in specs.items():
            if spec is None:
                found.append((option, module, "does not accept it"))
        shapes = {(spec.get("type"), json.dumps(spec.get("default"))) for spec in specs.values() if spec}
        if len(shapes) > 1:
            found.append((option, "the group", "types and defaults differ: %s" % sorted(shapes)))
    return found


def test_the_disagreement_check_finds_what_broke_the_certificates_group():
    found = disagreements(options_of(["certificate", "crl"]))
    assert ("key_type", "kyma.mtls.crl", "does not accept it") in found
    assert any(entry[0] == "valid_days" and "differ" in entry[2] for entry in found)


def test_every_action_group_agrees_on_its_options():
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        groups = yaml.safe_load(handle).get("action_groups", {})
    for group, modules in groups.items():
        assert disagreements(options_of(modules)) == [], group
