"""The documentation is tested: its examples run, and their output is what the docs show.

What is extracted from README.md and docs/*.md:

- ```console blocks: lines ``$ escalade ARGS`` are run (in-process, through
  :func:`escalade.cli.main`, which is what the installed command calls) and
  the lines after them, up to the next ``$``, are the expected output
  (stdout and stderr together, as a terminal shows them). ``$ echo $?``
  prints the exit code of the previous command. A long command may
  continue on the next line after a trailing backslash. No other command
  is allowed, so every shell example is checked.
- ```python blocks: ``>>>`` sessions run statement by statement, as the
  interactive interpreter runs them, and what each prints must be the
  output shown after it (up to the next ``>>>``; an exception shows as
  doctest shows it, with ``...`` for the frames). Blocks that do not start
  with ``>>>`` run as scripts and must not raise. All blocks of one file
  share their variables, like cells of one notebook.
- ```yaml blocks preceded by ``<!-- file: PATH -->`` must be exactly the
  file PATH of the repository; ``<!-- excerpt: PATH -->`` must appear in
  it verbatim; ``<!-- scenario -->`` must load as a complete scenario.
  Any other YAML block must at least be valid YAML.

Every file's examples run in order in a fresh folder holding a copy of
``docs/``, so ``docs/examples/crisis.yaml`` is a path examples can use and
files they write go nowhere near the repository.

Comparing output: trailing spaces and blank lines at the end are ignored;
``...`` in the expected output stands for any text (for outputs that
legitimately vary, such as timings); numbers are compared with a relative
tolerance of 1e-9, so the last digits of a float may differ between
platforms but nothing a reader could see does.
"""

from __future__ import annotations

import argparse
import codeop
import contextlib
import io
import math
import re
import shlex
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import escalade
from escalade.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "docs" / "examples"

# ---------------------------------------------------------------------------
# reading markdown


@dataclass
class Block:
    """One fenced code block: its language, text, first line and the marker before it."""

    lang: str
    text: str
    line: int
    marker: str


_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*$")
_MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, in order."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.groups()
        marker = ""
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and (mm := _MARKER.match(lines[j].strip())):
            marker = mm.group(1)
        start = i + 1
        i += 1
        while i < len(lines) and lines[i].rstrip() != fence:
            i += 1
        if i == len(lines):
            raise AssertionError(f"{path.name}:{start}: code block is never closed")
        out.append(Block(lang.lower(), "\n".join(lines[start:i]) + "\n", start + 1, marker))
        i += 1
    return out


# ---------------------------------------------------------------------------
# comparing output

_NUMBER = r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.]*\d)"
_TOKEN = re.compile(rf"(\.\.\.)|({_NUMBER})")


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def _line_pattern(line: str, numbers: list[float]) -> str:
    parts: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(line):
        parts.append(re.escape(line[pos : m.start()]))
        if m.group(1):
            parts.append("[^\\n]*?")
        else:
            parts.append(f"({_NUMBER})")
            numbers.append(float(m.group(2)))
        pos = m.end()
    parts.append(re.escape(line[pos:]))
    return "".join(parts)


