# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the main job's variables and of the gateway's PEM files, made before anything is issued
or applied. Each problem names the variable (with its index or key) and what is wrong with it."""

from __future__ import annotations

import json
import os
import re

from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der
from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError
from ansible_collections.kyma.mtls.plugins.module_utils.pki.text import PENDING, validate_dns_name
from ansible_collections.kyma.mtls.plugins.module_utils.provided import provided_issued, provided_problems
from ansible_collections.kyma.mtls.plugins.module_utils.samples import SAMPLES

# RFC 1123 labels, as Kubernetes names namespaces, Services and most objects.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_WORKLOAD_KEYS = {"name", "port", "host", "labels", "echo_path"}
_SERVICE_KEYS = {"name", "port", "host", "exposure"}
_RULE_KEYS = {"path", "methods"}
_CLIENT_KEYS = {"name", "subject"}


# Imported when a client is checked: role checks need no cryptography, and each task's worker
# would import it again.
def _cryptography_problem():
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import CRYPTOGRAPHY_PROBLEM  # pylint: disable=import-outside-toplevel
    return CRYPTOGRAPHY_PROBLEM


def _parse_subject(text):
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.subject import parse_subject  # pylint: disable=import-outside-toplevel
    return parse_subject(text)


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


# A long allow-list adds "-<10 hex digits>" to the policy's name for its buckets (allow_policies.py).
_POLICY_NAME_MAX = 253 - 11


def check_policy_name(problems, where, value):
    """An AuthorizationPolicy name (a DNS subdomain) that leaves room for the buckets' suffix."""
    if not isinstance(value, str) or len(value) > _POLICY_NAME_MAX or not all(
            _DNS_LABEL.match(label) for label in value.split(".")):
        problems.add(where, "must be a Kubernetes object name (lowercase letters, digits, inner '-' and '.', at most "
                     "%d), got %r" % (_POLICY_NAME_MAX, value))


def check_port(problems, where, value):
    if isinstance(value, str) and value.isdigit():  # -e name=8000 gives a string
        value = int(value)
    if not _is_int(value) or not 1 <= value <= 65535:
        problems.add(where, "must be a port number from 1 to 65535, got %r" % (value,))


def check_labels(problems, where, value, empty_ok=False):
    if isinstance(value, dict) and not value and empty_ok:
        return
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


def _mappings(problems, variable, items, keys):
    """(where, item) of each mapping in the list items; what is not a mapping, or has unknown keys, is a problem."""
    for index, item in enumerate(items):
        where = "%s[%d]" % (variable, index)
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping with %s, got %r" % (", ".join(sorted(keys)), item))
            continue
        for key in sorted(set(item) - keys):
            problems.add(where, "unknown key %r (known: %s)" % (key, ", ".join(sorted(keys))))
        yield where, item


def _check_client_name(problems, where, name):
    if not isinstance(name, str) or not _FILE_NAME.match(name) or name in ("client-ca", "server-ca", "gateway"):
        problems.add(where, "must be a file name (letters, digits, '.', '_', '-'; not client-ca, "
                     "server-ca or gateway), got %r" % (name,))
        return False
    return True


def _check_clients(problems, clients):
    if not isinstance(clients, list):
        problems.add("mtls_clients", "must be a list of {name, subject}, got %r" % (clients,))
        return []
    names, subjects = [], []
    unreadable = clients and _cryptography_problem()
    if unreadable:
        problems.add("mtls_clients", "the subjects cannot be read: %s on the controller" % unreadable)
    for where, client in _mappings(problems, "mtls_clients", clients, _CLIENT_KEYS):
        if _check_client_name(problems, where + ".name", client.get("name")):
            names.append(client["name"])
        if "subject" not in client:
            problems.add(where + ".subject", "is missing")
            continue
        if unreadable:
            continue
        try:
            subject = _parse_subject(client["subject"]).public_bytes()
        except PkiError as exc:
            problems.add(where + ".subject", str(exc))
            continue
        subjects.append((subject, where))
        # Envoy's rendering holds a '*' only where a value does, and at 10,000 clients it costs a
        # second of the job: only such subjects are rendered.
        if "*" not in str(client["subject"]):
            continue
        printed = envoy_name_from_der(subject)
        if printed.startswith("*") or printed.endswith("*"):
            problems.add(where + ".subject", "%s as Envoy prints it starts or ends with '*', which Istio reads as a "
                         "wildcard in a policy, so it could not be matched exactly; none may start or end with '*'"
                         % printed)
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
    known = set(names) | set(also)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        problems.add(where, "%s not in mtls_clients (%s)" % (", ".join(repr(n) for n in unknown), ", ".join(names) or "none"))
    for name in _duplicates(chosen):
        problems.add(where, "%r is named more than once" % name)
    return chosen


def _check_workloads(problems, workloads, domain_ok, domain):
    if not isinstance(workloads, list) or not workloads:
        problems.add("mtls_workloads", "must be a non-empty list of {name, port, host, labels}, got %r" % (workloads,))
        return
    hosts = []
    for where, workload in _named_ports(problems, "mtls_workloads", workloads, _WORKLOAD_KEYS,
                                        ("name", "port", "host", "labels")):
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
    for host in _duplicates(hosts):
        problems.add("mtls_workloads", "host %r is used more than once" % host)


