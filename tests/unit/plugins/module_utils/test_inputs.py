"""The main job's input checks: fine defaults pass, and each bad value is named with what is wrong."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils import inputs as inputs_module
from ansible_collections.kyma.mtls.plugins.module_utils.inputs import main_job_inputs, main_job_problems, role_problems
from tests.support.bad_inputs import CASES, CLIENTS, WORKLOAD

DEFAULTS = {"mtls_state": "present", "mtls_domain": "local.kyma.dev", "mtls_namespace": "kyma-mtls",
            "mtls_gateway_name": "kyma-mtls-gateway", "mtls_policy_name": "kyma-mtls-gateway-allowed-clients",
            "mtls_pki_dir": "/tmp/kyma-mtls-unit/pki",
            "mtls_expose_mode": "apirule", "mtls_samples": ["httpbin"], "mtls_workloads": [WORKLOAD],
            "mtls_clients": CLIENTS, "mtls_allowed_clients": ["client2"], "mtls_pin_certificates": True,
            "mtls_revoked_clients": [], "mtls_renew": [], "mtls_retire_previous": False,
            "mtls_client_ca_rollover": "none"}


def test_the_defaults_are_fine():
    assert main_job_problems(DEFAULTS) == []
    assert main_job_problems(dict(DEFAULTS, mtls_renew=["server", "client1"], mtls_revoked_clients=["client1"])) == []
    # Absent needs no workloads to remove the rest.
    assert main_job_problems(dict(DEFAULTS, mtls_state="absent", mtls_workloads=[])) == []


def test_there_are_fifty_distinct_cases():
    assert len(CASES) >= 50 and len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case,variables,variable,words", CASES, ids=[case[0] for case in CASES])
def test_each_bad_value_is_named(case, variables, variable, words):
    problems = main_job_problems(dict(DEFAULTS, **variables))
    assert any(p.startswith(variable + ": ") and words in p for p in problems), (case, problems)


class Tagged(str):
    """A string as Ansible reads it from a vars file: a subclass carrying its origin."""


def test_the_job_inputs_are_the_clients_as_plain_data_when_nothing_is_wrong():
    clients = [{"name": Tagged(c["name"]), "subject": Tagged(c["subject"])} for c in CLIENTS]
    inputs = main_job_inputs(dict(DEFAULTS, mtls_clients=clients))
    assert inputs["problems"] == [] and inputs["clients"] == CLIENTS and inputs["client_names"] == ["client1", "client2"]
    assert all(type(value) is str for client in inputs["clients"] for value in client.values())  # pylint: disable=unidiomatic-typecheck
    assert inputs["clients"][0] is not clients[0]


def test_the_job_inputs_carry_no_clients_when_something_is_wrong():
    inputs = main_job_inputs(dict(DEFAULTS, mtls_allowed_clients=["nobody"]))
    assert inputs["clients"] == [] and inputs["client_names"] == []
    assert [p.split(":")[0] for p in inputs["problems"]] == ["mtls_allowed_clients"]


def test_subjects_that_cannot_be_read_are_one_problem(monkeypatch):
    too_old = "the Python library cryptography >= 42.0 is required, found 38.0.4"
    monkeypatch.setattr(inputs_module, "_cryptography_problem", lambda: too_old)
    problems = main_job_problems(DEFAULTS)
    assert problems == ["mtls_clients: the subjects cannot be read: %s on the controller" % too_old]


@pytest.mark.parametrize("subject", [
    "/CN=*", "/CN=client*", "/CN=a*b/O=example", "/O=*example/CN=c", "/CN=c/O=ex*", [{"CN": "c"}, {"O": "e*"}],
    "/CN=c/O=example", "/CN=c+UID=*/O=e", "/C=DE/CN=#*", "/CN= star\\*",
])
def test_a_subject_is_refused_exactly_when_envoy_prints_it_with_a_wildcard_end(subject):
    """The check renders only subjects with a '*': the rest can never start or end with one."""
    from ansible_collections.kyma.mtls.plugins.module_utils.envoy_name import envoy_name_from_der  # pylint: disable=import-outside-toplevel
    from ansible_collections.kyma.mtls.plugins.module_utils.pki.subject import parse_subject  # pylint: disable=import-outside-toplevel
    printed = envoy_name_from_der(parse_subject(subject).public_bytes())
    problems = main_job_problems(dict(DEFAULTS, mtls_clients=[dict(CLIENTS[0], subject=subject), CLIENTS[1]]))
    refused = any("as Envoy prints it starts or ends with '*'" in p for p in problems)
    assert refused == (printed.startswith("*") or printed.endswith("*")), (printed, problems)


def test_every_problem_is_reported_at_once():
    problems = main_job_problems(dict(DEFAULTS, mtls_domain="bad_domain", mtls_workloads=[dict(WORKLOAD, port=0)],
                                      mtls_allowed_clients=["nobody"]))
    assert [p.split(":")[0] for p in problems] == ["mtls_domain", "mtls_workloads[0].port", "mtls_allowed_clients"]


ROLE_DEFAULTS = {
    "expose": {"expose_mode": "apirule", "expose_gateway": "kyma-mtls/kyma-mtls-gateway", "expose_rules": [{"path": "/*", "methods": ["GET"]}],
               "expose_service_port": 8000, "expose_service_name": "httpbin", "expose_namespace": "kyma-mtls",
               "expose_host": "httpbin.local.kyma.dev"},
    "authorization": {"authorization_state": "present", "authorization_name": "httpbin-mtls-allowed-clients",
                      "authorization_namespace": "kyma-mtls", "authorization_workload_labels": {"app": "httpbin"},
                      "authorization_allowed_subjects": ["O=example,CN=client2.example.com"],
                      "authorization_allowed_fingerprints": ["ab" * 32]},
    "gateway": {"gateway_port": 443, "gateway_hosts": ["*.local.kyma.dev"], "gateway_name": "kyma-mtls-gateway",
                "gateway_namespace": "kyma-mtls", "gateway_ingress_namespace": "istio-system"},
}
ROLE_CASES = [
    ("expose", {"expose_service_port": 70000}, "expose_service_port: must be a port number"),
    ("expose", {"expose_service_port": "http"}, "expose_service_port: must be a port number"),
    ("expose", {"expose_gateway": "gateway"}, "expose_gateway: must be namespace/name"),
    ("expose", {"expose_host": "bad_host.example"}, "expose_host: invalid DNS name"),
    ("expose", {"expose_host": "httpbin"}, "expose_host: must be a full host name"),
    ("expose", {"expose_rules": []}, "expose_rules: must be a non-empty list"),
    ("authorization", {"authorization_allowed_subjects": ["CN=*"]}, "authorization_allowed_subjects: 'CN=*' is empty or"),
    ("authorization", {"authorization_allowed_subjects": []}, "authorization_allowed_subjects: must name at least one"),
    ("authorization", {"authorization_allowed_fingerprints": ["abc"]}, "authorization_allowed_fingerprints: 'abc' is not"),
    ("authorization", {"authorization_workload_labels": []}, "authorization_workload_labels: must be a non-empty mapping"),
    ("authorization", {"authorization_replaces": "old"}, "authorization_replaces: must be a list of policy names"),
    ("authorization", {"authorization_replaces": ["Old_Policy"]}, "authorization_replaces: must be a Kubernetes object"),
    ("expose", {"expose_rules": [{"path": "post", "methods": ["POST"]}]}, "expose_rules[0].path: must be a path"),
    ("expose", {"expose_rules": [{"path": "/*", "methods": "GET"}]}, "expose_rules[0].methods: must be a non-empty list"),
    ("expose", {"expose_rules": [{"path": "/*", "verbs": ["GET"]}]}, "expose_rules[0]: unknown key 'verbs'"),
    ("expose", {"expose_services": [{"name": "a", "port": 80}]}, "expose_services[0].host: is missing"),
    ("expose", {"expose_services": [{"name": "a", "port": 0, "host": "a.example.com"}]},
     "expose_services[0].port: must be a port number"),
    ("expose", {"expose_services": [{"name": "a", "port": 80, "host": "a"}]}, "expose_services[0].host: must be a full"),
    ("expose", {"expose_services": [{"name": "a", "port": 80, "host": "a.example.com"}] * 2},
     "expose_services: name 'a' is used more than once"),
    ("expose", {"expose_services": "httpbin"}, "expose_services: must be a list"),
    ("gateway", {"gateway_port": 0}, "gateway_port: must be a port number"),
    ("gateway", {"gateway_hosts": ["*", "apps/bad_host.example"]}, "gateway_hosts[1]: invalid DNS name"),
    ("gateway", {"gateway_namespace": "Apps"}, "gateway_namespace: must be a Kubernetes name"),
]


def test_role_defaults_are_fine():
    for role, options in ROLE_DEFAULTS.items():
        assert role_problems(role, options) == [], role
    assert role_problems("gateway", dict(ROLE_DEFAULTS["gateway"], gateway_port="8443")) == []  # -e gateway_port=8443
    assert role_problems("authorization", dict(ROLE_DEFAULTS["authorization"], authorization_workload_labels={})) == []
    # A list of Services replaces the single one's options.
    assert role_problems("expose", dict(ROLE_DEFAULTS["expose"], expose_service_name=None, expose_services=[
        {"name": "httpbin", "port": "8000", "host": "httpbin.local.kyma.dev", "exposure": "httpbin-mtls"}])) == []
    # Check mode, a certificate that would be issued: its fingerprint is only known after apply.
    assert role_problems("authorization", dict(ROLE_DEFAULTS["authorization"],
                                               authorization_allowed_fingerprints=["(known after apply)"])) == []


@pytest.mark.parametrize("role,options,words", ROLE_CASES)
def test_each_bad_role_option_is_named(role, options, words):
    problems = role_problems(role, dict(ROLE_DEFAULTS[role], **options))
    assert any(p.startswith(words) for p in problems), problems
