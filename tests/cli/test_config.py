"""The stores config: lookup order, secrets from the environment, errors naming store and key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders import config as config_module
from unified_orders.config import load_config, parse_config

GOOD = """
[stores.acme-us]
platform = "toy"
shop = "acme-us"
token_env = "ACME_US_TOKEN"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_secret_read_from_the_named_variable(tmp_path: Path, toy: None) -> None:
    config = load_config(write(tmp_path, GOOD))
    store = config.store("acme-us")
    settings = store.resolve({"ACME_US_TOKEN": "s3cret-token-value"})
    assert settings == {"shop": "acme-us", "token": "s3cret-token-value"}
    assert store.describe() == {"shop": "acme-us", "token": "$ACME_US_TOKEN"}
    assert store.warnings() == []


def test_unset_variable_names_store_key_and_variable(tmp_path: Path, toy: None) -> None:
    store = load_config(write(tmp_path, GOOD)).store("acme-us")
    with pytest.raises(uo.ConfigurationError) as caught:
        store.resolve({})
    message = str(caught.value)
    assert "store 'acme-us'" in message
    assert "'token_env'" in message
    assert "ACME_US_TOKEN" in message
    assert "not set" in message


def test_plaintext_secret_is_accepted_with_a_warning(tmp_path: Path, toy: None) -> None:
    text = '[stores.x]\nplatform = "toy"\ntoken = "plain-secret-123"\n'
    store = load_config(write(tmp_path, text)).store("x")
    assert store.resolve({})["token"] == "plain-secret-123"
    (warning,) = store.warnings()
    assert "'token'" in warning
    assert "plain text" in warning
    assert "token_env" in warning
    assert "plain-secret-123" not in warning
    assert store.describe()["token"] == "***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[stores.x]\nshop = "a"\n', ["store 'x'", "'platform' is missing", "expected"]),
        ('[stores.x]\nplatform = "nope"\n', ["store 'x'", "'platform'", "'nope'", "toy"]),
        (
            '[stores.x]\nplatform = "toy"\ncolour = "red"\n',
            ["store 'x'", "'colour'", "unknown setting", "expected one of", "shop"],
        ),
        (
            '[stores.x]\nplatform = "toy"\ntimeout = "soon"\n',
            ["store 'x'", "'timeout'", "valid number", "'soon'"],
        ),
        (
            '[stores.x]\nplatform = "toy"\nshop = "a"\nshop_env = "B"\n',
            ["store 'x'", "'shop'", "'shop_env'", "only one"],
        ),
        ('[stores.x]\nplatform = "toy"\ncolor_env = "C"\n', ["'color_env'", "no setting 'color'"]),
    ],
)
def test_errors_name_store_key_and_expectation(
    tmp_path: Path, toy: None, text: str, expected: list[str]
) -> None:
    with pytest.raises(uo.ConfigurationError) as caught:
        load_config(write(tmp_path, text)).store("x").resolve({"B": "b", "C": "c"})
    for part in expected:
        assert part in str(caught.value)


