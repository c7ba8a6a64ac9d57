# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main job with certificates the user brings (mtls_certificates: provided), as a corporate PKI or
Kyma's own mTLS guide (openssl) gives them: files, and no CA key. Their problems, found before anything
is applied, and what the job needs of them in the shape the certificates role publishes
(certificates_issued), so that the gateway, the policy and mtls_result work the same in both modes."""

from __future__ import annotations

import re

# Rotation and revocation issue or sign, which needs a CA's private key; provided CRLs revoke instead.
ROTATION_DEFAULTS = (("mtls_revoked_clients", []), ("mtls_renew", []), ("mtls_retire_previous", False),
                     ("mtls_client_ca_rollover", "none"))
CLIENT_KEYS = {"name", "certificate", "private_key"}
# credential_problems names the gateway role's options; the job's messages name its own.
_CREDENTIAL_VARIABLES = (
    (re.compile(r"^gateway_server_certificate: "), lambda m: "mtls_server_certificate: "),
    (re.compile(r"^gateway_server_private_key: "), lambda m: "mtls_server_private_key: "),
    (re.compile(r"^gateway_client_ca_certificate: "), lambda m: "mtls_client_cas[0]: "),
    (re.compile(r"^gateway_client_ca_extra_certificates\[(\d+)\]: "), lambda m: "mtls_client_cas[%d]: " % (int(m.group(1)) + 1)),
    (re.compile(r"^gateway_client_crl: "), lambda m: "mtls_client_crls[0]: "),
    (re.compile(r"^gateway_client_extra_crls\[(\d+)\]: "), lambda m: "mtls_client_crls[%d]: " % (int(m.group(1)) + 1)),
)


def _job_name(problem):
    for pattern, name in _CREDENTIAL_VARIABLES:
        match = pattern.match(problem)
        if match:
            return name(match) + problem[match.end():]
    return problem


def _paths(problems, where, value, required):
    if not isinstance(value, list) or not all(isinstance(path, str) and path for path in value):
        problems.add(where, "must be a list of PEM files, got %r" % (value,))
        return []
    if required and not value:
        problems.add(where, "must name at least one PEM file of a client CA with mtls_certificates: provided")
    return value


def _credential(problems, values):
    """The credential's files as the gateway role takes them, or None when an option is malformed."""
    server, key = values.get("mtls_server_certificate"), values.get("mtls_server_private_key")
    for where, path in (("mtls_server_certificate", server), ("mtls_server_private_key", key)):
        if not isinstance(path, str) or not path:
            problems.add(where, "must be a PEM file with mtls_certificates: provided, got %r" % (path,))
    cas = _paths(problems, "mtls_client_cas", values.get("mtls_client_cas"), required=True)
    crls = _paths(problems, "mtls_client_crls", values.get("mtls_client_crls", []), required=False)
    server_ca = values.get("mtls_server_ca", "")
    if not isinstance(server_ca, str):
        problems.add("mtls_server_ca", "must be a PEM file or empty, got %r" % (server_ca,))
    if not (isinstance(server, str) and server and isinstance(key, str) and key and cas):
        return None
    return {"server": server, "key": key, "cas": cas, "crls": crls, "server_ca": server_ca if isinstance(server_ca, str) else ""}


def _trusted_cas(cas):
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.errors import PkiError  # pylint: disable=import-outside-toplevel
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.signer import (  # pylint: disable=import-outside-toplevel
        load_certificates_pem)
    trusted = []
    for path in cas:
        try:
            with open(path, "rb") as handle:
                trusted += load_certificates_pem(handle.read(), path)
        except (OSError, PkiError):
            continue  # credential_problems names it
    return trusted


def _read_client(problems, where, path, trusted):
    """(subject as Envoy prints it, fingerprint) of a client certificate, or None after naming what is wrong."""
    # Imported here: the issue mode's checks need none of it, and each task's worker imports anew.
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.crypto import x509  # pylint: disable=import-outside-toplevel
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.examine import (  # pylint: disable=import-outside-toplevel
        certificate_facts, is_issued_by)
    try:
        with open(path, "rb") as handle:
            certificate = x509.load_pem_x509_certificate(handle.read())
    except OSError as exc:
        problems.add(where, "cannot read %r: %s" % (path, exc.strerror))
        return None
    except ValueError:
        problems.add(where, "%s holds no PEM certificate" % path)
        return None
    facts = certificate_facts(certificate)
    if trusted and not any(is_issued_by(certificate, ca) for ca in trusted):
        problems.add(where, "%s (%s) is not signed by a CA of mtls_client_cas: the gateway would refuse it at the handshake"
                     % (path, facts["subject"]))
    if facts["subject"].startswith("*") or facts["subject"].endswith("*"):
        problems.add(where, "its subject %s starts or ends with '*', which Istio reads as a wildcard in a policy"
                     % facts["subject"])
    return facts["subject"], facts["fingerprint_sha256"]


