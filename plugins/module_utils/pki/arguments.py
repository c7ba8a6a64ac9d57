# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by kyma.mtls.certificate and kyma.mtls.certificate_set."""

from __future__ import annotations

from ansible_collections.kyma.mtls.plugins.module_utils.pki.keys import CURVES, RSA_SIZES

# What one certificate is: used at the top level of certificate, per item in certificate_set.
IDENTITY_OPTIONS = {
    "path": {"type": "path", "required": True},
    "private_key_path": {"type": "path", "required": True},
    "subject": {"type": "raw", "required": True},
    "dns_names": {"type": "list", "elements": "str", "default": []},
    "ip_addresses": {"type": "list", "elements": "str", "default": []},
    "uris": {"type": "list", "elements": "str", "default": []},
}

# How it is issued: shared by every certificate a task issues.
ISSUANCE_OPTIONS = {
    "ca_path": {"type": "path"},
    "ca_private_key_path": {"type": "path"},
    "ca_private_key_passphrase": {"type": "str", "no_log": True},
    "key_type": {"type": "str", "choices": ["ec", "rsa"], "default": "ec"},
    "curve": {"type": "str", "choices": list(CURVES), "default": "P-256"},
    "key_size": {"type": "int", "choices": list(RSA_SIZES), "default": 2048},
    "valid_days": {"type": "int", "default": 365},
    "renew_before_days": {"type": "int", "default": 30},
    "mode": {"type": "raw", "default": "0600"},
    "force": {"type": "bool", "default": False},
    "previous": {"type": "str", "choices": ["ignore", "keep", "retire"], "default": "ignore"},
}


def certificate_argument_spec():
    spec = {"kind": {"type": "str", "choices": ["ca", "server", "client"]}}
    spec.update(IDENTITY_OPTIONS)
    spec.update(ISSUANCE_OPTIONS)
    # What a certificate is matters only when there is to be one.
    spec["subject"] = dict(spec["subject"], required=False)
    spec.update({
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "owner": {"type": "str"},
        "group": {"type": "str"},
        "backup": {"type": "bool", "default": False},
    })
    return spec


CERTIFICATE_PRESENT_NEEDS = [("state", "present", ["kind", "subject"])]


def certificate_set_argument_spec():
    item_options = dict(IDENTITY_OPTIONS, name={"type": "str"})
    item_options["path"] = {"type": "path"}
    item_options["private_key_path"] = {"type": "path"}
    # None: the task's option.
    item_options["force"] = {"type": "bool"}
    item_options["kind"] = {"type": "str", "choices": ["ca", "server", "client"]}
    item_options["signed_by"] = {"type": "str"}
    item_options["valid_days"] = {"type": "int"}
    item_options["previous"] = {"type": "str", "choices": ["ignore", "keep", "retire"]}
    spec = {
        "kind": {"type": "str", "choices": ["server", "client"], "default": "client"},
        "directory": {"type": "path"},
        "directory_mode": {"type": "raw"},
        "certificates": {"type": "list", "elements": "dict", "required": True, "options": item_options},
        # Defaults for the items, so that a caller passes thousands of clients as they are.
        "signed_by": {"type": "str"},
        "renew": {"type": "list", "elements": "str", "default": []},
        # What comes back: thousands of full results cost Ansible seconds to carry (runner.py).
        "results": {"type": "str", "choices": ["all", "brief"], "default": "all"},
        "identities_of": {"type": "list", "elements": "str", "default": []},
    }
    spec.update(ISSUANCE_OPTIONS)
    return spec


SIGNED_KINDS_NEED_CA = [
    ("kind", "server", ["ca_path", "ca_private_key_path"]),
    ("kind", "client", ["ca_path", "ca_private_key_path"]),
]