def output_matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected`` up to ``...`` wildcards and float noise.

    ``...`` within a line matches any text on that line; a line that is
    just ``...`` matches any number of lines, none included.

    Examples
    --------
    >>> output_matches("took ... s\\nP = 0.25", "took 3.2 s\\nP = 0.2500000000001")
    True
    >>> output_matches("P = 0.25", "P = 0.26")
    False
    >>> output_matches("...\\nb\\n...", "b")
    True
    """
    expected, actual = _normalise(expected), _normalise(actual)
    if expected == actual:
        return True
    numbers: list[float] = []
    pattern = ""
    lines = expected.split("\n")
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        if line == "...":
            # any whole lines; the newline that ends the previous line goes with them
            pattern += "(?:.*)" if last else "(?:[^\\n]*\\n)*?"
            continue
        pattern += _line_pattern(line, numbers)
        if not last:
            pattern += "(?:\\n|$)" if lines[i + 1] == "..." and i + 2 == len(lines) else "\\n"
    found = re.fullmatch(pattern, actual, flags=re.DOTALL)
    if found is None:
        return False
    return all(
        math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-12)
        for got, want in zip(found.groups(), numbers, strict=True)
    )


# ---------------------------------------------------------------------------
# running examples


@dataclass
class Example:
    """One command or statement of a block and the output the docs show for it.

    ``span`` is the 0-based range of file lines holding that output.
    """

    kind: str  # "shell" or "python"
    source: str
    expected: str
    line: int
    span: tuple[int, int]


def examples(block: Block) -> list[Example]:
    """The ``$`` commands of a console block, or the ``>>>`` statements of a Python one.

    Output runs up to the next prompt, blank lines included, so printed
    tables need no ``<BLANKLINE>`` markers. A command continues on the next
    line after a trailing backslash; a Python statement continues on
    ``...`` lines for as long as it is incomplete.
    """
    prompt = "$ " if block.lang == "console" else ">>> "
    lines = block.text.rstrip("\n").split("\n")
    base = block.line - 1  # file index of the block's first line
    out: list[Example] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(prompt):
            raise AssertionError(
                f"line {base + i + 1}: expected a line starting with {prompt!r}, found {lines[i]!r}"
            )
        first = i
        source = [lines[i][len(prompt) :]]
        i += 1
        if prompt == "$ ":
            while source[-1].endswith("\\"):
                source[-1] = source[-1][:-1]
                source.append(lines[i].strip())
                i += 1
            text = " ".join(part.strip() for part in source)
        else:
            while (
                i < len(lines)
                and lines[i].startswith("...")
                and codeop.compile_command("\n".join(source), symbol="single") is None
            ):
                source.append(lines[i][4:])
                i += 1
            text = "\n".join(source) + ("\n" if len(source) > 1 else "")
        start = i
        while i < len(lines) and not lines[i].startswith(prompt):
            i += 1
        out.append(
            Example(
                "shell" if prompt == "$ " else "python",
                text,
                "\n".join(lines[start:i]),
                base + first + 1,
                (base + start, base + i),
            )
        )
    return out


def run_escalade(argv: list[str]) -> tuple[int, str]:
    """Run the command in-process; exit code and what it wrote to stdout and stderr."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version and usage errors
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return code, buffer.getvalue()


def run_statement(source: str, globs: dict[str, object], where: str) -> str:
    """Run one statement as the interactive interpreter would; what it printed."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(source, where, "single"), globs)
        except Exception as exc:
            # as doctest shows it: the first line, '...' for the frames, the exception
            kind = type(exc)
            name = kind.__qualname__
            if kind.__module__ not in ("builtins", "__main__"):
                name = f"{kind.__module__}.{name}"
            print(f"Traceback (most recent call last):\n...\n{name}: {exc}")
    return buffer.getvalue()


class Session:
    """Runs the examples of one document in order, keeping what they share."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.globs: dict[str, object] = {"__name__": "__docs__"}
        self.last_code = 0

    def run(self, block: Block) -> list[tuple[Example, str]]:
        """Run a block; each example with what it actually printed."""
        if block.lang == "python" and not block.text.startswith(">>>"):
            exec(compile(block.text, f"{self.path.name}:{block.line}", "exec"), self.globs)
            return []
        done: list[tuple[Example, str]] = []
        items = examples(block)
        for k, ex in enumerate(items):
            where = f"{self.path.name}:{ex.line}"
            if ex.kind == "python":
                done.append((ex, run_statement(ex.source, self.globs, where)))
                continue
            argv = shlex.split(ex.source)
            if argv == ["echo", "$?"]:
                done.append((ex, f"{self.last_code}\n"))
                continue
            if not argv or argv[0] != "escalade":
                raise AssertionError(
                    f"{where}: only 'escalade ...' and 'echo $?' can appear in console "
                    f"blocks (use a ```sh block for other shell commands), found {ex.source!r}"
                )
            code, got = run_escalade(argv[1:])
            checked = k + 1 < len(items) and items[k + 1].source == "echo $?"
            if code != 0 and not checked:
                raise AssertionError(
                    f"{where}: '{ex.source}' exited with {code}; show '$ echo $?' after "
                    f"a command that is meant to fail\n{got}"
                )
            self.last_code = code
            done.append((ex, got))
        return done