def provided_clients(problems, values, check_name, trusted):
    """The clients' names, and {name: (subject, fingerprint)} of those whose certificate could be read."""
    clients = values.get("mtls_clients")
    if not isinstance(clients, list):
        problems.add("mtls_clients", "must be a list of {name, certificate[, private_key]}, got %r" % (clients,))
        return [], {}
    names, identities = [], {}
    for index, client in enumerate(clients):
        where = "mtls_clients[%d]" % index
        if not isinstance(client, dict):
            problems.add(where, "must be a mapping, got %r" % (client,))
            continue
        for key in sorted(set(client) - CLIENT_KEYS):
            hint = " (with mtls_certificates: provided the subject is read from the certificate)" if key == "subject" else ""
            problems.add(where, "unknown key %r (known: %s)%s" % (key, ", ".join(sorted(CLIENT_KEYS)), hint))
        if check_name(where + ".name", client.get("name")):
            names.append(client["name"])
        certificate = client.get("certificate")
        if not isinstance(certificate, str) or not certificate:
            problems.add(where + ".certificate", "must be the client's PEM certificate file, got %r" % (certificate,))
            continue
        key = client.get("private_key")
        if key is not None and not (isinstance(key, str) and key):
            problems.add(where + ".private_key", "must be a PEM file (only requests need it), got %r" % (key,))
        read = _read_client(problems, where + ".certificate", certificate, trusted)
        if read and isinstance(client.get("name"), str):
            identities[client["name"]] = read
    by_subject = {}
    for name, (subject, _fingerprint) in identities.items():
        by_subject.setdefault(subject, []).append(name)
    for subject, same in by_subject.items():
        if len(same) > 1:
            problems.add("mtls_clients", "%s have the same subject %s: a policy could not tell them apart"
                         % (" and ".join(same), subject))
    return names, identities


def provided_problems(problems, values, check_name):
    """Every problem of the provided-certificates options; returns (client names, identities, credential)."""
    for variable, default in ROTATION_DEFAULTS:
        if values.get(variable, default) != default:
            problems.add(variable, "needs the CA's private key, which kyma.mtls does not have with mtls_certificates: "
                         "provided; revoke with mtls_client_crls and renew in your PKI")
    credential = _credential(problems, values)
    trusted = []
    if credential is not None:
        from ansible_collections.kyma.mtls.plugins.module_utils.pki.credential_check import (  # pylint: disable=import-outside-toplevel
            credential_problems)
        for problem in credential_problems(credential["server"], credential["key"], credential["cas"][0],
                                           credential["cas"][1:], (credential["crls"] or [None])[0], credential["crls"][1:]):
            problems.found.append(_job_name(problem))
        trusted = _trusted_cas(credential["cas"])
    names, identities = provided_clients(problems, values, check_name, trusted)
    return names, identities, credential


def provided_issued(values, identities, credential):
    """certificates_issued as the certificates role publishes it, from the provided files; and each client's
    files by name (mtls_result.client_files) for the verify role."""
    allowed = values["mtls_allowed_clients"]
    issued = {
        "client_ca": {"path": credential["cas"][0]},
        "client_ca_extra": credential["cas"][1:],
        "server_ca": {"path": credential["server_ca"]},
        "server": {"path": credential["server"], "private_key_path": credential["key"]},
        "clients": {},
        "identities": {"subjects": [identities[name][0] for name in allowed],
                       "fingerprints": [identities[name][1] for name in allowed]},
        "client_crl": {"path": credential["crls"][0]} if credential["crls"] else {},
        "client_crl_extra": credential["crls"][1:],
    }
    files = {client["name"]: {"path": client["certificate"], "private_key_path": client.get("private_key")}
             for client in values["mtls_clients"]}
    return issued, files
