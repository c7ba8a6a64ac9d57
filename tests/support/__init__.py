"""Helpers that start the real parts (Envoy, httpbin, ansible-playbook) for integration tests."""