def check_yaml(block: Block, path: Path) -> None:
    where = f"{path.name}:{block.line}"
    kind, _, target = block.marker.partition(":")
    kind, target = kind.strip(), target.strip()
    if kind == "file":
        real = (ROOT / target).read_text(encoding="utf-8")
        assert block.text == real, f"{where}: the block differs from {target}"
    elif kind == "excerpt":
        real = (ROOT / target).read_text(encoding="utf-8")
        assert block.text in real, f"{where}: the block does not appear verbatim in {target}"
    elif kind == "scenario":
        escalade.scenario.load_scenario_text(block.text, file=where)
    else:
        yaml.safe_load(block.text)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch folder holding a copy of docs/, as the current directory."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    # argparse wraps usage lines to the terminal's width
    monkeypatch.setenv("COLUMNS", "80")
    return tmp_path


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_examples_in_docs_run_and_show_their_real_output(path, workdir):
    if re.search(r"--method nash|method=\"nash\"|import pygambit", path.read_text("utf-8")):
        pytest.importorskip("pygambit")  # the optional extra; 'make test' installs it
    session = Session(path)
    found = blocks(path)
    assert found, f"{path.name} has no code blocks"
    for block in found:
        if block.lang == "yaml":
            check_yaml(block, path)
        elif block.lang in ("console", "python"):
            for ex, got in session.run(block):
                if not output_matches(ex.expected, got):
                    raise AssertionError(
                        f"{path.name}:{ex.line}: the output of {ex.source!r} differs from "
                        f"the docs\n--- docs\n{ex.expected}\n--- actual\n{got}"
                    )


def test_readme_starts_with_make_demo_and_make_test():
    first = next(b for b in blocks(ROOT / "README.md"))
    lines = [ln.split("#")[0].strip() for ln in first.text.splitlines() if ln.strip()]
    assert lines[:2] == ["make demo", "make test"]


# ---------------------------------------------------------------------------
# example scenarios


def _example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.yaml"))


def _mistake_files() -> list[Path]:
    return sorted((EXAMPLES / "mistakes").glob("*.yaml"))


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_example_scenarios_check_and_solve(path):
    report = escalade.check(path, draws=200)
    assert report.kind == "scenario"
    sol = escalade.solve(path, method="qre", lam=2.0, draws=50, seed=0)
    assert sol.converged.all()
    assert sol.outcomes.sum(axis=1) == pytest.approx(1.0)
    if escalade.as_game(path).is_perfect_information:
        spe = escalade.solve(path, method="spe", draws=50, seed=0)
        assert spe.outcomes.sum(axis=1) == pytest.approx(1.0)


@pytest.mark.parametrize("path", _mistake_files(), ids=lambda p: p.name)
def test_mistake_examples_fail_with_a_position(path):
    rel = path.relative_to(ROOT).as_posix()
    code, out = run_escalade(["check", str(path)])
    assert code == 1
    assert re.match(rf"escalade: {re.escape(str(path))}:\d+:\d+: ", out), out
    assert "Traceback" not in out
    docs = (ROOT / "docs" / "scenario-language.md").read_text(encoding="utf-8")
    assert rel in docs, f"{rel} is not shown in docs/scenario-language.md"


def test_every_example_scenario_appears_in_the_docs():
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    for path in _example_files():
        assert path.relative_to(ROOT).as_posix() in text, f"{path.name} is in no document"


# ---------------------------------------------------------------------------
# the command line's help