def main_job_inputs(values):
    """The main job's variables -> {'problems', 'clients', 'client_names', 'issued', 'client_files'}: the
    clients as plain data when there is no problem. Values read from a vars file carry Ansible's
    origin tags, and every task that passes thousands of tagged clients on pays seconds for them;
    a copy without them costs a fraction. With mtls_certificates: provided, 'issued' stands for the
    certificates role's certificates_issued and 'client_files' gives each client's files by name."""
    problems, provided = _main_job_check(values)
    if problems:
        return {"problems": problems, "clients": [], "client_names": [], "issued": None, "client_files": {}}
    values = json.loads(json.dumps(values))
    issued, client_files = provided_issued(values, *provided) if provided else (None, {})
    clients = values["mtls_clients"]
    return {"problems": [], "clients": clients, "client_names": [client["name"] for client in clients],
            "issued": issued, "client_files": client_files}


def main_job_problems(values):
    """Every problem with the variables of playbooks/expose_mtls.yml; empty when they are fine."""
    return _main_job_check(values)[0]


def _main_job_check(values):
    """(problems, (identities, credential) of provided certificates or None)."""
    problems = Problems()
    _check_choice(problems, "mtls_state", values.get("mtls_state"), ("present", "absent"))
    _check_choice(problems, "mtls_certificates", values.get("mtls_certificates", "issue"), ("issue", "provided"))
    _check_choice(problems, "mtls_expose_mode", values.get("mtls_expose_mode"), ("apirule", "apirule_v1beta1", "virtualservice"))
    _check_choice(problems, "mtls_client_ca_rollover", values.get("mtls_client_ca_rollover"), ("none", "start", "finish"))
    for name in ("mtls_pin_certificates", "mtls_retire_previous"):
        _check_bool(problems, name, values.get(name))
    domain_ok = check_domain(problems, "mtls_domain", values.get("mtls_domain"))
    check_k8s_name(problems, "mtls_namespace", values.get("mtls_namespace"))
    check_k8s_name(problems, "mtls_gateway_name", values.get("mtls_gateway_name"))
    check_policy_name(problems, "mtls_policy_name", values.get("mtls_policy_name"))
    pki_dir = values.get("mtls_pki_dir")
    if not isinstance(pki_dir, str) or not pki_dir or (os.path.exists(pki_dir) and not os.path.isdir(pki_dir)):
        problems.add("mtls_pki_dir", "must be a directory (made if missing), got %r" % (pki_dir,))
    kubeconfig = values.get("mtls_kubeconfig")
    if kubeconfig is not None and not (isinstance(kubeconfig, str) and os.path.isfile(kubeconfig)):
        problems.add("mtls_kubeconfig", "is not a file: %r" % (kubeconfig,))
    samples = _list_of(problems, "mtls_samples", values.get("mtls_samples"), str, "sample names")
    if samples:
        for sample in samples:
            if sample not in SAMPLES:
                problems.add("mtls_samples", "unknown sample %r (there are %s)" % (sample, ", ".join(SAMPLES)))
    if values.get("mtls_state") == "present":
        _check_workloads(problems, values.get("mtls_workloads"), domain_ok, values.get("mtls_domain"))
    provided = None
    if values.get("mtls_certificates") == "provided":
        names, identities, credential = provided_problems(problems, values,
                                                          lambda where, name: _check_client_name(problems, where, name))
        provided = (identities, credential)
    else:
        names = _check_clients(problems, values.get("mtls_clients"))
    allowed = _check_client_names(problems, "mtls_allowed_clients", values.get("mtls_allowed_clients"), names)
    revoked = _check_client_names(problems, "mtls_revoked_clients", values.get("mtls_revoked_clients"), names)
    _check_client_names(problems, "mtls_renew", values.get("mtls_renew"), names, also=("server",))
    if values.get("mtls_state") == "present" and isinstance(values.get("mtls_allowed_clients"), list) and not allowed:
        problems.add("mtls_allowed_clients", "must name at least one client: with none, every request would get 403")
    revoked_names = set(revoked)
    both = [name for name in allowed if name in revoked_names]
    if both:
        problems.add("mtls_revoked_clients", "%s also in mtls_allowed_clients: a client is either let in or revoked"
                     % ", ".join(repr(n) for n in both))
    return problems.found, provided


_FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{64}$")


def _expose_problems(values, problems):
    _check_choice(problems, "expose_mode", values.get("expose_mode"), ("apirule", "apirule_v1beta1", "virtualservice"))
    gateway = values.get("expose_gateway")
    if not isinstance(gateway, str) or gateway.count("/") != 1 or not all(_DNS_LABEL.match(p) for p in gateway.split("/")):
        problems.add("expose_gateway", "must be namespace/name of the Gateway, got %r" % (gateway,))
    _check_rules(problems, values.get("expose_rules"))
    check_k8s_name(problems, "expose_namespace", values.get("expose_namespace"))
    timeout = values.get("expose_timeout", 180)
    if isinstance(timeout, str) and timeout.isdigit():
        timeout = int(timeout)
    if not _is_int(timeout) or timeout < 1:
        problems.add("expose_timeout", "must be a number of seconds, got %r" % (timeout,))
    services = values.get("expose_services") or []
    if not isinstance(services, list):
        problems.add("expose_services", "must be a list of {name, port, host}, got %r" % (services,))
    elif services:
        _check_services(problems, services)
        return
    check_port(problems, "expose_service_port", values.get("expose_service_port"))
    check_k8s_name(problems, "expose_service_name", values.get("expose_service_name"))
    _check_full_host(problems, "expose_host", values.get("expose_host"))


