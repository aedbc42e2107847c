"""The HTML reports: well-formed, every section the docs promise, nothing fetched.

The reports of ``escalade analyze`` (docs/dynamics.md, "Comparing every
policy") and of an exploration (docs/exploration.md, "The report") are
parsed with the standard library's HTML parser: every element that is
opened is closed in order, the sections come in the documented order
under their headings, and no ``src``, ``href`` or CSS ``url()`` points
outside the page (fragments ``#id`` must name an element of the page;
``data:`` URIs are the page's own bytes).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import escalade
from escalade.report import write_exploration_report

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"

#: Elements that have no end tag in HTML.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
#: Attributes that make a browser fetch or follow something.
LINKING = ("src", "href", "xlink:href", "action", "data", "poster", "srcset")


class Page(HTMLParser):
    """What a report holds: its nesting errors, headings, sections, ids and links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.css: list[str] = []
        self.sections: list[tuple[str | None, str]] = []  # (class, heading)
        self.h1 = ""
        self._heading: str | None = None
        self._in_style = False
        self.feed(text)
        self.close()
        for tag, (line, col) in self.open:
            self.errors.append(f"<{tag}> opened at {line}:{col} is never closed")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)
        if tag not in VOID:
            self.open.append((tag, self.getpos()))
        if tag == "section":
            self.sections.append((dict(attrs).get("class"), ""))
        if tag in ("h1", "h2"):
            self._heading = ""
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in LINKING and value is not None:
                self.links.append(value)
            if name == "style" and value:
                self.css.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2") and self._heading is not None:
            heading, self._heading = self._heading.strip(), None
            if tag == "h1":
                self.h1 = heading
            elif self.sections and not self.sections[-1][1]:
                self.sections[-1] = (self.sections[-1][0], heading)
        self._in_style = False
        if tag in VOID:
            return
        if not self.open:
            self.errors.append(f"</{tag}> at {self.getpos()} closes nothing")
        elif self.open[-1][0] != tag:
            opened, where = self.open[-1]
            self.errors.append(f"</{tag}> at {self.getpos()} closes <{opened}> from {where}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading += data
        if self._in_style:
            self.css.append(data)

    @property
    def headings(self) -> list[str]:
        return [heading for _, heading in self.sections]


def test_the_checker_finds_what_it_looks_for():
    page = Page(
        '<html><body><section class="answer"><h2>Q?</h2><p>x</section>'
        '<img src="https://example.org/a.png"><a href="#nowhere">a</a>'
        '<div style="background: url(//cdn.example.org/b.png)"></div></body></html>'
    )
    # an unclosed <p> inside a section: every later end tag is out of order
    assert page.errors[0] == "</section> at (1, 51) closes <p> from (1, 47)"
    assert page.errors[-1] == "<p> opened at 1:47 is never closed"
    assert page.sections == [("answer", "Q?")]
    assert external(page) == ["https://example.org/a.png", "//cdn.example.org/b.png"]
    assert dangling(page) == ["#nowhere"]


def external(page: Page) -> list[str]:
    """Links and CSS urls that leave the page."""
    urls = list(page.links)
    for css in page.css:
        urls += [u.strip("'\" ") for u in re.findall(r"url\(([^)]*)\)", css)]
    return [u for u in urls if not u.startswith(("#", "data:"))]


def dangling(page: Page) -> list[str]:
    """Fragment links to no element of the page."""
    return [u for u in page.links if u.startswith("#") and u[1:] not in page.ids]


def check_self_contained(text: str, page: Page) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert not page.errors, page.errors[:5]
    assert not {"script", "link", "iframe", "object", "embed"} & page.tags
    assert external(page) == []
    assert dangling(page) == []
    assert "@import" not in " ".join(page.css)


# ----------------------------------------------------------------- analyze
@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis")
    cmp = escalade.analyze("korea-2017", runs=200, seed=1, out=out)
    text = (out / "report.html").read_text(encoding="utf-8")
    return cmp, text, Page(text)


def test_analysis_report_is_well_formed_and_self_contained(analysis):
    _, text, page = analysis
    check_self_contained(text, page)


def test_analysis_report_has_every_promised_section_in_order(analysis):
    cmp, _, page = analysis
    question = cmp.scenario.question.text
    # docs/dynamics.md: the answer written from the numbers, the charts, the stage game
    # drawn with its equilibrium probabilities, what the model says about each claim
    # (the scenario's expectations: docs/korea.md), the claims table; then how it was made
    assert page.sections == [
        ("answer", question),
        (None, "Policies compared"),
        (None, "How the odds build up, year by year"),
        (None, "The drift: mean state over the years"),
        (None, "The yearly crisis game"),
        (None, "What the model says about each claim"),
        (None, "Claims and where the model encodes them"),
        (None, "Parameters"),
        ("method", "How these numbers were made"),
    ]
    assert cmp.scenario.title in page.h1


def test_analysis_report_draws_the_stage_game_and_tables_the_claims(analysis):
    cmp, text, _ = analysis
    stage = text[text.index("<h2>The yearly crisis game</h2>") :]
    assert '<svg class="tree"' in stage[: stage.index("</section>")]
    claims = text[text.index("<h2>Claims and where the model encodes them</h2>") :]
    claims = claims[: claims.index("</section>")]
    for claim in cmp.scenario.claims:
        assert f"<td>{claim}</td>" in claims


# ------------------------------------------------------------- exploration
@pytest.fixture(scope="module")
def exploration(tmp_path_factory):
    out = tmp_path_factory.mktemp("exploration") / "run"
    res = escalade.explore(EXAMPLES / "standoff.yaml", samples=40, seed=1, out=out, replications=2)
    path = write_exploration_report(res)
    text = path.read_text(encoding="utf-8")
    return res, text, Page(text)


def test_exploration_report_is_well_formed_and_self_contained(exploration):
    res, text, page = exploration
    assert (res.path / "report.html").read_text(encoding="utf-8") == text
    check_self_contained(text, page)


def test_exploration_report_has_every_promised_section_in_order(exploration):
    res, _, page = exploration
    # docs/exploration.md, "The report": the question answered first, then the policies
    # across worlds, the lever pairs, the sensitivity with its claims, PRIM's boxes, and
    # how the numbers were made
    assert page.sections == [
        ("answer", res.scenario.question.text),
        (None, "Policies across worlds"),
        (None, "What the levers change"),
        (None, "Which parameters and claims the answer hinges on"),
        (None, "Scenario discovery"),
        ("method", "How these numbers were made"),
    ]
