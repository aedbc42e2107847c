"""Edit a scenario's text: drop and add parameters, add derived values, set the rationality.

A fitted model is fed back into simulation and exploration as a scenario
file, which explorations store and reload as text; so the fitted scenario
is made by editing the original text (everything the author wrote stays
as written, comments included) rather than by rebuilding objects. Edits
work on whole lines, located through the parsed file, and need the
sections they touch to be written in block style (one entry per line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from escalade.errors import ScenarioError
from escalade.scenario._scenario import Scenario
from escalade.scenario._yaml import YMap, YNode, YScalar, parse_yaml

__all__ = ["TextEdit", "edit_scenario_text"]


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


def edit_scenario_text(scenario: Scenario, edit: TextEdit) -> str:
    """The scenario's text with ``edit`` applied (not checked: load it to check it).

    Examples
    --------
    >>> from escalade.scenario import load_scenario, load_scenario_text
    >>> sc = load_scenario("egame12")
    >>> text = edit_scenario_text(sc, TextEdit(
    ...     drop_parameters=("u1_sq",), add_parameters=(("z", "{value: 0, dist: normal, sd: 1}"),),
    ...     add_derived=(("u1_sq", "0.5 + 0.1 * z"),), drop_sections=("estimation",),
    ...     name="egame12-edited"))
    >>> load_scenario_text(text).parameters.names
    ('u1_war', 'u2_war', 'z')
    """
    text = scenario.text.decode("utf-8") if scenario.text else ""
    if not text:
        raise ScenarioError(f"{scenario.name}: the scenario's text is not available to edit")
    file = scenario.source or scenario.name
    root = parse_yaml(text, file)
    assert isinstance(root, YMap)
    lines = text.split("\n")
    spans = _spans(root, len(lines))
    replace: dict[int, list[str]] = {}  # line -> lines replacing it ([] deletes it)
    insert_before: dict[int, list[str]] = {}

    def drop(start: int, stop: int) -> None:
        for i in range(start, stop):
            replace[i] = []

    for section in edit.drop_sections:
        if section in spans:
            drop(*spans[section])
    if edit.drop_parameters or edit.add_parameters:
        start, stop = spans["parameters"]
        params = _block(root.get("parameters"), start, "parameters", file)
        entries = _entry_spans(params, stop)
        indent = " " * (params.items[0][0].col - 1) if params.items else "  "
        for name in edit.drop_parameters:
            drop(*entries[name])
        last = max(e[1] for e in entries.values()) if entries else start + 1
        # new entries go after the last entry, before any blank or comment lines that close it
        while last - 1 > start and not lines[last - 1].strip():
            last -= 1
        new = [f"{indent}{name}: {value}" for name, value in edit.add_parameters]
        insert_before.setdefault(last, []).extend(new)
    if edit.add_derived:
        new_entries = [f"{name}: {_quote(expr)}" for name, expr in edit.add_derived]
        if "derived" in spans:
            start, _ = spans["derived"]
            derived = _block(root.get("derived"), start, "derived", file)
            indent = " " * (derived.items[0][0].col - 1)
            first = derived.items[0][0].line - 1
            insert_before.setdefault(first, []).extend(indent + e for e in new_entries)
        else:
            _, stop = spans["parameters"]
            insert_before.setdefault(stop, []).extend(
                ["derived:", *("  " + e for e in new_entries)]
            )
    if edit.rationality is not None and "dynamics" in spans:
        start, _ = spans["dynamics"]
        dyn = _block(root.get("dynamics"), start, "dynamics", file)
        indent = " " * (dyn.items[0][0].col - 1)
        line = f"{indent}rationality: {_quote(edit.rationality)}"
        if "rationality" in dyn:
            key = dyn.key_node("rationality")
            value = dyn.get("rationality")
            if not isinstance(value, YScalar) or value.end_line not in (0, key.line):
                raise ScenarioError(
                    "dynamics: rationality: this edit needs it on one line",
                    file=file,
                    line=key.line,
                )
            replace[key.line - 1] = [line]
        else:
            insert_before.setdefault(dyn.items[0][0].line - 1, []).append(line)
    for section, new_value in (("name", edit.name), ("title", edit.title)):
        if new_value is not None and section in spans:
            start, _ = spans[section]
            shown = _quote(new_value) if section == "title" else new_value
            replace[start] = [f"{section}: {shown}"]
            for i in range(start + 1, spans[section][1]):
                if lines[i].startswith((" ", "\t")):  # a folded value's continuation
                    replace[i] = []
    out: list[str] = [f"# {h}" if h else "#" for h in edit.header]
    for i, line in enumerate(lines):
        out.extend(insert_before.get(i, []))
        out.extend(replace.get(i, [line]))
    out.extend(insert_before.get(len(lines), []))
    return "\n".join(out)


def flow_mapping(items: Sequence[tuple[str, str]]) -> str:
    """``{k: v, ...}`` from already formatted values."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
