"""Where the meta-schemas and templates are: inside the wheel (`escodegen/_data/...`, put there
by the build) or, in a source checkout and editable install, at the top of the repository."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

_PACKAGE = Path(__file__).parent
_CHECKOUT = Path(__file__).resolve().parent.parent


@cache
def data_dir(name: str) -> Path:
    """The folder `schemas` or `templates`: the package's `_data/<name>` folder when installed
    from a wheel, the folder at the top of the repository in a checkout."""
    # Templates are loaded by path (jinja2's FileSystemLoader, the inputs digest): an installed
    # wheel is unpacked on disk, so its resources are real folders next to this module, where
    # importlib.resources would find them too (loading it is a twentieth of a `check`).
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    if (_CHECKOUT / name).is_dir():
        return _CHECKOUT / name
    raise FileNotFoundError(f"escodegen is installed without its {name}/ folder")


def schema_path(name: str) -> Path:
    return data_dir("schemas") / name


def template_dir(target: str) -> Path:
    """The template folder of one emit target, e.g. `python` or `postgres`."""
    return data_dir("templates") / target


def template_environment(target: str, *, html: bool = False) -> jinja2.Environment:
    """A Jinja environment over one template folder, set up the same way for every target:
    an undefined variable is an error, block tags leave no blank lines. Code targets get no
    escaping (every name and value is quoted in Python before it reaches a template);
    `html=True` (the catalog) escapes every value, so a declaration's text stays text."""
    import jinja2  # only commands that render load it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir(target)),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
