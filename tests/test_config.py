"""Config errors name the file and the key, and unknown keys are errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sentinel.config import DEFAULT_CONFIG, load_config, parse_duration_seconds
from sentinel.errors import ConfigError


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def base() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def test_bundled_config_loads_both_seed_services():
    config = load_config(DEFAULT_CONFIG)
    assert {s.name: s.interval_seconds for s in config.services} == {
        "api-service": 30,
        "database": 60,
    }
    assert [m.name for m in config.service("database").metrics] == [
        "active_backends",
        "deadlocks",
        "tuples_returned",
    ]


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "services:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "malformed YAML" in str(err.value)
    assert ":3:" in str(err.value) or ":2:" in str(err.value)


def test_unknown_metric_key_is_an_error_naming_the_key(tmp_path):
    data = base()
    data["services"][0]["metrics"][0]["treshold"] = 5
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "services.0.metrics.0.treshold" in msg
    assert "unknown key" in msg


def test_unknown_top_level_key_is_an_error(tmp_path):
    data = base()
    data["servces"] = []
    with pytest.raises(ConfigError, match="servces: unknown key"):
        load_config(write(tmp_path, data))


def test_wrong_type_names_key(tmp_path):
    data = base()
    data["services"][1]["interval_seconds"] = "often"
    with pytest.raises(ConfigError, match=r"services\.1\.interval_seconds"):
        load_config(write(tmp_path, data))


def test_duplicate_metric_names_rejected(tmp_path):
    data = base()
    metrics = data["services"][0]["metrics"]
    metrics.append(dict(metrics[0]))
    with pytest.raises(ConfigError, match="duplicate metric names"):
        load_config(write(tmp_path, data))


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config(tmp_path / "nope.yaml")


def test_non_mapping_document_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "- just\n- a list\n"))


def test_bad_rate_window_names_key(tmp_path):
    data = base()
    data["services"][0]["metrics"][0]["rate_window"] = "five minutes"
    with pytest.raises(ConfigError, match=r"metrics\.0\.rate_window"):
        load_config(write(tmp_path, data))


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("1h30m", 5400), ("90s", 90)])
def test_parse_duration(text, seconds):
    assert parse_duration_seconds(text) == seconds


def test_unknown_service_lists_known_ones():
    with pytest.raises(ConfigError, match="known: api-service, database"):
        load_config(DEFAULT_CONFIG).service("payments")


def test_duplicate_yaml_keys_are_an_error_naming_the_key_and_line(tmp_path):
    text = DEFAULT_CONFIG.read_text().replace("\nllm:\n", "\nhistory_days: 7\nllm:\n", 1)
    text = "history_days: 14\n" + text
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"duplicate key 'history_days'") as err:
        load_config(path)
    assert str(path) in str(err.value) and "first at line 1" in str(err.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("history_days", 100000),
        ("services.0.interval_seconds", 10**9),
        ("detection.window_minutes", 10**6),
        ("llm.timeout_s", 10**6),
    ],
)
def test_numbers_outside_their_sane_range_are_rejected(tmp_path, key, value):
    data = base()
    *parents, last = key.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {}) if not p.isdigit() else node[int(p)]
    node[last] = value
    with pytest.raises(ConfigError, match=key.replace(".", r"\.") + ": Input should be less"):
        load_config(write(tmp_path, data))


def test_an_unknown_prompt_is_rejected_when_the_config_loads(tmp_path):
    data = base()
    data.setdefault("llm", {})["prompt"] = "v999"
    with pytest.raises(ConfigError, match=r"llm\.prompt.*v999.*available"):
        load_config(write(tmp_path, data))


@pytest.mark.parametrize(
    ("detection", "key", "bad"),
    [
        ({"detector": "seasonal_madd"}, "detection.detector", "seasonal_madd"),
        ({"params": {"zscor": {"z_warning": 5}}}, "detection.params", "zscor"),
    ],
)
def test_an_unknown_detector_is_rejected_when_the_config_loads_naming_key_value_and_valid_names(
    tmp_path, detection, key, bad
):
    data = base()
    data.setdefault("detection", {}).update(detection)
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, data))
    message = str(err.value)
    assert f"{key}: " in message and repr(bad) in message
    assert "valid: zscore, seasonal_mad" in message


def test_a_strategy_naming_an_unknown_detector_is_rejected_with_the_valid_names():
    from sentinel.strategy import parse_strategy

    assert parse_strategy("statistical:zscore").detector == "zscore"
    with pytest.raises(ConfigError, match=r"'statistical:zscor'.*unknown detector 'zscor'.*valid"):
        parse_strategy("statistical:zscor")
