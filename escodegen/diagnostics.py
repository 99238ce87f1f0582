"""Errors as values: every stage appends `Diagnostic`s to a `Report`; the CLI prints them together.

Each code is declared once in `CODES` (title and default hint); `docs/errors.md` is generated from it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from escodegen.printable import escape


@dataclass(frozen=True, order=True)
class Span:
    """A place in a source file; line and column are 1-based, as editors show them."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    hint: str


def _codes(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


_NO_PLACEHOLDER_HINT = (
    "A purge replaces a required pii value with a value of its type that meets its "
    "constraints; none does here (a pattern, or an array or map that may not be empty). Make "
    "the field optional (a purge sets it to null), or loosen the constraint.")
"""The hint of ES306 (validate warns) and ES713 (migrate purge refuses)."""

# The catalogue of checks. Codes are stable: never renumber, only add.
CODES: dict[str, Code] = _codes(
    # ES0xx: reading files
    Code("ES001", "YAML syntax error", "Fix the YAML syntax at the position shown."),
    Code("ES002", "duplicate key in a mapping",
         "YAML keeps only the last of two equal keys; remove or rename one of them."),
    Code("ES003", "input too large",
         "Split the file, or remove the aliases that expand it (a YAML alias bomb?)."),
    Code("ES004", "file cannot be read", "Declaration files must be UTF-8 text."),
    Code("ES005", "path outside the project",
         "Paths in escodegen.yaml must stay inside the project folder."),
    Code("ES006", "project file missing",
         "Run `escodegen init` or pass --project / -C to point at escodegen.yaml."),
    Code("ES007", "source matches no file",
         "Check the folder or glob under `sources` in escodegen.yaml."),
    Code("ES008", "unsupported YAML feature",
         "Use plain mappings, sequences and scalars, without tags (`!!binary`, `!name`)."),
    Code("ES009", "character not allowed in text",
         "JSON, PostgreSQL and UTF-8 files cannot hold NUL (\\0) or a lone surrogate "
         "(\\ud800-\\udfff); remove the escape."),
    Code("ES010", "number out of range",
         "Numbers are finite (no .nan or .inf, no float beyond 1.8e308) and integers have at "
         f"most {sys.int_info.default_max_str_digits:,} digits; quote the value if it is meant "
         "as text."),
    Code("ES011", "control character in a path",
         "Paths in escodegen.yaml hold printable characters only: no control, bidi or "
         "line-separator characters."),
    # ES1xx: structure (the language's JSON Schemas in schemas/)
    Code("ES101", "invalid structure",
         "See the key's documentation in docs/language.md."),
    # ES2xx: names and references
    Code("ES201", "duplicate name", "Names of events, aggregates, named types and projections are unique across all files."),
    Code("ES202", "invalid identifier",
         "Event and aggregate names are PascalCase ([A-Z][A-Za-z0-9]*); fields, projections and "
         "columns match [A-Za-z_][A-Za-z0-9_]*."),
    Code("ES203", "reserved name",
         "Pick a name that is not a Python keyword or reserved by the generated code or the event "
         "store (docs/language.md#reserved-names)."),
    Code("ES204", "names collide after case conversion",
         "Generated code converts names to snake_case and PascalCase; rename one of them."),
    Code("ES205", "unknown event", "Declare the event, or fix the spelling."),
    Code("ES206", "unknown aggregate", "Declare the aggregate, or fix the spelling."),
    Code("ES207", "unknown field", "Reference a field that the declaration has."),
    Code("ES208", "generated PostgreSQL name too long",
         "PostgreSQL keeps 63 bytes of a name; shorten the declaration's name "
         "(docs/language.md#reserved-names)."),
    Code("ES209", "one database role in two postgres.roles",
         "Give the writer, the reader and the migrator a role each: the migrator owns the "
         "store, so a writer that is also the migrator could change stored events."),
    Code("ES221", "type name taken by the generated Python",
         "A named type becomes a class beside the names the generated code imports (Decimal, "
         "UUID, Enum, BaseModel, Struct, ...); give it another name."),
    Code("ES222", "unknown type", "Declare the type under `types:` in any declaration file, or "
         "fix the spelling (docs/language.md#named-types)."),
    Code("ES223", "type contains itself",
         "A named type cannot hold itself, directly or through other named types: a payload is "
         "a finite tree. Refer to the other record by id, or use json."),
    Code("ES224", "constraint does not apply to the type",
         "Length, pattern and format constraints are for strings, bounds for integer, number and "
         "decimal, multipleOf for integer and decimal (a binary number cannot be checked "
         "exactly: declare decimal), item counts and uniqueItems for arrays "
         "(docs/language.md#constraints)."),
    Code("ES225", "constraints leave no value",
         "A minimum above its maximum (or an exclusive bound at the other end) accepts nothing; "
         "fix one end."),
    Code("ES226", "invalid constraint value",
         "Counts are >= 0, multipleOf is > 0 (on integer or decimal: binary floating point makes "
         "it inexact on number), an integer's bounds are integers, and a bound is a number JSON "
         "Schema holds exactly (docs/language.md#constraints)."),
    Code("ES227", "pattern outside the supported subset",
         "Patterns use the subset on which Python and PostgreSQL agree: literals, escaped "
         "metacharacters, classes with ranges, anchors, groups, alternation and greedy "
         "quantifiers (docs/language.md#patterns)."),
    Code("ES228", "default breaks the field's constraints",
         "A default is stored as the field's value: make it meet the constraints, or change them."),
    Code("ES240", "union without variants",
         "A tagged union lists its variants: `variants: {card: Card, transfer: BankTransfer}` "
         "(docs/language.md#tagged-unions)."),
    Code("ES241", "union variant is not a record",
         "A tagged union's variants are records (a named type with `fields`, or an inline "
         "`{fields: {...}}`): the tag is a field of the JSON object."),
    Code("ES242", "union tag is a field of a variant",
         "The tag field names the variant; a variant cannot have a field of the same name. "
         "Rename the tag or the field."),
    Code("ES243", "union variant tags collide",
         "Every variant of a union has its own tag, also in PascalCase (each becomes a class)."),
    Code("ES244", "untagged union variants cannot be told apart",
         "An untagged union's variants are scalars of distinct JSON kinds (string, number, "
         "boolean): a value's kind says which it is. integer and number, or string and a "
         "string-carried type (decimal, uuid, date, enum), cannot be told apart."),
    Code("ES245", "tuple with rest holds types it cannot tell apart",
         "The class of a tuple with `rest` holds a list of the union of its positions' and "
         "rest's types, so those are plain scalars (or json) of distinct JSON kinds, each type "
         "as often as wanted: not records, arrays, enums or constrained types, and not "
         "integer beside number or string beside decimal, uuid, date or datetime. A closed "
         "tuple (no `rest`) takes any types."),
    # ES3xx: versions and upcast chains
    Code("ES301", "version numbers not consecutive", "Versions are numbered 1, 2, 3, … without gaps."),
    Code("ES302", "upcast on the first version", "Version 1 has nothing to upcast from; remove `upcast`."),
    Code("ES303", "upcast target collides with an existing field",
         "Remove or rename the existing field first, or choose another target name."),
    Code("ES304", "field is pii in some versions only",
         "A purge reads each stored version through its own declaration: mark the field "
         "`pii: true` in every version that has it."),
    Code("ES305", "pii fields without a subject",
         "Name the event's `subject` (the top-level field holding the data subject's id): "
         "`migrate purge` only purges events that have one (docs/language.md)."),
    Code("ES306", "no purge placeholder fits a pii field",
         _NO_PLACEHOLDER_HINT),
    Code("ES310", "upcast chain does not produce the declared fields",
         "Add the operations that turn the previous version into this one."),
    Code("ES311", "upcast operation reads a missing field",
         "An operation can only read fields that exist at that point of the chain."),
    Code("ES312", "value does not match the declared type",
         "Give a value of the field's declared type."),
    Code("ES313", "type changed without convert",
         "A change of meaning needs a new event type (see `replaces`); a representation change needs `convert`."),
    Code("ES314", "invalid custom operation",
         "`python` is a dotted path `module:function`; `sql` a jsonb expression over `data`."),
    Code("ES316", "custom sql calls a function that is not immutable",
         "An upcaster is IMMUTABLE: call immutable built-ins, or immutable functions of your own "
         "schema, schema-qualified (docs/upcast/custom.md)."),
    Code("ES315", "upcast operation does not fit the field's type",
         "split and join work on strings; map and convert on strings, numbers and booleans."),
    # ES4xx: aggregates and projections
    Code("ES401", "projection handler reads a field the event lacks",
         "Handlers read the latest version of the event; use a field it declares."),
    Code("ES402", "projection handler sets an unknown column", "Declare the column under `columns`."),
    Code("ES403", "invalid projection key", "Every key column must be declared under `columns`."),
    Code("ES404", "invalid aggregate", "See docs/language.md#aggregates."),
    Code("ES405", "invalid stream template", "A stream template names only the aggregate's id field, e.g. `Order-{orderId}`."),
    Code("ES406", "value does not fit the column",
         "Assign a value of the column's type, or change the column's type."),
    # ES5xx: design lints, warnings of `escodegen validate` (docs/lints.md)
    Code("ES501", "property sourcing",
         "Name what happened (`CustomerMoved` with the new address), not which field changed; "
         "or silence it with an `ignore:` entry and its reason (docs/lints.md#es501)."),
    Code("ES502", "fat event",
         "Carry what changed and why; readers that need the whole state load the aggregate or "
         "a projection (docs/lints.md#es502)."),
    Code("ES503", "event named as a command",
         "Events are facts, in the past tense: `OrderPlaced`, not `PlaceOrder` "
         "(docs/lints.md#es503)."),
    Code("ES504", "snapshot at every event",
         "Snapshot every N > 1 events, after a time, or when a replay is slow "
         "(docs/lints.md#es504)."),
    # ES6xx: generating code
    Code("ES601", "generated names collide",
         "Two declarations would generate the same Python name; rename one of them."),
    Code("ES602", "output folders overlap",
         "Give every target (`python.out`, `postgres.out`) a folder of its own."),
    Code("ES603", "generated path outside the output folder",
         "A generated file would land outside its configured folder; check `out` and symlinks."),
    # ES7xx: migrations
    Code("ES701", "no postgres target",
         "Migrations work on the PostgreSQL event store: add `postgres:` to escodegen.yaml."),
    Code("ES702", "nothing to migrate",
         "Name events that have more than one version, or declare a new version first."),
    Code("ES703", "invalid migration id",
         "Use a short lowercase identifier ([a-z][a-z0-9_]{0,29}); it names tables and functions."),
    Code("ES704", "nothing to purge",
         "Mark fields `pii: true` and name the event's `subject` field (see docs/language.md)."),
    Code("ES705", "projection shape unknown",
         "Publish the projection (`escodegen publish`) or pass --against a git ref or folder."),
    Code("ES706", "pii field inside an array or map",
         "A purge rewrites pii fields of objects only; move the field out of the array's items "
         "(or the map's values, or a union's variants), or mark the whole array or map `pii` "
         "(a union only when it may be null: a purge makes it null)."),
    Code("ES707", "subject id of the wrong type",
         "Pass the id as the events' `subject` field holds it (e.g. a UUID for a `uuid` "
         "field); check it for a typo."),
    Code("ES708", "the purge matches no stored event",
         "No stored event has this subject id: check it for a typo. If the subject is known "
         "to have no events (only to record the request), pass --allow-no-match."),
    Code("ES709", "archive path refused",
         "Name a new file ending in `.jsonl.gz` in an existing folder (the manifest is written "
         "beside it as `<file>.manifest.json`); a file there already must be an archive this "
         "command wrote."),
    Code("ES710", "archive file does not match its manifest or the database",
         "The file was changed, truncated or is not the manifest's: keep (or fetch) the file "
         "the manifest describes. Nothing was removed or restored."),
    Code("ES711", "streams changed since the archive was written",
         "Nothing was removed or restored: delete the archive file and its manifest and run "
         "the archive again (or restore streams that are still archived)."),
    Code("ES712", "the event store has no archive support",
         "Apply the event store SQL of this escodegen version (`001_event_store.sql`): it "
         "creates the `archived_streams` tombstones that readers and appenders check."),
    Code("ES713", "no purge placeholder fits a pii field",
         _NO_PLACEHOLDER_HINT),
    Code("ES714", "the purge waited too long for a lock",
         "Run the purge again; end a session left idle in its transaction "
         "(`select pg_terminate_backend(<pid>)`, the pid the message names), or allow a longer "
         "wait with --lock-timeout."),
    # ES8xx: the registry folder (docs/registry.md). Never edit it by hand: restore it from git.
    Code("ES801", "registry file cannot be read",
         "Restore the file from git (`git checkout -- <file>`); registry files are UTF-8 JSON "
         "files that only `escodegen publish` writes."),
    Code("ES802", "registry file is not strict JSON",
         "Restore the file from git; registry files hold strict JSON (no NaN or Infinity, no "
         "duplicate keys) and are written only by `escodegen publish`."),
    Code("ES803", "registry file has the wrong format",
         "Restore the file from git; its format is in docs/registry.md. A registry written by "
         "a newer escodegen needs that version."),
    Code("ES804", "invalid name in the registry index",
         "Names in index.json are identifiers (letters, digits, `_`; no path separator): "
         "restore index.json from git."),
    Code("ES805", "registry path outside the registry folder",
         "Replace the symbolic link by the file itself (restore it from git)."),
    Code("ES806", "published schema file changed",
         "Published versions are immutable: restore the file from git (`git checkout -- "
         "<file>`), and declare a new version or event type for the change."),
    Code("ES807", "published schema file missing",
         "A published version can never be removed: restore the file from git."),
    Code("ES808", "registry index changed outside publish",
         "index.json is not the one the last publish wrote (registry/log.jsonl): restore it "
         "from git and run `escodegen publish` to record changes."),
    Code("ES809", "registry index missing",
         "The registry folder holds published files but no index.json: restore it from git."),
    Code("ES810", "registry index rolled back",
         "index.json is one an earlier publish wrote: restore the latest from git "
         "(`git checkout -- registry/`); published versions can never be withdrawn."),
    Code("ES811", "published version missing from the index",
         "registry/log.jsonl records it as published and a published version can never "
         "disappear: restore index.json from git."),
    Code("ES812", "publication log broken",
         "registry/log.jsonl only grows, one line per publish, each naming the index before it: "
         "restore it from git."),
    Code("ES813", "file not named by the registry index",
         "Only `escodegen publish` adds files to the registry: restore the index from git if an "
         "entry was removed, else delete the file."),
    Code("ES814", "registry in an old format",
         "Run `escodegen publish` once: it records every schema file's sha256 and starts the "
         "publication log (docs/registry.md#upgrading); commit the result."),
    Code("ES815", "malformed publication time in the registry log",
         "`escodegen publish` writes each line's `published` as a UTC time to the second "
         "(2024-05-01T12:00:00Z): restore registry/log.jsonl from git."),
)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str = ""
    severity: str = "error"

    @property
    def title(self) -> str:
        return CODES[self.code].title

    @property
    def effective_hint(self) -> str:
        return self.hint or CODES[self.code].hint

    def render(self) -> str:
        """Two lines at most, whatever the message quotes: declared text is escaped, so it can
        neither drive the terminal nor start a line that looks like another diagnostic."""
        where = f"{escape(str(self.span))}: " if self.span else ""
        text = f"{where}{self.severity} {self.code}: {escape(self.message)}"
        hint = escape(self.effective_hint)
        return f"{text}\n    hint: {hint}" if hint else text

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.effective_hint,
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
        }


