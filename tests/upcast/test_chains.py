"""The static chain check rejects each bad chain of issue 3 with a message naming the event,
the version and the field, and accepts the good ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from escodegen.check import compile_project
from escodegen.diagnostics import Diagnostic
from escodegen.upcast import python_upcasters
from escodegen.upcast.verify import load_module
from tests.conftest import EXAMPLES


def check(tmp_path: Path, events_yaml: str) -> list[Diagnostic]:
    (tmp_path / "events").mkdir()
    (tmp_path / "escodegen.yaml").write_text("escodegen: 1\nname: probe\nsources: [events]\n"
                                             "registry: registry\n")
    (tmp_path / "events" / "events.yaml").write_text(events_yaml)
    _, report = compile_project(tmp_path / "escodegen.yaml")
    return list(report)


def only(found: list[Diagnostic], code: str) -> str:
    """The message of the one diagnostic found, which has `code`."""
    assert [d.code for d in found] == [code], [d.render() for d in found]
    return found[0].message


def customer(v2_upcast: str, v2_fields: str,
             v1_fields: str = "{customerId: uuid, name: string, email: string}") -> str:
    return f"""events:
  CustomerRegistered:
    versions:
      1:
        fields: {v1_fields}
      2:
        upcast: {v2_upcast}
        fields: {v2_fields}
