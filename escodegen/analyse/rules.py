"""The diff rules as data: the one definition from which `escodegen rules`, `escodegen explain`
and the pages under docs/rules/ are made, and whose examples are the rules' golden tests.

Ids are stable (never renumbered, only added); the ignore list in escodegen.yaml names them.
Each example is a pair of declaration files: `before` is the published side, `after` the
change under review; `fixed` (when given) is the change done the recommended way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

# The decision matrix of SPEC section 4: the change it classifies -> strategy -> verdict.
STRATEGIES = ("weak schema", "upcasting", "new event type", "copy-transform")
MATRIX: dict[str, tuple[str, str, str, str]] = {
    "add optional field": ("best", "overkill", "overkill", "overkill"),
    "rename field": ("not possible", "best", "good", "heavy"),
    "split field": ("not possible", "best", "good", "heavy"),
    "remove field": ("risky", "good", "best", "good"),
    "change semantics (type or meaning)": ("not possible", "not possible", "best", "good"),
    "regulatory purge": ("not possible", "not possible", "not possible", "required"),
}


@dataclass(frozen=True)
class Example:
    before: str
    after: str
    fixed: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    why: str
    remedy: str
    example: Example
    change: str | None = None
    """The decision-matrix row this rule classifies, if any."""
    strategy: str | None = None
    """The strategy the decision matrix recommends for this change."""
    ignorable: bool = True
    python: bool = False
    """Reported only for a project with a Python target (`python:` in escodegen.yaml), as
    the example's project has."""


_CUSTOMER_V1 = """\
events:
  CustomerRegistered:
    versions:
      1:
        fields: {customerId: uuid, name: string, email: string}
"""

_ORDER_V1 = """\
events:
  OrderPlaced:
    versions:
      1:
        fields: {orderId: uuid, totalAmount: decimal}
"""

# Examples that serve two rules: what one rule reports is often another's recommended fix.
_ORDER_WITH_CURRENCY = _ORDER_V1 + """\
      2:
        upcast:
          - add: {field: currency, value: USD}
        fields: {orderId: uuid, totalAmount: decimal, currency: string}
"""
_ORDER_AND_NOTE = _ORDER_V1 + """\
  OrderNoted:
    versions:
      1:
        fields: {orderId: uuid, note: string}
"""
_ORDER_TOTALS = _ORDER_V1 + """\
projections:
  order_totals:
    key: [orderId]
    columns: {orderId: uuid, total: decimal}
    on:
      OrderPlaced: {upsert: {orderId: $.orderId, total: $.totalAmount}}
"""
_ORDER_STATE_V1 = _ORDER_V1 + """\
aggregates:
  Order:
    id: {field: orderId, type: uuid}
    stream: "Order-{orderId}"
    events: [OrderPlaced]
    state: {version: 1, fields: {total: decimal}}
"""
_ORDER_STATE_V2 = _ORDER_STATE_V1.replace("version: 1, fields: {total: decimal}",
                                          "version: 2, fields: {total: decimal, lines: integer}")
_CUSTOMER_RENAMED = _CUSTOMER_V1 + """\
      2:
        upcast:
          - rename: {from: name, to: fullName}
        fields: {customerId: uuid, fullName: string, email: string}
"""
_CUSTOMER_SPLIT = _CUSTOMER_V1 + """\
      2:
        upcast:
          - split: {from: name, into: [firstName, lastName], separator: " "}
        fields: {customerId: uuid, firstName: string, lastName: string, email: string}
"""
_TIER_V1 = """\
events:
  TierChanged:
    versions:
      1:
        fields: {tier: {type: enum, values: [standard, gold, premium]}}
"""
_TIER_MAPPED = _TIER_V1 + """\
      2:
        upcast:
          - map: {field: tier, values: {gold: premium}}
        fields: {tier: {type: enum, values: [standard, premium]}}
"""