def _subcommands() -> argparse._SubParsersAction:
    """The parser's subcommands: ``.choices`` their parsers, ``._choices_actions`` their help."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise AssertionError("the parser has no subcommands")


def test_every_command_has_help_text():
    sub = _subcommands()
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    for name, command in sub.choices.items():
        assert helps.get(name), f"'escalade {name}' has no one-line help"
        assert command.description, f"'escalade {name}' has no description"
        for action in command._actions:
            if action.dest != "help":
                assert action.help, f"'escalade {name}' option {action.dest} has no help"


@pytest.mark.parametrize("argv", [["--help"], *([n, "--help"] for n in _subcommands().choices)])
def test_help_works(argv, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out = run_escalade(argv)
    assert code == 0
    assert out.startswith("usage: escalade")


def test_cli_reference_covers_every_command_and_option():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in _subcommands().choices.items():
        assert f"## escalade {name}" in text, f"docs/cli.md has no section for 'escalade {name}'"
        section = text.split(f"## escalade {name}", 1)[1].split("\n## ", 1)[0]
        for action in command._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in section, f"docs/cli.md: 'escalade {name}' lacks {option}"
            for choice in action.choices or ():
                if action.option_strings:
                    assert f"`{choice}`" in section, (
                        f"docs/cli.md: 'escalade {name}' lacks the choice {choice} of "
                        f"{action.option_strings[-1]}"
                    )


# ---------------------------------------------------------------------------
# the references name everything the code accepts


def test_python_reference_names_every_public_name():
    text = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    for name in escalade.__all__:
        assert f"`{name}" in text or f"escalade.{name}" in text, f"docs/python.md lacks {name}"


def test_scenario_reference_names_every_key_distribution_and_function():
    # The loader's own tables are the source of truth for what a file may say.
    from escalade.expr import FUNCTIONS
    from escalade.scenario import _load

    text = (ROOT / "docs" / "scenario-language.md").read_text(encoding="utf-8")
    for key in _load._TOP_KEYS + _load._SECTION_KEYS + _load._PARAM_KEYS:
        assert re.search(rf"`{key}[`:]", text), f"docs/scenario-language.md lacks the key {key}"
    for dist in set(_load._DIST_KEYS) - {"categorical"}:  # declared by choices:, not dist:
        assert f"`{dist}`" in text, f"docs/scenario-language.md lacks dist {dist}"
    for fn in FUNCTIONS:
        assert f"`{fn}(" in text, f"docs/scenario-language.md lacks the function {fn}"


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.*)$", text, flags=re.MULTILINE)
    }


def test_docs_do_not_refer_to_missing_files_or_headings():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", text):
            page = path.parent / target if target else path
            assert page.exists(), f"{path.name} links to missing {target}"
            if anchor:
                assert anchor in _anchors(page), f"{path.name} links to missing {target}#{anchor}"


def test_output_matching_is_strict_where_it_should_be():
    assert not output_matches("a 1.0", "a 1.0001")
    assert not output_matches("status_quo  1.0000", "status_quo  1.0000\nextra")
    assert output_matches("x ... y", "x anything at all y")
    assert output_matches("v: 0.12345678901234", "v: 0.12345678901235")
    assert not output_matches("line", textwrap.dedent("other"))


# ---------------------------------------------------------------------------
# regenerating outputs after a deliberate change


def update(path: Path) -> int:
    """Rewrite the outputs that no longer match; returns how many.

    Run ``python tests/test_docs.py README.md docs/cli.md`` after changing
    an output on purpose, then read the diff: outputs that still match
    (``...`` wildcards included) are left as written.
    """
    import os
    import tempfile

    lines = path.read_text(encoding="utf-8").split("\n")
    edits: list[tuple[tuple[int, int], list[str]]] = []
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "docs", Path(tmp) / "docs")
        os.environ["COLUMNS"] = "80"
        os.chdir(tmp)
        try:
            session = Session(path)
            for block in blocks(path):
                if block.lang not in ("console", "python"):
                    continue
                for ex, got in session.run(block):
                    if not output_matches(ex.expected, got):
                        edits.append((ex.span, got.rstrip("\n").split("\n") if got else []))
        finally:
            os.chdir(cwd)
    for (start, end), new in reversed(edits):
        lines[start:end] = new
    if edits:
        path.write_text("\n".join(lines), encoding="utf-8")
    return len(edits)


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        print(f"{name}: {update(Path(name).resolve())} output(s) rewritten")