@dataclass
class Report:
    """Collects diagnostics from every stage, to be shown together."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span | None = None, hint: str = "") -> None:
        self._add(Diagnostic(code, message, span, hint))

    def warning(self, code: str, message: str, span: Span | None = None, hint: str = "") -> None:
        self._add(Diagnostic(code, message, span, hint, severity="warning"))

    def _add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.code not in CODES:  # a programming error, caught by the tests
            raise KeyError(f"undeclared diagnostic code {diagnostic.code}")
        self.diagnostics.append(diagnostic)

    def extend(self, other: Report) -> None:
        self.diagnostics.extend(other.diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.span or Span("", 0, 0), d.code, d.message))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.diagnostics)


def errors_markdown() -> str:
    """docs/errors.md, generated from `CODES` (`python -m escodegen.diagnostics > docs/errors.md`)."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from escodegen/diagnostics.py by `python -m escodegen.diagnostics`. -->",
        "",
        "Every diagnostic names the file, line and column, one of these codes, what is wrong and",
        "what to do. Codes are stable: a code is never reused for another check.",
        "",
        "| code | what | what to do |",
        "|---|---|---|",
    ]
    lines += [f"| {c.code} | {c.title} | {c.hint} |" for c in CODES.values()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(errors_markdown(), end="")