_QUANTITY_V1 = """\
events:
  OrderPlaced:
    versions:
      1:
        fields: {orderId: uuid, quantity: integer}
"""
_QUANTITY_TEXT = _QUANTITY_V1.replace("quantity: integer", "quantity: string")
_CUSTOM_QUANTITY = """\
      2:
        upcast:
          - custom: {python: "shop.upcasters:parse_quantity", sql: "shop.parse_quantity(data)"}
        fields: {orderId: uuid, quantity: integer}
"""
_PRICE_V1 = """\
events:
  OrderPriced:
    versions:
      1:
        fields: {orderId: uuid, currency: {type: string, default: EUR}}
"""
_CUSTOMER_PII = _CUSTOMER_V1.replace("email: string", "email: {type: string, pii: true}")
_SEGMENT_V1 = """\
events:
  CustomerSegmented:
    versions:
      1:
        fields: {customerId: uuid, segment: {type: enum, values: [unknown, retail], pii: true}}
"""
_OWNED = """\
events:
  CustomerNoted:
    aggregate: {owner}
    versions:
      1:
        fields: {{customerId: uuid, note: string}}
  AccountOpened:
    aggregate: Account
    versions:
      1:
        fields: {{customerId: uuid}}
aggregates:
  Customer:
    id: {{field: customerId, type: uuid}}
    stream: "Customer-{{customerId}}"
    events: [CustomerNoted]
    state: {{version: 1, fields: {{notes: integer}}}}
  Account:
    id: {{field: customerId, type: uuid}}
    stream: "Account-{{customerId}}"
    events: [AccountOpened]
    state: {{version: 1, fields: {{notes: integer}}}}
"""

_PAYMENT_V1 = """\
events:
  PaymentMade:
    versions:
      1:
        fields: {paymentId: uuid, method: {type: union, tag: kind, variants: {card: {fields: {number: string}}, cash: {fields: {}}}}}
"""

# Tagged unions (docs/language.md#tagged-unions).
_UNION_RULES = (
    Rule(
        "ESD182", "union-variant-removed", "error",
        "A variant of a tagged union was removed (its tag value no longer names one).",
        "Stored events may hold that variant; the new declaration cannot read them, and no "
        "upcast operation turns one variant into another.",
        "Keep the variant (stop writing it in the producers); for a new meaning declare a "
        "new event type (`replaces: OldEvent`).",
        Example(_PAYMENT_V1, _PAYMENT_V1.replace(", cash: {fields: {}}", ""), _PAYMENT_V1 + """\
  PaymentTaken:
    replaces: PaymentMade
    versions:
      1:
        fields: {paymentId: uuid, method: {type: union, tag: kind, variants: {card: {fields: {number: string}}}}}
"""),
        change="remove field", strategy="new event type",
    ),
    Rule(
        "ESD183", "union-variant-added", "warning",
        "A tagged union gained a variant.",
        "Stored events are unaffected, but deployed consumers built before the change do not "
        "know the new tag and refuse an event holding it.",
        "Regenerate and deploy the consumers before the producers write the new variant.",
        Example(_PAYMENT_V1, _PAYMENT_V1 + """\
      2:
        fields: {paymentId: uuid, method: {type: union, tag: kind, variants: {card: {fields: {number: string}}, cash: {fields: {}}, wallet: {fields: {provider: string}}}}}
"""),
        change="add optional field", strategy="weak schema",
    ),
)

_STOCK_V1 = """\
events:
  StockCounted:
    versions:
      1:
        fields: {warehouse: string, counts: {type: map, values: integer}}
"""
_MONEY_V1 = """\
types:
  Money: {fields: {amount: decimal, currency: string}}
events:
  OrderPlaced:
    versions:
      1:
        fields: {orderId: uuid, total: Money}
  OrderRefunded:
    versions:
      1:
        fields: {orderId: uuid, refund: Money}
"""
_NOTE_V1 = """\
events:
  OrderNoted:
    versions:
      1:
        fields: {orderId: uuid, note: string}
"""
_NULLABLE_NOTE_V1 = _NOTE_V1.replace("note: string}", "note: {type: string, nullable: true}}")
_PRICING_V1 = """\
events:
  OrderSubmitted:
    versions:
      1:
        fields:
          orderId: uuid
          pricing: {type: object, fields: {total: decimal, currency: string}}
"""
_PYTHON_API_REMEDY = (
    "Update the code that uses the generated package in the same change (`mypy --strict` "
    "finds every use), then ignore the finding with that as the reason; or, when breaking "
    "that code is not worth it, keep the published name or type.")

