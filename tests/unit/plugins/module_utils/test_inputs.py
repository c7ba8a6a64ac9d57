"""The main job's input checks: fine defaults pass, and each bad value is named with what is wrong."""

import pytest

from ansible_collections.kyma.mtls.plugins.module_utils.inputs import main_job_problems
from tests.support.bad_inputs import CASES, CLIENTS, WORKLOAD

DEFAULTS = {"mtls_state": "present", "mtls_domain": "local.kyma.dev", "mtls_namespace": "kyma-mtls",
            "mtls_gateway_name": "kyma-mtls-gateway", "mtls_pki_dir": "/tmp/kyma-mtls-unit/pki",
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


def test_every_problem_is_reported_at_once():
    problems = main_job_problems(dict(DEFAULTS, mtls_domain="bad_domain", mtls_workloads=[dict(WORKLOAD, port=0)],
                                      mtls_allowed_clients=["nobody"]))
    assert [p.split(":")[0] for p in problems] == ["mtls_domain", "mtls_workloads[0].port", "mtls_allowed_clients"]
