"""The fault matrix (`make chaos`): bounded, local-only fault runs, one table row per fault.

Every server is on 127.0.0.1 (fake Prometheus/Loki/Alertmanager from tests/fakehttp.py, the
scripted Messages-API server from tests/llm_server.py, the real Alertmanager binary), every
request loop is bounded in count and time. Model answers are scripted test data, never a model's
output: the model rows measure what Sentinel does with an answer, not what a model would say.
One module per fault group; `python -m chaos --quick` is the small run the tests use.
"""