RULES: tuple[Rule, ...] = (
    Rule(
        "ESD001", "declarations-invalid", "error",
        "The declarations under review do not pass `escodegen validate`.",
        "Nothing can be generated or published from invalid declarations, and a comparison of "
        "an invalid model would be guesswork.",
        "Fix the diagnostic shown (its code is explained in docs/errors.md), then run the diff again.",
        Example(_ORDER_V1, _ORDER_V1.replace("OrderPlaced:", "OrderPlaced:\n    aggregate: Nobody")),
        ignorable=False,
    ),
    Rule(
        "ESD101", "optional-field-added", "info",
        "An optional field was added, in place or in a new version.",
        "Old events simply lack the field and readers already treat it as absent: the weak-schema "
        "strategy needs no upcaster. Added in place to a published version, `escodegen publish` "
        "records a revision of that version.",
        "Nothing to do; run `escodegen publish` after merging.",
        Example(_ORDER_V1, _ORDER_V1.replace("totalAmount: decimal}", "totalAmount: decimal, note: string?}")),
        change="add optional field", strategy="weak schema",
    ),
    Rule(
        "ESD102", "required-field-added-with-upcast", "info",
        "A required field was added and an upcaster gives old events a value (covered by upcaster vN).",
        "Events stored before the change are upcast on read (`add` or `default`), so every reader "
        "sees the field.",
        "Nothing to do.",
        Example(_ORDER_V1, _ORDER_WITH_CURRENCY),
        change="add optional field", strategy="upcasting",
    ),
    Rule(
        "ESD103", "required-field-added-without-value", "error",
        "A required field was added (or an optional one made required) with no value for old events.",
        "Events already stored do not have the field; reading them would fail or invent a value.",
        "Make the field optional (weak schema), or add a new version whose upcaster supplies the "
        "value: `upcast: [add: {field: F, value: V}]` (or `default` for a field that was optional).",
        Example(_ORDER_V1, _ORDER_V1.replace("totalAmount: decimal}", "totalAmount: decimal, currency: string}"),
                _ORDER_WITH_CURRENCY),
        change="add optional field", strategy="upcasting",
    ),
    Rule(
        "ESD104", "field-renamed-with-upcast", "info",
        "A field was renamed or moved, and the upcaster of the new version does it (covered by upcaster vN).",
        "Old events are upcast on read: readers see the new name only.",
        "Nothing to do.",
        Example(_CUSTOMER_V1, _CUSTOMER_RENAMED),
        change="rename field", strategy="upcasting",
    ),
    Rule(
        "ESD105", "field-renamed-without-upcast", "error",
        "A field looks renamed (one removed, a similar one added) and no upcaster maps the old name.",
        "Stored events keep the old name: readers of the new name find nothing, and the value is lost "
        "to them.",
        "Keep the published version as it was and add a new version with "
        "`upcast: [rename: {from: OLD, to: NEW}]` (or `move` for dotted paths).",
        Example(_CUSTOMER_V1, _CUSTOMER_V1.replace("name: string", "fullName: string"),
                _CUSTOMER_RENAMED),
        change="rename field", strategy="upcasting",
    ),
    Rule(
        "ESD106", "field-split-with-upcast", "info",
        "A field was split into several (or several joined into one) by the upcaster of the new "
        "version (covered by upcaster vN).",
        "Old events are upcast on read: readers see the new fields only.",
        "Nothing to do.",
        Example(_CUSTOMER_V1, _CUSTOMER_SPLIT),
        change="split field", strategy="upcasting",
    ),
    Rule(
        "ESD107", "field-split-without-upcast", "error",
        "A field looks split into several (removed, and new fields named after it added) with no "
        "upcaster doing the split.",
        "Stored events keep the single field: readers of the new fields find nothing.",
        "Keep the published version as it was and add a new version with "
        "`upcast: [split: {from: OLD, into: [NEW1, NEW2], separator: \" \"}]`.",
        Example(_CUSTOMER_V1, _CUSTOMER_V1.replace("name: string", "firstName: string, lastName: string"),
                _CUSTOMER_SPLIT),
        change="split field", strategy="upcasting",
    ),
    Rule(
        "ESD108", "field-removed", "warning",
        "A field was removed; no projection or aggregate of the project reads it.",
        "Consumers outside this project may still read it. The decision matrix calls removal in "
        "place risky; a new event type is the clean way when the meaning of the event changes.",
        "Check external consumers; prefer a new version with `upcast: [remove: {field: F}]`, or a new "
        "event type declared with `replaces`.",
        Example(_CUSTOMER_V1, _CUSTOMER_V1 + """\
      2:
        upcast:
          - remove: {field: email}
        fields: {customerId: uuid, name: string}
"""),
        change="remove field", strategy="new event type",
    ),
    Rule(
        "ESD109", "field-removed-while-read", "error",
        "A field was removed while a projection or aggregate of the project reads it.",
        "The consumer would read nothing (a projection column turns null, an aggregate loses its "
        "stream id).",
        "Change the consumer first (read another field or drop the column), or keep the field.",
        Example(_ORDER_TOTALS, _ORDER_V1 + """\
      2:
        upcast:
          - remove: {field: totalAmount}
        fields: {orderId: uuid}
projections:
  order_totals:
    key: [orderId]
    columns: {orderId: uuid, total: decimal?}
    on:
      OrderPlaced: {upsert: {orderId: $.orderId}}
"""),
        change="remove field", strategy="new event type",
    ),
    Rule(
        "ESD110", "field-type-changed", "error",
        "A field's type changed inside a version chain without `convert` (also judged across the "
        "whole chain: a name reused with another type).",
        "Stored events hold the old type; the same name now means something else. Changing "
        "semantics is not possible with a weak schema or an upcaster.",
        "Declare a new event type (`replaces: OldEvent`) for the new meaning; for a mere "
        "representation change use `upcast: [convert: {field: F, to: TYPE}]`.",
        Example(_ORDER_V1, _ORDER_V1.replace("totalAmount: decimal", "totalAmount: integer"),
                _ORDER_V1 + """\
  OrderSubmitted:
    replaces: OrderPlaced
    versions:
      1:
        fields: {orderId: uuid, totalCents: integer}
"""),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD111", "enum-value-removed", "error",
        "A value was removed from an enum and no upcaster maps it.",
        "Stored events may hold the value; readers of the new version would reject them.",
        "Add a new version with `upcast: [map: {field: F, values: {OLD: NEW}}]`, or keep the value.",
        Example(_TIER_V1, """\
events:
  TierChanged:
    versions:
      1:
        fields: {tier: {type: enum, values: [standard, premium]}}
""", _TIER_MAPPED),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD112", "enum-value-mapped-by-upcast", "info",
        "An enum value was removed and the upcaster of the new version maps it (covered by upcaster vN).",
        "Old events holding the value are mapped on read.",
        "Nothing to do.",
        Example(_TIER_V1, _TIER_MAPPED),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD113", "enum-value-added", "info",
        "A value was added to an enum.",
        "Readers built from the previous version (generated code with a closed enum) reject the new "
        "value: deploy consumers before producers.",
        "Deploy consumers first.",
        Example("""\
events:
  TierChanged:
    versions:
      1:
        fields: {tier: {type: enum, values: [standard, premium]}}
""", """\
events:
  TierChanged:
    versions:
      1:
        fields: {tier: {type: enum, values: [standard, premium]}}
      2:
        fields: {tier: {type: enum, values: [standard, premium, enterprise]}}
"""),
    ),
    Rule(
        "ESD114", "pii-flag-added", "info",
        "A stored field was marked `pii: true`.",
        "Events already stored hold the personal data in clear. A regulatory purge can only remove "
        "it by rewriting the stored events (copy-transform); no upcaster or new version can.",
        "Purge a data subject with `escodegen migrate purge --subject ID`: a copy-transform of "
        "their stored events, snapshots and projection rows.",
        Example(_CUSTOMER_V1, _CUSTOMER_V1.replace("email: string", "email: {type: string, pii: true}")),
        change="regulatory purge", strategy="copy-transform", ignorable=False,
    ),
    Rule(
        "ESD115", "field-made-optional", "warning",
        "A required field became optional.",
        "Readers that rely on the field being present now meet null.",
        "Check every consumer handles the absent value.",
        Example(_ORDER_V1, _ORDER_V1 + """\
      2:
        fields: {orderId: uuid, totalAmount: decimal?}
"""),
    ),
    Rule(
        "ESD116", "field-converted-with-upcast", "info",
        "A field's representation changed and the upcaster converts it (covered by upcaster vN).",
        "Old events are converted on read: readers see the new type only.",
        "Nothing to do; make sure the meaning is the same (otherwise declare a new event type).",
        Example(_ORDER_V1, _ORDER_V1 + """\
      2:
        upcast:
          - convert: {field: totalAmount, to: string}
        fields: {orderId: uuid, totalAmount: string}
"""),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD117", "field-widened", "info",
        "A field's type was widened so that every stored value is still a value of the new type: "
        "integer -> number, enum -> string, anything -> json, array items likewise.",
        "Stored events decode unchanged, so no upcaster is needed. Consumers built for the old "
        "type may meet values they do not expect (2.5 where an integer was, a string outside the "
        "enum): deploy them first. In place, in a published version, it is still an edit "
        "(ESD120): producers of that version would write values its readers reject.",
        "Nothing to do in a new version; deploy consumers first.",
        Example(_QUANTITY_V1, _QUANTITY_V1 + """\
      2:
        fields: {orderId: uuid, quantity: number}
"""),
    ),
    Rule(
        "ESD118", "default-changed", "error",
        "A field's default value was changed or removed with no upcaster filling the old default.",
        "A stored event without the field is read with the default: changing it changes what "
        "events already stored say (the same event reads `EUR` before and `USD` after).",
        "Keep the published version as it was; in the new version give old events the old "
        "default explicitly: `upcast: [default: {field: F, value: OLD}]`.",
        Example(_PRICE_V1, _PRICE_V1 + """\
      2:
        fields: {orderId: uuid, currency: {type: string, default: USD}}
""", _PRICE_V1 + """\
      2:
        upcast:
          - default: {field: currency, value: EUR}
        fields: {orderId: uuid, currency: {type: string, default: USD}}
"""),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD119", "map-value-type-changed", "error",
        "The type of a map's values changed without an upcaster that rewrites them (a widening, "
        "integer -> number or anything -> json, is ESD117).",
        "Stored events hold values of the old type under every key; readers of the new version "
        "would reject them, or read them with another meaning.",
        "Declare a new event type (`replaces: OldEvent`) for the new meaning; for a mere "
        "representation change rewrite the values with `upcast: [custom: {python: ..., sql: ..., "
        "changes: [F]}]`.",
        Example(_STOCK_V1, _STOCK_V1.replace("values: integer", "values: string"), _STOCK_V1 + """\
  StockLevels:
    replaces: StockCounted
    versions:
      1:
        fields: {warehouse: string, levels: {type: map, values: string}}
"""),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD120", "published-version-edited", "error",
        "A published event version was changed in place (other than adding an optional field).",
        "Published versions are immutable: events of that version are already stored and their "
        "payloads cannot change with the declaration.",
        "Restore the version as published and declare the change as a new version with an upcaster.",
        Example(_ORDER_V1, _ORDER_V1.replace("totalAmount: decimal}", "totalAmount: decimal, currency: string}"),
                _ORDER_WITH_CURRENCY),
    ),
    Rule(
        "ESD121", "published-version-removed", "error",
        "A published event version is no longer declared.",
        "Events of that version are stored; without the declaration nothing can read or upcast them.",
        "Declare the version again. To retire a whole event type, declare its successor with `replaces`.",
        Example(_ORDER_V1 + """\
      2:
        fields: {orderId: uuid, totalAmount: decimal, note: string?}
""", _ORDER_V1),
    ),
    Rule(
        "ESD122", "named-type-edited-under-published-version", "error",
        "A named type (`types:`) changed in a way a published event version that uses it cannot "
        "take: reported once per such version, with its consumers.",
        "A version's schema is the expansion of the named types it uses: events of every version "
        "using the type are stored with the old shape, so editing the type edits all those "
        "published versions in place (their fingerprints change).",
        "Leave the published type as it was; declare the new shape as a new named type and use "
        "it in a new version of each event, with an upcaster.",
        Example(_MONEY_V1, _MONEY_V1.replace("amount: decimal", "value: decimal"),
                _MONEY_V1.replace("events:", "  MoneyV2: {fields: {value: decimal, currency: string}}\n"
                                             "events:")
                + """\
      2:
        upcast:
          - rename: {from: refund.amount, to: refund.value}
        fields: {orderId: uuid, refund: MoneyV2}
"""),
    ),
    Rule(
        "ESD130", "event-removed", "error",
        "An event type with published versions is no longer declared, and no event `replaces` it.",
        "Its events are stored: without the declaration they cannot be read, upcast or migrated.",
        "Keep the declaration, or declare the successor event type with `replaces: OldEvent`.",
        Example(_ORDER_AND_NOTE, _ORDER_V1),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD131", "event-replaced", "info",
        "An event type was removed and a new event type `replaces` it.",
        "The new event type strategy: stored events of the old type stay readable through the "
        "successor's declared migration.",
        "Nothing to do; plan the copy-transform of stored events if the old type must go.",
        Example(_ORDER_V1, """\
events:
  OrderSubmitted:
    replaces: OrderPlaced
    versions:
      1:
        fields: {orderId: uuid, totalCents: integer}
"""),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD132", "event-added", "info",
        "A new event type was declared.",
        "Nothing stored can conflict with it.",
        "Run `escodegen publish` after merging.",
        Example(_ORDER_V1, _ORDER_AND_NOTE),
    ),
    Rule(
        "ESD133", "version-added", "info",
        "A new version of an event type was declared.",
        "Each change inside it is judged by its own rule; this one records the version itself.",
        "Run `escodegen publish` after merging.",
        Example(_ORDER_V1, _ORDER_V1 + """\
      2:
        fields: {orderId: uuid, totalAmount: decimal, note: string?}
"""),
    ),
    Rule(
        "ESD134", "event-aggregate-changed", "error",
        "An event type with published versions was moved to another aggregate (or to none).",
        "Its stored events are in the old aggregate's streams; the new aggregate never loads "
        "them.",
        "Keep `aggregate` as it was; for the new owner declare a new event type (`replaces: "
        "OldEvent`) and move stored events with a copy-transform. Known only when comparing with "
        "a project (`diff`); the registry does not record it.",
        Example(_OWNED.format(owner="Customer"), _OWNED.format(owner="Account")),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD140", "state-changed-without-version", "error",
        "An aggregate's state shape changed but `state.version` stayed the same.",
        "Snapshots of the old shape would be loaded as the new one.",
        "Bump `state.version`: snapshots of older versions are then ignored and the aggregate is "
        "rebuilt by a full replay.",
        Example(_ORDER_STATE_V1, _ORDER_STATE_V2.replace("version: 2", "version: 1"), _ORDER_STATE_V2),
    ),
    Rule(
        "ESD141", "state-version-bumped", "info",
        "An aggregate's state version was bumped.",
        "Existing snapshots are of an older version and are never deserialized: each aggregate is "
        "rebuilt by a full replay on its next load, then snapshotted again.",
        "Expect slower first loads after deploying.",
        Example(_ORDER_STATE_V1, _ORDER_STATE_V2),
    ),
    Rule(
        "ESD150", "projection-rebuild-required", "warning",
        "A projection's key or a column's type changed, or a column was added or removed.",
        "Rows already in the table were computed for the old shape: the projection must be rebuilt "
        "by replaying its events.",
        "Run the generated migration, then rebuild the projection from position 0.",
        Example(_ORDER_TOTALS, _ORDER_V1 + """\
projections:
  order_totals:
    key: [orderId]
    columns: {orderId: uuid, total: decimal, placedAt: datetime}
    on:
      OrderPlaced: {upsert: {orderId: $.orderId, total: $.totalAmount, placedAt: $recorded_at}}
"""),
    ),
    Rule(
        "ESD160", "pii-flag-removed", "error",
        "A field stored events hold was marked `pii: true` and no longer is.",
        "A regulatory purge removes only `pii` fields: personal data already stored would stay "
        "in place after a purge.",
        "Keep `pii: true`. If the field never held personal data, ignore this finding with that "
        "reason.",
        Example(_CUSTOMER_PII, _CUSTOMER_PII + """\
      2:
        fields: {customerId: uuid, name: string, email: string}
"""),
        change="regulatory purge", strategy="copy-transform",
    ),
    Rule(
        "ESD161", "subject-changed", "error",
        "An event's `subject` (the field naming the data subject) was removed or changed.",
        "A purge finds a data subject's stored events by their subject field; without it, or by "
        "another field, it misses the events already stored.",
        "Keep `subject` as it was. Known only when comparing with a project (`diff`); the "
        "registry does not record it.",
        Example(_CUSTOMER_PII.replace("CustomerRegistered:\n", "CustomerRegistered:\n"
                                      "    subject: customerId\n"), _CUSTOMER_PII),
        change="regulatory purge", strategy="copy-transform",
    ),
    Rule(
        "ESD162", "enum-purge-placeholder-changed", "error",
        "The first value of a `pii` enum changed (values reordered, or the first one replaced).",
        "A purge writes an enum's first value in place of the personal value: purged data would "
        "no longer be told apart from the value that now comes first.",
        "Keep the first value first; add new values after it.",
        Example(_SEGMENT_V1, _SEGMENT_V1 + """\
      2:
        fields: {customerId: uuid, segment: {type: enum, values: [retail, unknown], pii: true}}
""", _SEGMENT_V1 + """\
      2:
        fields: {customerId: uuid, segment: {type: enum, values: [unknown, retail, wholesale], pii: true}}
"""),
        change="regulatory purge", strategy="copy-transform",
    ),
    Rule(
        "ESD170", "field-converted-lossy", "warning",
        "A `convert` does not convert every stored value exactly: some stay unconverted "
        "(\"abc\" to integer) or lose information (2.5 rounds to 3).",
        "An unconverted value then fails to decode as the new type; a rounded one silently "
        "changes what a stored event says. The message shows a stored value that does.",
        "For a partial conversion, a `custom` upcaster that decides the other values (declaring "
        "`changes: [F]`), or keep the type; for a lossy one keep the type and add a field, or "
        "declare a new event type. When every stored value is known to convert, ignore the "
        "finding with that reason.",
        Example(_QUANTITY_TEXT, _QUANTITY_TEXT + """\
      2:
        upcast:
          - convert: {field: quantity, to: integer}
        fields: {orderId: uuid, quantity: integer}
""", _QUANTITY_TEXT + _CUSTOM_QUANTITY.replace("data)\"}", "data)\", changes: [quantity]}")),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD171", "custom-upcast-undeclared", "warning",
        "A version's `custom` upcaster does not declare which fields it changes.",
        "What a custom function does is known only by running it: without `changes`, no change "
        "of that version (a type change, a removed field) can be judged, and all pass unseen.",
        "List the fields it adds, removes or changes: `custom: {python: ..., sql: ..., changes: "
        "[F, ...]}`; every other field is then judged as usual.",
        Example(_QUANTITY_TEXT, _QUANTITY_TEXT + _CUSTOM_QUANTITY,
                _QUANTITY_TEXT + _CUSTOM_QUANTITY.replace("data)\"}", "data)\", changes: [quantity]}")),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD180", "field-made-nullable", "warning",
        "A field that always held a value may now be null (`nullable: true`), its key still "
        "required (`required: false` too is ESD115).",
        "Stored events are unaffected, but consumers built for the old version (generated code, "
        "projections, other services) meet null where they relied on a value.",
        "Check every consumer handles null; deploy consumers before producers.",
        Example(_NOTE_V1, _NOTE_V1 + """\
      2:
        fields: {orderId: uuid, note: {type: string, nullable: true}}
"""),
    ),
    Rule(
        "ESD181", "field-made-not-nullable", "error",
        "A field that could be null may no longer be (`nullable` removed), with no upcaster "
        "giving old events a value.",
        "Stored events may hold null there; readers of the new declaration would reject them.",
        "Keep the published version as it was; in a new version fill the nulls: `upcast: "
        "[default: {field: F, value: ...}]`.",
        Example(_NULLABLE_NOTE_V1, _NOTE_V1, _NULLABLE_NOTE_V1 + """\
      2:
        upcast:
          - default: {field: note, value: ""}
        fields: {orderId: uuid, note: string}
"""),
        change="change semantics (type or meaning)", strategy="upcasting",
    ),
    Rule(
        "ESD200", "python-class-removed", "warning",
        "A class the generated Python package has for the latest version of an event (a "
        "nested record or enum, a named type) is renamed or gone.",
        "Code importing or naming the class (`OrderSubmittedPricing(...)`, an annotation) "
        "fails to import or to type-check once the package is regenerated. A nested class is "
        "named after the field holding it (docs/python.md, *Names*), so renaming the field "
        "renames the class.",
        _PYTHON_API_REMEDY,
        Example(_PRICING_V1, _PRICING_V1 + """\
      2:
        upcast:
          - rename: {from: pricing, to: price}
        fields:
          orderId: uuid
          price: {type: object, fields: {total: decimal, currency: string}}
"""),
        python=True,
    ),
    Rule(
        "ESD201", "python-attribute-removed", "warning",
        "An attribute of a generated class of an event's latest version is renamed or gone "
        "(a field renamed, moved or removed, even with an upcaster covering stored events).",
        "The upcaster keeps stored events readable, but code reading `event.name` raises "
        "AttributeError and fails to type-check once the package is regenerated.",
        _PYTHON_API_REMEDY,
        Example(_CUSTOMER_V1, _CUSTOMER_RENAMED),
        python=True,
    ),
    Rule(
        "ESD202", "python-attribute-type-changed", "warning",
        "An attribute of a generated class of an event's latest version has another Python "
        "type (`str` -> `str | None`, `int` -> `Decimal`, another class).",
        "Code written for the old type no longer type-checks, or meets values it was not "
        "written for (None, a Decimal where it did integer arithmetic).",
        _PYTHON_API_REMEDY,
        Example(_NOTE_V1, _NOTE_V1 + """\
      2:
        fields: {orderId: uuid, note: {type: string, nullable: true}}
"""),
        python=True,
    ),
    *_UNION_RULES,
)

