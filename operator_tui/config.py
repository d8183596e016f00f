"""Configuration: a TOML file in the platformdirs config dir, env overrides.

``OPERATOR_TUI_CONFIG`` points at another config file (tests use it).
``OPERATOR_TUI_<KEY>`` overrides one setting (e.g. ``OPERATOR_TUI_SERVER_URL``).
Nothing is read at import time; call :func:`load`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

APP_NAME = "operator-tui"


class ConfigError(Exception):
    """The configuration file or an override is wrong."""


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """Where the seat's cache and the demo server keep their files."""
    override = os.environ.get("OPERATOR_TUI_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass
class Config:
    """Settings of one seat (and the server's defaults)."""

    server_url: str = "http://127.0.0.1:8345"
    database: str = ""  # central server database URL; default: a SQLite file in data_dir
    language: str = "zh"  # UI language: zh or en
    cache_window_days: int = 30  # case summaries kept for caller-history lookups
    duplicate_window_hours: float = 48.0  # intake: same category + place within this is a possible duplicate
    token_hours: float = 12.0  # server: bearer token lifetime
    trusted_proxies: str = ""  # server: load balancers' networks (CIDRs, comma-separated, or a TOML list)
    forwarded_header: str = "x-forwarded-for"  # server: the header they write (or "forwarded", RFC 7239)
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    source: str = ""  # the file it was read from, for messages

    def default_database(self) -> str:
        return self.database or f"sqlite:///{data_dir() / 'central.db'}"


def config_path() -> Path:
    override = os.environ.get("OPERATOR_TUI_CONFIG")
    return Path(override).expanduser() if override else config_dir() / "config.toml"


def load() -> Config:
    """Read the config file (if any), then apply ``OPERATOR_TUI_*`` overrides."""
    path = config_path()
    values: dict[str, Any] = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from None
    known = {f.name: f for f in fields(Config) if f.name != "source"}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(unknown)}")
    for name, spec in known.items():
        env = os.environ.get(f"OPERATOR_TUI_{name.upper()}")
        if env is not None and name != "keymap":
            values[name] = env
    config = Config(source=str(path) if path.exists() else "")
    for name, value in values.items():
        setattr(config, name, _coerce(name, value, type(getattr(config, name))))
    return config


def _coerce(name: str, value: Any, kind: type) -> Any:
    try:
        if kind is dict:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ValueError("expected a table of strings")
            return dict(value)
        if kind is str and isinstance(value, list):  # e.g. trusted_proxies = ["10.0.0.0/8", ...]
            return ", ".join(str(v) for v in value)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: {exc}") from None
