"""The fixed host ports of the local environments: Molecule's own set, clear of `make demo`'s and of
the ephemeral range, where an outgoing connection may hold a port before its server binds it."""

import glob
import os

import yaml

from tests.support.localenv import PORTS
from tests.support.playbooks import REPO
from tests.support.processes import _ephemeral_range


def load(path):
    with open(os.path.join(REPO, path)) as handle:
        return yaml.safe_load(handle)


def role_defaults():
    ports = {}
    for path in glob.glob(os.path.join(REPO, "localenv", "roles", "*", "defaults", "main.yml")):
        ports.update({name: value for name, value in load(path).items() if name in PORTS})
    return ports


def test_molecule_sets_every_host_port_of_its_own():
    molecule = load(os.path.join("molecule", "default", "vars.yml"))
    defaults = role_defaults()
    assert sorted(name for name in PORTS if name not in molecule) == []
    assert set(defaults) == set(PORTS)
    assert not {molecule[name] for name in PORTS} & set(defaults.values())
    assert len({molecule[name] for name in PORTS}) == len(PORTS)


def test_no_fixed_port_is_in_the_ephemeral_range():
    low = _ephemeral_range()[0]
    molecule = load(os.path.join("molecule", "default", "vars.yml"))
    fixed = dict(role_defaults(), **{"molecule " + name: molecule[name] for name in PORTS})
    assert {name: port for name, port in fixed.items() if port >= low} == {}