_SKU_V1 = """\
events:
  ItemListed:
    versions:
      1:
        fields: {sku: {type: string, maxLength: 20}}
"""

CONSTRAINT_RULES: tuple[Rule, ...] = (
    Rule(
        "ESD190", "constraint-tightened", "error",
        "A constraint was added or tightened (a maxLength lowered, a minimum raised, a pattern or "
        "format added or changed, ...) where stored events may not meet it.",
        "Stored events were valid under the old constraint: the codec (decode) and the store's "
        "validation (`verify-store`) check the new one and refuse those that break it.",
        "Keep the published constraint; tighten it for new events only where an upcaster makes "
        "every stored value meet it (a `custom` one declaring `changes: [F]`), or in a new event "
        "type.",
        Example(_SKU_V1, _SKU_V1.replace("maxLength: 20", "maxLength: 8"), _SKU_V1 + """\
      2:
        fields: {sku: {type: string, maxLength: 40}}
"""),
        change="change semantics (type or meaning)", strategy="new event type",
    ),
    Rule(
        "ESD191", "constraint-loosened", "warning",
        "A constraint was removed or loosened (a maxLength raised, a minimum lowered, a format "
        "removed, ...).",
        "Stored events still meet it, but consumers built for the old version (a column sized "
        "by maxLength, code that trusts a pattern) meet values it refused.",
        "Check every consumer accepts the wider values; deploy consumers before producers.",
        Example(_SKU_V1, _SKU_V1 + """\
      2:
        fields: {sku: {type: string, maxLength: 40}}
"""),
    ),
)
"""The rules of constraints (issue 18), kept apart from the others."""

RULES = (*RULES, *CONSTRAINT_RULES)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def find_rule(key: str) -> Rule | None:
    """A rule by id (`ESD105`, any case) or by name (`field-renamed-without-upcast`)."""
    return BY_ID.get(key.upper()) or BY_NAME.get(key.lower())
