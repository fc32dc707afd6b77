"""A project's codemesh settings: `.codemesh.toml` or `[tool.codemesh]` in `pyproject.toml`.

Read once by `codemesh analyze` from the analyzed root and validated by strict pydantic models, so a
typo or a wrong type is one clear line (`ConfigError`) before any work starts, never a silently
ignored key. What the settings mean: `docs/findings.md`.

    [tool.codemesh]
    disable = ["size.parameters"]
    fail_on = ["ccn>25", "severity>=critical"]

    [tool.codemesh.thresholds]
    ccn = 20

    [tool.codemesh.thresholds.c]      # per language, over the project-wide values
    nloc = 200
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from mesh import gate
from mesh.findings import DEFAULT_SETTINGS, RULE_IDS, RuleSettings, resolve

CONFIG_FILE = ".codemesh.toml"
PYPROJECT = "pyproject.toml"


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ThresholdOverrides(_Strict):
    """Threshold values a project sets; None where it keeps the default. Same names as
    `mesh.findings.Thresholds` (a test checks they stay in step)."""

    ccn: int | None = Field(default=None, ge=0)
    cognitive: int | None = Field(default=None, ge=0)
    nloc: int | None = Field(default=None, ge=0)
    params: int | None = Field(default=None, ge=0)
    max_nesting: int | None = Field(default=None, ge=0)
    halstead_effort: float | None = Field(default=None, ge=0)
    class_methods: int | None = Field(default=None, ge=0)
    class_fields: int | None = Field(default=None, ge=0)
    class_lines: int | None = Field(default=None, ge=0)
    file_nloc: int | None = Field(default=None, ge=0)

    def values(self) -> dict[str, float]:
        return {name: value for name, value in self.model_dump().items()
                if value is not None and name in ThresholdOverrides.model_fields}


class ThresholdTable(ThresholdOverrides):
    """`[tool.codemesh.thresholds]`: project-wide values, and a sub-table per language."""

    python: ThresholdOverrides | None = None
    go: ThresholdOverrides | None = None
    c: ThresholdOverrides | None = None
    cpp: ThresholdOverrides | None = None
    javascript: ThresholdOverrides | None = None
    typescript: ThresholdOverrides | None = None
    rust: ThresholdOverrides | None = None
    java: ThresholdOverrides | None = None

    def languages(self) -> dict[str, dict[str, float]]:
        return {name: table.values() for name in type(self).model_fields
                if isinstance(table := getattr(self, name), ThresholdOverrides)}


def _known_rule(rule: str) -> str:
    if rule not in RULE_IDS:
        raise ValueError(f"unknown rule {rule!r}; known: {', '.join(sorted(RULE_IDS))}")
    return rule


def _condition(expression: str) -> str:
    gate.parse(expression)  # GateError is a ValueError: pydantic reports its message
    return expression


class CodemeshTable(_Strict):
    """`[tool.codemesh]` in pyproject.toml, or the top level of .codemesh.toml."""

    thresholds: ThresholdTable = Field(default_factory=ThresholdTable)
    disable: list[Annotated[str, AfterValidator(_known_rule)]] = Field(default_factory=list)
    fail_on: list[Annotated[str, AfterValidator(_condition)]] = Field(default_factory=list)


@dataclass(frozen=True)
class ProjectConfig:
    """The settings in force for one analyzed tree; `source` is None when it has none."""

    source: Path | None = None
    rules: RuleSettings = DEFAULT_SETTINGS
    fail_on: tuple[gate.Condition, ...] = field(default_factory=tuple)


def find(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file at `root` and its codemesh table: `.codemesh.toml` wins over
    `pyproject.toml`, and a pyproject.toml without `[tool.codemesh]` counts as none."""
    dedicated = root / CONFIG_FILE
    if dedicated.is_file():
        return dedicated, _read(dedicated)
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        tool = _read(pyproject).get("tool", {})
        if isinstance(tool, dict) and "codemesh" in tool:
            table = tool["codemesh"]
            if not isinstance(table, dict):
                raise ConfigError(f"{pyproject}: [tool.codemesh] must be a table")
            return pyproject, table
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def parse(table: dict[str, Any], source: Path | None = None) -> ProjectConfig:
    """Validate a codemesh table (already read from TOML) into the settings in force."""
    where = "" if source is None else f"{source}: " if source.name == CONFIG_FILE \
        else f"{source} [tool.codemesh]: "
    try:
        config = CodemeshTable.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(where + _first_error(exc)) from None
    rules = resolve(config.thresholds.values(), config.thresholds.languages(), config.disable)
    return ProjectConfig(source=source, rules=rules,
                         fail_on=tuple(gate.parse(text) for text in config.fail_on))


def load(root: Path) -> ProjectConfig:
    """The settings for the tree at `root`: its config file's, or the defaults."""
    found = find(root)
    if found is None:
        return ProjectConfig()
    return parse(found[1], found[0])


def _first_error(exc: ValidationError) -> str:
    """One line for the first problem: 'thresholds.ccn: expected an integer, got "high"'."""
    error = exc.errors(include_url=False)[0]
    location = ".".join(f"[{part}]" if isinstance(part, int) else str(part)
                        for part in error["loc"]).replace(".[", "[")
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected an integer, got {given!r}"
    elif kind in ("float_type", "float_parsing"):
        message = f"expected a number, got {given!r}"
    elif kind in ("list_type", "string_type", "model_type", "dict_type"):
        expected = {"list_type": "a list", "string_type": "a string", "model_type": "a table",
                    "dict_type": "a table"}[kind]
        message = f"expected {expected}, got {given!r}"
    elif kind == "greater_than_equal":
        message = f"must be {error.get('ctx', {}).get('ge', 0)} or more, got {given!r}"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message