"""


def test_the_shop_chains_pass() -> None:
    project, report = compile_project(EXAMPLES / "shop" / "escodegen.yaml")
    assert project is not None and list(report) == []


GOOD = [
    # weak schema: an optional field nobody produces
    ("[]", "{customerId: uuid, name: string, email: string, phone: string?}"),
    ("[{split: {from: name, into: [firstName, lastName]}}]",
     "{customerId: uuid, firstName: string, lastName: string, email: string}"),
    ("[{rename: {from: email, to: mail}}]", "{customerId: uuid, name: string, mail: string}"),
    ("[{join: {from: [name, email], into: label, separator: ' <'}}]",
     "{customerId: uuid, label: string}"),
    ("[{map: {field: name, values: {a: standard}, else: premium}}]",
     "{customerId: uuid, name: {type: enum, values: [standard, premium]}, email: string}"),
    ("[{convert: {field: name, to: integer}}]", "{customerId: uuid, name: integer, email: string}"),
    ("[{move: {from: email, to: contact.email}}]",
     "{customerId: uuid, name: string, contact: {type: object, fields: {email: string}}}"),
    ("[{default: {field: phone, value: none}}]",
     "{customerId: uuid, name: string, email: string, phone: string}"),
    ("[{custom: {python: 'shop.upcasts:anything', sql: \"data - 'name'\"}}]",
     "{customerId: uuid, email: string}"),
]


@pytest.mark.parametrize(("upcast", "fields"), GOOD)
def test_good_chains_pass(tmp_path: Path, upcast: str, fields: str) -> None:
    assert check(tmp_path, customer(upcast, fields)) == []


def test_optional_source_needs_a_default_for_a_required_target(tmp_path: Path) -> None:
    found = check(tmp_path, customer("[]", "{customerId: uuid, name: string, email: string}",
                                     "{customerId: uuid, name: string, email: string?}"))
    assert [d.code for d in found] == ["ES310"]
    assert "requires email" in found[0].message and "default" in found[0].effective_hint


BAD = [
    # a split forgotten: the message proposes it
    ("[{rename: {from: name, to: firstName}}]",
     "{customerId: uuid, firstName: string, lastName: string, email: string}",
     "ES310", ("CustomerRegistered v2 declares lastName (string) but no operation of v1->v2 "
               "produces it; did you mean split {from: name, into: [firstName, lastName]}?")),
    ("[]", "{customerId: uuid, firstName: string, lastName: string, email: string}",
     "ES310", "did you mean split {from: name, into: [firstName, lastName]}?"),
    # a field left over
    ("[]", "{customerId: uuid, email: string}", "ES310", "v1->v2 leaves name (string)"),
    # reading a field that does not exist at that point
    ("[{split: {from: fullName, into: [a, b]}}]", "{customerId: uuid, a: string, b: string}",
     "ES311", "it reads fullName, but fullName does not exist"),
    ("[{remove: {field: name}}, {convert: {field: name, to: integer}}]",
     "{customerId: uuid, name: integer, email: string}", "ES311", "it reads name"),
    # add of a value that does not fit the declared type
    ("[{add: {field: tier, value: 5}}]",
     ("{customerId: uuid, name: string, email: string, "
      "tier: {type: enum, values: [standard, premium]}}"),
     "ES312", "puts integer 5 into tier, which CustomerRegistered v2 declares as enum"),
    ("[{map: {field: name, values: {a: gold}}}]",
     "{customerId: uuid, name: {type: enum, values: [standard]}, email: string}",
     "ES313", "declares name as enum[standard]"),
    # a rename onto an existing field
    ("[{rename: {from: name, to: email}}]", "{customerId: uuid, email: string}",
     "ES303", "it writes email, which already exists"),
    # a type change without convert
    ("[]", "{customerId: uuid, name: integer, email: string}",
     "ES313", "declares name as integer but v1->v2 carries it over as string"),
    ("[{convert: {field: name, to: integer}}]", "{customerId: uuid, name: string, email: string}",
     "ES310", "produces integer"),
    ("[{split: {from: name, into: [email, b]}}]", "{customerId: uuid, b: string, email: string}",
     "ES303", "it writes email, which already exists"),
    ("[{split: {from: name, into: [a, b]}}]", "{customerId: uuid, a: integer, b: string, email: string}",
     "ES310", ("split {from: name, into: [a, b], separator: \" \"} in CustomerRegistered v1->v2 "
               "produces string")),
    # a move through a field that is not an object: a payload without the moved value keeps it
    ("[{move: {from: email, to: name.email}}]",
     "{customerId: uuid, name: {type: object, fields: {email: string}}}",
     "ES311", "it writes name.email, but name is not an object"),
    ("[{custom: {python: 'not a path', sql: data}}]", "{customerId: uuid}", "ES314", "custom python"),
    ("[{custom: {python: 'm:f', sql: 'data); DROP TABLE x; SELECT (1'}}]", "{customerId: uuid}",
     "ES314", "custom sql"),
    ("[{custom: {python: 'm:f', sql: 'DROP TABLE x'}}]", "{customerId: uuid}", "ES314", "custom sql"),
]


@pytest.mark.parametrize(("upcast", "fields", "code", "text"), BAD)
def test_bad_chains_are_rejected(tmp_path: Path, upcast: str, fields: str, code: str,
                                 text: str) -> None:
    found = check(tmp_path, customer(upcast, fields))
    assert found, "the chain was accepted"
    if code:
        assert code in [d.code for d in found], [d.render() for d in found]
        assert any(text in d.message for d in found if d.code == code), [d.render() for d in found]
    assert all(d.span is not None and d.span.line > 0 for d in found)


def test_split_of_a_number_is_a_type_error(tmp_path: Path) -> None:
    found = check(tmp_path, customer("[{split: {from: age, into: [a, b]}}]",
                                     "{customerId: uuid, a: string, b: string}",
                                     "{customerId: uuid, age: integer}"))
    assert "age, which is integer, not a string" in only(found, "ES315")


# `move` creates the objects on its way to `to` (replacing an absent or null one) and removes
# the objects `from` leaves empty: the check must see the optionality that produces, which the
# generated upcaster (run below on the payload that decides it) shows.

def upcast_v1(tmp_path: Path, payload: dict[str, object]) -> object:
    """`payload` (stored at v1) upcast by the project `check` last wrote in `tmp_path`."""
    project, _ = compile_project(tmp_path / "escodegen.yaml")
    assert project is not None
    module = load_module(python_upcasters(project.events), tmp_path)
    return module.UPCASTERS[("CustomerRegistered", 1)](payload)


OPTIONAL_CONTACT = ("{customerId: uuid, email: string, "
                    "contact: {type: object, required: false, fields: {phone: string}}}")


def test_move_into_an_optional_object_makes_it_as_present_as_the_moved_value(
        tmp_path: Path) -> None:
    yaml = customer("[{move: {from: email, to: contact.email}}]",
                    "{customerId: uuid, contact: {type: object, fields: {email: string, "
                    "phone: string?}}}", OPTIONAL_CONTACT)
    assert check(tmp_path, yaml) == []
    assert upcast_v1(tmp_path, {"customerId": "c", "email": "e"}) == {
        "customerId": "c", "contact": {"email": "e"}}


def test_move_into_an_optional_object_makes_its_other_fields_optional(tmp_path: Path) -> None:
    yaml = customer("[{move: {from: email, to: contact.email}}]",
                    "{customerId: uuid, contact: {type: object, required: false, "
                    "fields: {email: string, phone: string}}}", OPTIONAL_CONTACT)
    assert "requires contact.phone but after CustomerRegistered v1->v2 it may be absent" in (
        only(check(tmp_path, yaml), "ES310"))
    assert upcast_v1(tmp_path, {"customerId": "c", "email": "e", "contact": None}) == {
        "customerId": "c", "contact": {"email": "e"}}


def test_move_out_of_an_object_can_leave_it_empty_and_so_absent(tmp_path: Path) -> None:
    v1 = "{customerId: uuid, name: {type: object, fields: {first: string, middle: string?}}}"
    yaml = customer("[{move: {from: name.first, to: firstName}}]",
                    "{customerId: uuid, firstName: string, "
                    "name: {type: object, fields: {middle: string?}}}", v1)
    assert "requires name but after CustomerRegistered v1->v2 it may be absent" in (
        only(check(tmp_path, yaml), "ES310"))
    assert upcast_v1(tmp_path, {"customerId": "c", "name": {"first": "f"}}) == {
        "customerId": "c", "firstName": "f"}


def test_move_out_of_an_object_with_a_required_field_left_keeps_it(tmp_path: Path) -> None:
    v1 = "{customerId: uuid, name: {type: object, fields: {first: string, last: string}}}"
    yaml = customer("[{move: {from: name.first, to: firstName}}]",
                    "{customerId: uuid, firstName: string, "
                    "name: {type: object, fields: {last: string}}}", v1)
    assert check(tmp_path, yaml) == []
