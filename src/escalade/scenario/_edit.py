"""Edit a scenario's text: drop and add parameters, add derived values, set the rationality.

A fitted model is fed back into simulation and exploration as a scenario
file, which explorations store and reload as text; so the fitted scenario
is made by editing the original text (everything the author wrote stays
as written, comments included) rather than by rebuilding objects. Edits
work on whole lines, located through the parsed file, and need the
sections they touch to be written in block style (one entry per line).

The ``audit:`` section is written anew at the end of the file: the
author's acceptances, with the lines of accepted expressions moved where
the edit moved them (and a dropped parameter that became a derived value
accepted under its new kind), then the acceptances the edit adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from escalade.errors import ScenarioError
from escalade.scenario._accept import Acceptance, expression_place
from escalade.scenario._scenario import Scenario
from escalade.scenario._yaml import YMap, YNode, YScalar, parse_yaml

__all__ = ["RATIONALITY", "TextEdit", "edit_scenario_text"]

#: How :attr:`TextEdit.accept_constants` names the new ``dynamics: rationality``.
RATIONALITY = "dynamics: rationality"


@dataclass(frozen=True)
class TextEdit:
    """What to change in a scenario's text.

    Attributes
    ----------
    drop_parameters : tuple of str
        Parameters to remove (they become derived values, say).
    add_parameters : tuple of (str, str)
        ``(name, YAML flow value)`` appended to ``parameters:``.
    add_derived : tuple of (str, str)
        ``(name, expression)`` inserted at the top of ``derived:`` (so the
        existing derived values can use them).
    rationality : str or None
        New ``dynamics: rationality:`` expression (when there is a
        ``dynamics:`` section).
    drop_sections : tuple of str
        Top-level sections to remove.
    name, title : str or None
        New name and title.
    header : tuple of str
        Comment lines put at the top of the file.
    accept_constants : tuple of (str, str)
        ``(derived name, reason)``: the numbers written in these added
        derived values (or in the new rationality, named
        :data:`RATIONALITY`) are accepted (``audit: accept:``, kind
        ``unexplained_constant``), for the reason given.

    Examples
    --------
    >>> TextEdit(drop_sections=("estimation",)).drop_parameters
    ()
    """

    drop_parameters: tuple[str, ...] = ()
    add_parameters: tuple[tuple[str, str], ...] = ()
    add_derived: tuple[tuple[str, str], ...] = ()
    rationality: str | None = None
    drop_sections: tuple[str, ...] = ()
    name: str | None = None
    title: str | None = None
    header: tuple[str, ...] = field(default=())
    accept_constants: tuple[tuple[str, str], ...] = ()


def _spans(root: YMap, n_lines: int) -> dict[str, tuple[int, int]]:
    """0-based ``[start, stop)`` line ranges of the top-level sections."""
    keys = [(k.raw, k.line - 1) for k, _ in root.items]
    out = {}
    for i, (name, start) in enumerate(keys):
        stop = keys[i + 1][1] if i + 1 < len(keys) else n_lines
        out[name] = (start, stop)
    return out


def _block(node: YNode | None, key_line: int, what: str, file: str) -> YMap:
    if not isinstance(node, YMap) or any(k.line - 1 <= key_line for k, _ in node.items):
        raise ScenarioError(
            f"{what}: this edit needs the section written one entry per line (block style)",
            file=file,
            line=key_line + 1,
        )
    return node


def _entry_spans(m: YMap, stop: int) -> dict[str, tuple[int, int]]:
    keys = [(k.raw, k.line - 1) for k, _ in m.items]
    return {
        name: (start, keys[i + 1][1] if i + 1 < len(keys) else stop)
        for i, (name, start) in enumerate(keys)
    }


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Editor:
    """The file's lines, and the changes to them: lines replaced (or deleted), lines inserted."""

    def __init__(self, scenario: Scenario) -> None:
        text = scenario.text.decode("utf-8") if scenario.text else ""
        if not text:
            raise ScenarioError(f"{scenario.name}: the scenario's text is not available to edit")
        self.file = scenario.source or scenario.name
        root = parse_yaml(text, self.file)
        if not isinstance(root, YMap):
            raise root.error(f"a scenario must be a mapping of sections, found {root.kind}")
        self.root = root
        self.lines = text.split("\n")
        self.spans = _spans(root, len(self.lines))
        self.replace: dict[int, list[str]] = {}  # line -> lines replacing it ([] deletes it)
        self.insert_before: dict[int, list[tuple[str, str]]] = {}  # line -> (text, derived)

    def drop(self, start: int, stop: int) -> None:
        for i in range(start, stop):
            self.replace[i] = []

    def insert(self, line: int, texts: Sequence[str], names: Sequence[str] = ()) -> None:
        """Insert ``texts`` before ``line``; ``names``: the derived value each one defines."""
        tags = list(names) or [""] * len(texts)
        self.insert_before.setdefault(line, []).extend(zip(texts, tags, strict=True))

    def section(self, key: str) -> YMap:
        start, _ = self.spans[key]
        return _block(self.root.get(key), start, key, self.file)

    def parameters(self, edit: TextEdit) -> None:
        if not (edit.drop_parameters or edit.add_parameters):
            return
        start, stop = self.spans["parameters"]
        params = self.section("parameters")
        entries = _entry_spans(params, stop)
        indent = " " * (params.items[0][0].col - 1) if params.items else "  "
        for name in edit.drop_parameters:
            self.drop(*entries[name])
        last = max(e[1] for e in entries.values()) if entries else start + 1
        # new entries go after the last entry, before any blank or comment lines that close it
        while last - 1 > start and not self.lines[last - 1].strip():
            last -= 1
        self.insert(last, [f"{indent}{name}: {value}" for name, value in edit.add_parameters])

    def derived(self, edit: TextEdit) -> None:
        if not edit.add_derived:
            return
        names = [name for name, _ in edit.add_derived]
        entries = [f"{name}: {_quote(expr)}" for name, expr in edit.add_derived]
        if "derived" in self.spans:
            derived = self.section("derived")
            indent = " " * (derived.items[0][0].col - 1)
            self.insert(derived.items[0][0].line - 1, [indent + e for e in entries], names)
        else:
            _, stop = self.spans["parameters"]
            self.insert(stop, ["derived:"])
            self.insert(stop, ["  " + e for e in entries], names)

    def rationality(self, expression: str | None) -> None:
        if expression is None or "dynamics" not in self.spans:
            return
        dyn = self.section("dynamics")
        indent = " " * (dyn.items[0][0].col - 1)
        line = f"{indent}rationality: {_quote(expression)}"
        where = dyn.items[0][0].line - 1
        if "rationality" in dyn:
            key = dyn.key_node("rationality")
            value = dyn.get("rationality")
            if not isinstance(value, YScalar) or value.end_line not in (0, key.line):
                raise ScenarioError(
                    "dynamics: rationality: this edit needs it on one line",
                    file=self.file,
                    line=key.line,
                )
            where = key.line - 1
            self.drop(where, where + 1)
        self.insert(where, [line], [RATIONALITY])

    def heading(self, section: str, new_value: str | None) -> None:
        if new_value is None or section not in self.spans:
            return
        start, stop = self.spans[section]
        shown = _quote(new_value) if section == "title" else new_value
        self.replace[start] = [f"{section}: {shown}"]
        for i in range(start + 1, stop):
            if self.lines[i].startswith((" ", "\t")):  # a folded value's continuation
                self.replace[i] = []

    def assemble(self, header: Sequence[str]) -> tuple[list[str], dict[int, int], dict[str, int]]:
        """The new lines; each kept line's new number and each added derived value's (from 1)."""
        out = [f"# {h}" if h else "#" for h in header]
        moved: dict[int, int] = {}
        added: dict[str, int] = {}
        for i in range(len(self.lines) + 1):
            for text, name in self.insert_before.get(i, []):
                out.append(text)
                if name:
                    added[name] = len(out)
            if i == len(self.lines):
                break
            kept = self.replace.get(i, [self.lines[i]])
            if i not in self.replace:
                moved[i + 1] = len(out) + 1
            out.extend(kept)
        return out, moved, added