def _check_full_host(problems, where, host):
    if check_domain(problems, where, host) and host.count(".") < 1:
        problems.add(where, "must be a full host name such as httpbin.example.com, got %r" % host)


def _check_rules(problems, rules):
    if not isinstance(rules, list) or not rules:
        problems.add("expose_rules", "must be a non-empty list of rules")
        return
    for where, rule in _mappings(problems, "expose_rules", rules, _RULE_KEYS):
        path = rule.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            problems.add(where + ".path", "must be a path starting with '/', got %r" % (path,))
        methods = rule.get("methods")
        if not isinstance(methods, list) or not methods or not all(isinstance(m, str) and m for m in methods):
            problems.add(where + ".methods", "must be a non-empty list of HTTP methods, got %r" % (methods,))


def _check_services(problems, services):
    for where, service in _named_ports(problems, "expose_services", services, _SERVICE_KEYS, ("name", "port", "host")):
        if "host" in service:
            _check_full_host(problems, where + ".host", service["host"])
        if "exposure" in service:
            check_k8s_name(problems, where + ".exposure", service["exposure"])


def _named_ports(problems, variable, items, keys, required):
    """[(where, item)] of the mappings in items, after checking that the required keys are there, that
    each name is a Kubernetes name used once and each port a port."""
    names, found = [], []
    for where, item in _mappings(problems, variable, items, keys):
        for key in required:
            if key not in item:
                problems.add("%s.%s" % (where, key), "is missing")
        if "name" in item and check_k8s_name(problems, where + ".name", item["name"]):
            names.append(item["name"])
        if "port" in item:
            check_port(problems, where + ".port", item["port"])
        found.append((where, item))
    for name in _duplicates(names):
        problems.add(variable, "name %r is used more than once" % name)
    return found


def _authorization_problems(values, problems):
    check_policy_name(problems, "authorization_name", values.get("authorization_name"))
    check_k8s_name(problems, "authorization_namespace", values.get("authorization_namespace"))
    # {}: every pod of the namespace (the main job's one allow-list).
    check_labels(problems, "authorization_workload_labels", values.get("authorization_workload_labels"), empty_ok=True)
    subjects = _list_of(problems, "authorization_allowed_subjects", values.get("authorization_allowed_subjects"), str,
                        "subjects as Envoy prints them")
    if subjects is not None:
        if values.get("authorization_state") == "present" and not subjects:
            problems.add("authorization_allowed_subjects", "must name at least one subject")
        for subject in subjects:
            if not subject or subject.startswith("*") or subject.endswith("*"):
                problems.add("authorization_allowed_subjects", "%r is empty or starts or ends with '*', which Istio "
                             "reads as a wildcard, so it cannot be matched exactly" % subject)
    for name in _list_of(problems, "authorization_replaces", values.get("authorization_replaces", []), str,
                         "policy names") or []:
        check_policy_name(problems, "authorization_replaces", name)
    fingerprints = _list_of(problems, "authorization_allowed_fingerprints",
                            values.get("authorization_allowed_fingerprints"), str, "SHA-256 fingerprints")
    for fingerprint in fingerprints or []:
        if not _FINGERPRINT.match(fingerprint) and fingerprint != PENDING:  # check mode: issued on apply
            problems.add("authorization_allowed_fingerprints", "%r is not a SHA-256 fingerprint (64 hex digits)"
                         % fingerprint)


def _gateway_problems(values, problems):
    check_port(problems, "gateway_port", values.get("gateway_port"))
    for option in ("gateway_name", "gateway_namespace", "gateway_ingress_namespace"):
        check_k8s_name(problems, option, values.get(option))
    hosts = _list_of(problems, "gateway_hosts", values.get("gateway_hosts"), str, "host names")
    if hosts is not None and not hosts:
        problems.add("gateway_hosts", "must name at least one host")
    for index, host in enumerate(hosts or []):
        # Istio's Gateway hosts: [namespace/]host, where host may be '*' or start with '*.'.
        host = host.split("/", 1)[1] if "/" in host else host
        if host == "*":
            continue
        try:
            validate_dns_name(host)
        except PkiError as exc:
            problems.add("gateway_hosts[%d]" % index, str(exc))


ROLE_CHECKS = {"expose": _expose_problems, "authorization": _authorization_problems, "gateway": _gateway_problems}


def role_problems(role, values):
    """Every problem with a role's options (a dict); empty when they are fine."""
    problems = Problems()
    ROLE_CHECKS[role](values, problems)
    return problems.found
