"""Where the meta-schemas and templates are: inside the wheel (`escodegen/_data/...`, put there
by the build) or, in a source checkout and editable install, at the top of the repository."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder `schemas` or `templates`."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"escodegen is installed without its {name}/ folder")


def schema_path(name: str) -> Path:
    return data_dir("schemas") / name


def template_dir(target: str) -> Path:
    """The template folder of one emit target, e.g. `python` or `postgres`."""
    return data_dir("templates") / target
