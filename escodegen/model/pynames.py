"""The names the generated Python package gives to what the declarations say, in one place:
the canonical schemas title their classes by these (`analyse.schema`, which
datamodel-code-generator names the classes after), `emit.python` writes attributes by them,
`check` refuses declarations whose names collide, and `diff` computes the Python API a change
breaks by the same functions.

The scheme (docs/python.md, *Names*): an event's latest version is the plain class
(`BookCatalogued`) and its nested records and enums are named after it and their path
(`BookCataloguedFormat`, `OrderSubmittedLineItemsItem`), so adding a version renames none of
the latest's classes; an older version and its nested types carry `V<n>`
(`BookCataloguedV2`, `BookCataloguedV2Format`). A named type (`types:`) is one class under its
own name. Attributes are the JSON names, or with `python.attribute_names: snake_case` their
snake_case (`orderId` -> `order_id`), the JSON name staying the wire name.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator

from escodegen.model import AttributeNames, Event, FieldType
from escodegen.model.naming import pascal, snake


def event_class(event: str, version: int, latest: int) -> str:
    """The class of one version: the latest has the plain name, older ones a `V<n>` suffix."""
    return event if version == latest else f"{event}V{version}"


def nested_class(owner: str, field: str) -> str:
    """The class of the record or enum in `field` of the class `owner`
    (`BookCatalogued`, `format` -> `BookCataloguedFormat`)."""
    return owner + pascal(field)


def item_class(owner: str) -> str:
    """The class of an array's items, `owner` being the class the array itself would have."""
    return owner + "Item"


def position_class(owner: str, index: int) -> str:
    """The class of a tuple's item at `index` (from 0), `owner` being the tuple's class."""
    return f"{owner}Item{index}"


def value_class(owner: str) -> str:
    """The class of a map's values, `owner` being the class the map itself would have."""
    return owner + "Value"


def attribute_name(json_name: str, style: AttributeNames) -> str:
    """The Python attribute of a payload key (the key stays the JSON name on the wire)."""
    return json_name if style == "json" else snake(json_name)


def attribute_problem(json_name: str, style: AttributeNames, pydantic: bool) -> str | None:
    """Why the attribute of `json_name` cannot be written, None when it can. The declared name
    itself is checked as an identifier elsewhere; this is what the conversion adds."""
    name = attribute_name(json_name, style)
    if name == json_name:
        return None
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"becomes '{name}', a Python keyword"
    if pydantic and name.startswith("model_"):
        return f"becomes '{name}', reserved by pydantic (names starting with `model_`)"
    return None


def event_classes(event: Event) -> Iterator[str]:
    """Every class generated for `event`'s versions and their nested records and enums (named
    types are classes of their own, not the event's)."""
    latest = event.latest.number
    for version in event.versions:
        owner = event_class(event.name, version.number, latest)
        yield owner
        for declared in version.fields:
            yield from _nested(declared.type, nested_class(owner, declared.name))


def _nested(ftype: FieldType, name: str) -> Iterator[str]:
    if ftype.name is not None:
        return
    if ftype.kind == "enum":
        yield name
    elif ftype.kind == "object":
        yield name
        for declared in ftype.fields:
            yield from _nested(declared.type, nested_class(name, declared.name))
    elif ftype.kind in ("array", "map") and ftype.items is not None:
        yield from _nested(ftype.items,
                           item_class(name) if ftype.kind == "array" else value_class(name))
