# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the main job's variables and of the gateway's PEM files, made before anything is issued
or applied. Each problem names the variable (with its index or key) and what is wrong with it."""

from __future__ import annotations

import os
import re

from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.spec import validate_dns_name
from ansible_collections.kyma.mtls.plugins.module_utils.pki.subject import parse_subject

# RFC 1123 labels, as Kubernetes names namespaces, Services and most objects.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_SAMPLES = ("httpbin", "function")
_WORKLOAD_KEYS = {"name", "port", "host", "labels", "echo_path"}
_CLIENT_KEYS = {"name", "subject"}


class Problems:
    def __init__(self):
        self.found = []

    def add(self, where, what):
        self.found.append("%s: %s" % (where, what))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_choice(problems, where, value, choices):
    if value not in choices:
        problems.add(where, "must be one of %s, got %r" % (", ".join(choices), value))


_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0")


def _check_bool(problems, where, value):
    # As Ansible's own bool conversion, so that -e name=false works.
    if not isinstance(value, bool) and not (isinstance(value, str) and value.lower() in _BOOLEAN_WORDS) \
            and value not in (0, 1):
        problems.add(where, "must be true or false, got %r" % (value,))


def check_k8s_name(problems, where, value):
    if not isinstance(value, str) or not _DNS_LABEL.match(value):
        problems.add(where, "must be a Kubernetes name (lowercase letters, digits and inner '-', at most 63), got %r"
                     % (value,))
        return False
    return True


def check_port(problems, where, value):
    if not _is_int(value) or not 1 <= value <= 65535:
        problems.add(where, "must be a port number from 1 to 65535, got %r" % (value,))


def check_labels(problems, where, value):
    if not isinstance(value, dict) or not value:
        problems.add(where, "must be a non-empty mapping of the pods' labels (an empty selector would match every pod)"
                     ", got %r" % (value,))
        return
    for key, text in value.items():
        if not isinstance(key, str) or not _LABEL_KEY.match(key):
            problems.add(where, "%r is not a valid label key" % (key,))
        if not isinstance(text, str) or not _LABEL_VALUE.match(text):
            problems.add("%s.%s" % (where, key), "must be a label value (a string of at most 63 letters, digits, "
                         "'-', '_', '.'), got %r" % (text,))


def check_domain(problems, where, value):
    if not isinstance(value, str) or not value or value.startswith("*"):
        problems.add(where, "must be a DNS domain such as example.com (without '*.'), got %r" % (value,))
        return False
    try:
        validate_dns_name(value)
    except PkiError as exc:
        problems.add(where, str(exc))
        return False
    return True


def _list_of(problems, where, value, element_type, what):
    if not isinstance(value, list) or not all(isinstance(item, element_type) for item in value):
        problems.add(where, "must be a list of %s, got %r" % (what, value))
        return None
    return value


def _duplicates(values):
    seen, repeated = set(), []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _check_clients(problems, clients):
    if not isinstance(clients, list):
        problems.add("mtls_clients", "must be a list of {name, subject}, got %r" % (clients,))
        return []
    names, subjects = [], []
    for index, client in enumerate(clients):
        where = "mtls_clients[%d]" % index
        if not isinstance(client, dict):
            problems.add(where, "must be a mapping {name, subject}, got %r" % (client,))
            continue
        for key in sorted(set(client) - _CLIENT_KEYS):
            problems.add(where, "unknown key %r (a client has name and subject)" % key)
        name = client.get("name")
        if not isinstance(name, str) or not _FILE_NAME.match(name) or name in ("client-ca", "server-ca", "gateway"):
            problems.add(where + ".name", "must be a file name (letters, digits, '.', '_', '-'; not client-ca, "
                         "server-ca or gateway), got %r" % (name,))
        else:
            names.append(name)
        if "subject" not in client:
            problems.add(where + ".subject", "is missing")
            continue
        try:
            subjects.append((parse_subject(client["subject"]).public_bytes(), where))
        except PkiError as exc:
            problems.add(where + ".subject", str(exc))
    for name in _duplicates(names):
        problems.add("mtls_clients", "name %r is used more than once" % name)
    by_subject = {}
    for subject, where in subjects:
        by_subject.setdefault(subject, []).append(where)
    for places in by_subject.values():
        if len(places) > 1:
            problems.add("mtls_clients", "%s have the same subject: a policy could not tell them apart" % " and ".join(places))
    return names


def _check_client_names(problems, where, value, names, also=()):
    chosen = _list_of(problems, where, value, str, "client names")
    if chosen is None:
        return []
    unknown = [name for name in chosen if name not in names and name not in also]
    if unknown:
        problems.add(where, "%s not in mtls_clients (%s)" % (", ".join(repr(n) for n in unknown), ", ".join(names) or "none"))
    for name in _duplicates(chosen):
        problems.add(where, "%r is named more than once" % name)
    return chosen


def _check_workloads(problems, workloads, domain_ok, domain):
    if not isinstance(workloads, list) or not workloads:
        problems.add("mtls_workloads", "must be a non-empty list of {name, port, host, labels}, got %r" % (workloads,))
        return
    names, hosts = [], []
    for index, workload in enumerate(workloads):
        where = "mtls_workloads[%d]" % index
        if not isinstance(workload, dict):
            problems.add(where, "must be a mapping {name, port, host, labels}, got %r" % (workload,))
            continue
        for key in sorted(set(workload) - _WORKLOAD_KEYS):
            problems.add(where, "unknown key %r (a workload has %s)" % (key, ", ".join(sorted(_WORKLOAD_KEYS))))
        for key in ("name", "port", "host", "labels"):
            if key not in workload:
                problems.add("%s.%s" % (where, key), "is missing")
        if "name" in workload and check_k8s_name(problems, where + ".name", workload["name"]):
            names.append(workload["name"])
        if "port" in workload:
            check_port(problems, where + ".port", workload["port"])
        if "host" in workload:
            host = workload["host"]
            if not isinstance(host, str) or not _DNS_LABEL.match(host):
                problems.add(where + ".host", "must be one DNS label (the host is <host>.mtls_domain), got %r" % (host,))
            else:
                hosts.append(host)
                if domain_ok and len(host) + 1 + len(domain) > 253:
                    problems.add(where + ".host", "%s.%s is longer than 253 characters" % (host, domain))
        if "labels" in workload:
            check_labels(problems, where + ".labels", workload["labels"])
        path = workload.get("echo_path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            problems.add(where + ".echo_path", "must be a path starting with '/', got %r" % (path,))
    for name in _duplicates(names):
        problems.add("mtls_workloads", "name %r is used more than once" % name)
    for host in _duplicates(hosts):
        problems.add("mtls_workloads", "host %r is used more than once" % host)


def main_job_problems(values):
    """Every problem with the variables of playbooks/expose_mtls.yml; empty when they are fine."""
    problems = Problems()
    _check_choice(problems, "mtls_state", values.get("mtls_state"), ("present", "absent"))
    _check_choice(problems, "mtls_expose_mode", values.get("mtls_expose_mode"), ("apirule", "apirule_v1beta1", "virtualservice"))
    _check_choice(problems, "mtls_client_ca_rollover", values.get("mtls_client_ca_rollover"), ("none", "start", "finish"))
    for name in ("mtls_pin_certificates", "mtls_retire_previous"):
        _check_bool(problems, name, values.get(name))
    domain_ok = check_domain(problems, "mtls_domain", values.get("mtls_domain"))
    check_k8s_name(problems, "mtls_namespace", values.get("mtls_namespace"))
    check_k8s_name(problems, "mtls_gateway_name", values.get("mtls_gateway_name"))
    pki_dir = values.get("mtls_pki_dir")
    if not isinstance(pki_dir, str) or not pki_dir or (os.path.exists(pki_dir) and not os.path.isdir(pki_dir)):
        problems.add("mtls_pki_dir", "must be a directory (made if missing), got %r" % (pki_dir,))
    kubeconfig = values.get("mtls_kubeconfig")
    if kubeconfig is not None and not (isinstance(kubeconfig, str) and os.path.isfile(kubeconfig)):
        problems.add("mtls_kubeconfig", "is not a file: %r" % (kubeconfig,))
    samples = _list_of(problems, "mtls_samples", values.get("mtls_samples"), str, "sample names")
    if samples:
        for sample in samples:
            if sample not in _SAMPLES:
                problems.add("mtls_samples", "unknown sample %r (there are %s)" % (sample, ", ".join(_SAMPLES)))
    if values.get("mtls_state") == "present":
        _check_workloads(problems, values.get("mtls_workloads"), domain_ok, values.get("mtls_domain"))
    names = _check_clients(problems, values.get("mtls_clients"))
    allowed = _check_client_names(problems, "mtls_allowed_clients", values.get("mtls_allowed_clients"), names)
    revoked = _check_client_names(problems, "mtls_revoked_clients", values.get("mtls_revoked_clients"), names)
    _check_client_names(problems, "mtls_renew", values.get("mtls_renew"), names, also=("server",))
    if values.get("mtls_state") == "present" and isinstance(values.get("mtls_allowed_clients"), list) and not allowed:
        problems.add("mtls_allowed_clients", "must name at least one client: with none, every request would get 403")
    both = [name for name in allowed if name in revoked]
    if both:
        problems.add("mtls_revoked_clients", "%s also in mtls_allowed_clients: a client is either let in or revoked"
                     % ", ".join(repr(n) for n in both))
    return problems.found