def test_structural_errors(tmp_path: Path) -> None:
    with pytest.raises(uo.ConfigurationError, match="not valid TOML"):
        parse_config("[stores", tmp_path / "c.toml")
    with pytest.raises(uo.ConfigurationError, match="unknown top-level key 'store'"):
        parse_config('[store.x]\nplatform = "toy"\n', tmp_path / "c.toml")
    with pytest.raises(uo.ConfigurationError, match="expected a table"):
        parse_config("stores = {x = 1}\n", tmp_path / "c.toml")


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toy: None) -> None:
    explicit = write(tmp_path, GOOD)
    assert load_config(explicit).path == explicit
    monkeypatch.setenv("UNIFIED_ORDERS_CONFIG", str(explicit))
    assert load_config().path == explicit
    monkeypatch.setenv("UNIFIED_ORDERS_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(uo.ConfigurationError, match="UNIFIED_ORDERS_CONFIG"):
        load_config()
    monkeypatch.delenv("UNIFIED_ORDERS_CONFIG")
    default = config_module.default_config_path()
    assert str(default).startswith(str(tmp_path / "xdg-config"))
    assert load_config().path is None  # no file: the built-in sandbox stores
    default.parent.mkdir(parents=True)
    default.write_text(GOOD, encoding="utf-8")
    assert load_config().path == default


def test_builtin_sandbox_stores_only_for_registered_platforms(
    monkeypatch: pytest.MonkeyPatch, toy: None
) -> None:
    monkeypatch.setattr(config_module, "BUILTIN_SANDBOX_PLATFORMS", ("toy", "not-installed"))
    config = load_config()
    assert list(config.stores) == ["sandbox-toy"]
    assert config.stores["sandbox-toy"].sandbox


def test_include_sandbox_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toy: None) -> None:
    monkeypatch.setattr(config_module, "BUILTIN_SANDBOX_PLATFORMS", ("toy",))
    config = load_config(write(tmp_path, "include_sandbox_stores = true\n" + GOOD))
    assert sorted(config.stores) == ["acme-us", "sandbox-toy"]


def test_stores_list_never_prints_secrets(
    tmp_path: Path, run: Run, toy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_TOKEN", "env-secret-abcdef")
    text = GOOD + '\n[stores.plain]\nplatform = "toy"\ntoken = "plain-secret-abcdef"\n'
    result = run("stores", "list", config=write(tmp_path, text))
    assert result.exit_code == 0
    records = {r["name"]: r for r in lines_of(result)}
    assert records["acme-us"]["settings"] == {"shop": "acme-us", "token": "$ACME_US_TOKEN"}
    assert records["plain"]["settings"] == {"token": "***"}
    assert "secret-abcdef" not in result.stdout + result.stderr
    assert "plain text" in result.stderr


def test_unknown_store_lists_known_ones(tmp_path: Path, run: Run, toy: None) -> None:
    result = run("orders", "get", "acme-eu", "1", config=write(tmp_path, GOOD))
    assert result.exit_code == 3
    assert "no store named 'acme-eu'" in result.stderr
    assert "acme-us" in result.stderr


PLAIN = '[stores.plain]\nplatform = "toy"\nsandbox = true\ntoken = "plain-secret-abcdef"\n'


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_config_file_with_secrets_others_can_read_is_warned_about_once(
    tmp_path: Path, run: Run, toy: None
) -> None:
    path = write(tmp_path, PLAIN + '[stores.other]\nplatform = "toy"\ntoken = "second-secret"\n')
    path.chmod(0o644)
    result = run("stores", "check", "plain", "other", config=path)
    warnings = [x for x in result.stderr.splitlines() if "can be read by other users" in x]
    assert warnings == [
        f"warning: config file {path} holds secrets (store 'plain' key 'token', store 'other' "
        f"key 'token') and can be read by other users (mode 0644); run `chmod 600 {path}`"
    ]
    assert "plain-secret-abcdef" not in result.stdout + result.stderr
    path.chmod(0o640)  # the group alone is enough to warn
    assert "can be read by other users" in run("stores", "list", config=path).stderr

    path.chmod(0o600)
    private = run("stores", "check", "plain", config=path)
    assert "can be read by other users" not in private.stderr
    assert "plain text" in private.stderr  # the plain-text warning stays


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_readable_config_holding_no_secrets_is_fine(tmp_path: Path, run: Run, toy: None) -> None:
    path = write(
        tmp_path, '[stores.env]\nplatform = "toy"\nsandbox = true\ntoken_env = "X_TOKEN"\n'
    )
    path.chmod(0o644)
    result = run("stores", "list", config=path)
    assert result.exit_code == 0
    assert "warning" not in result.stderr


def test_a_config_file_that_is_not_utf8_is_exit_3(tmp_path: Path, run: Run, toy: None) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes('[stores.café]\nplatform = "toy"\n'.encode("latin-1"))
    result = run("stores", "list", config=path)
    assert result.exit_code == 3
    assert f"config file {path} is not UTF-8 text" in result.stderr