def _moved(
    entry: Acceptance, moved: dict[int, int], edit: TextEdit, derived: set[str]
) -> Acceptance | None:
    """An acceptance of the original file, as it reads after the edit (None: nothing left)."""
    prefix, _, name = entry.element.partition(":")
    if prefix == "expression" and not name.endswith("*"):
        place = expression_place(name)
        line = moved.get(place[0]) if place is not None else None
        if place is None or line is None:
            return None
        where = f"{line}:{place[1]}" if place[1] is not None else str(line)
        return Acceptance(entry.kind, f"expression:{where}", entry.reason)
    if prefix == "parameter" and name in edit.drop_parameters:
        # a parameter the edit turned into a derived value is accepted under its new kind
        return Acceptance(entry.kind, f"derived:{name}", entry.reason) if name in derived else None
    return entry


def _audit_section(entries: Sequence[Acceptance]) -> list[str]:
    out = ["audit:", "  accept:"]
    for e in entries:
        out += [
            f"    - kind: {e.kind}",
            f"      element: {_quote(e.element)}",
            f"      reason: {_quote(e.reason)}",
        ]
    return out


def edit_scenario_text(scenario: Scenario, edit: TextEdit) -> str:
    """The scenario's text with ``edit`` applied (not checked: load it to check it).

    Examples
    --------
    >>> from escalade.scenario import load_scenario, load_scenario_text
    >>> sc = load_scenario("egame12")
    >>> text = edit_scenario_text(sc, TextEdit(
    ...     drop_parameters=("u1_sq",), add_parameters=(("z", "{value: 0, dist: normal, sd: 1}"),),
    ...     add_derived=(("u1_sq", "0.5 + 0.1 * z"),), drop_sections=("estimation",),
    ...     name="egame12-edited", accept_constants=(("u1_sq", "fitted"),)))
    >>> edited = load_scenario_text(text)
    >>> edited.parameters.names, [a.kind for a in edited.accepted]
    (('u1_war', 'u2_war', 'z'), ['unexplained_constant'])
    """
    editor = _Editor(scenario)
    for section in (*edit.drop_sections, "audit"):
        if section in editor.spans:
            editor.drop(*editor.spans[section])
    editor.parameters(edit)
    editor.derived(edit)
    editor.rationality(edit.rationality)
    editor.heading("name", edit.name)
    editor.heading("title", edit.title)
    out, moved, added = editor.assemble(edit.header)
    derived = {name for name, _ in edit.add_derived}
    kept = [_moved(a, moved, edit, derived) for a in scenario.accepted]
    accepted = [a for a in kept if a is not None] + [
        Acceptance("unexplained_constant", f"expression:{added[name]}", reason)
        for name, reason in edit.accept_constants
    ]
    if accepted:
        while out and not out[-1].strip():
            out.pop()
        out += [*_audit_section(accepted), ""]
    return "\n".join(out)


def flow_mapping(items: Sequence[tuple[str, str]]) -> str:
    """``{k: v, ...}`` from already formatted values."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
