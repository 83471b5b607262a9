"""Fixtures shared by the model-judge tests (opt in by name; nothing here is autouse)."""

from __future__ import annotations

import pytest

from tests.llm_server import ScriptedServer


@pytest.fixture
def scripted_server():
    """A scripted Messages-API server on 127.0.0.1; its answers are test data, not a model's."""
    with ScriptedServer() as s:
        yield s


@pytest.fixture
def offline_env(monkeypatch, tmp_path):
    """Nothing may reach a real endpoint: dummy key, no env mode, run in a temp folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-key")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("SENTINEL_LLM_MODE", raising=False)
