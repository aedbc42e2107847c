"""The workbench's real pages in a real headless browser (Playwright driving Debian's Chromium).

What a person does, checked on what the page shows: a slider moves and
the tree's probabilities change; a job runs with progress and shows its
report; two people, in two browser contexts, play a two-actor wargame to
the end, each seeing only their own actor's information; the
after-action report opens. Every request the pages make goes to the
workbench itself.

Chromium comes from Debian (``make test`` installs it when missing);
Playwright never downloads a browser here. Without Chromium these tests
fail with a message saying how to install it: a browser test that skips
itself would pass without testing anything.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright import sync_api as playwright_api

from escalade.web import create_app

CHROMIUM = "/usr/bin/chromium"
#: Chromium, quiet: no sandbox (root in a container), and nothing that reaches the network.
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The workbench served by uvicorn on a free port of 127.0.0.1."""
    root = tmp_path_factory.mktemp("browser")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(runs=root / "runs", games=root / "games.sqlite")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < end, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def watched(context, origin):
    """Record every request the context makes that leaves the workbench."""
    foreign: list[str] = []
    context.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(origin) else None)
    return foreign


def test_a_slider_moves_and_the_trees_probabilities_change(server, browser):
    context = browser.new_context()
    foreign = watched(context, server)
    page = context.new_page()
    page.goto(f"{server}/scenarios/korea-2017/whatif")
    tree = page.locator("#tree")
    before = tree.inner_text()
    assert re.search(r"0\.\d", before)
    slider = page.locator("#param-p_detect")
    slider.focus()
    page.keyboard.press("End")  # the slider to its maximum, as a person would
    page.wait_for_function(
        "before => document.querySelector('#tree').innerText !== before",
        arg=before,
        timeout=WAIT_MS,
    )
    page.wait_for_function("() => document.querySelector('#status').textContent === ''")
    assert tree.inner_text() != before
    # the table comes row by row after the tree, greyed until its last row is in
    assert page.locator("#policy-table tr").count() == 1 + 9  # header, free play, 8 policies
    assert "stale" not in (page.get_attribute("#policy-table", "class") or "")
    # the scenario's foresight by default, and the page says how long the re-solve took
    assert re.match(r"Foresight exact; solved in \d+ ms", page.inner_text("#solved"))
    looking = tree.inner_text()
    page.select_option("#foresight", "myopic")
    page.wait_for_function(
        "() => document.querySelector('#solved').textContent.startsWith('Foresight myopic')",
        timeout=WAIT_MS,
    )
    assert tree.inner_text() != looking
    page.select_option("#policy", "invasion")
    # the outcomes are sorted by probability: under invasion the likeliest is the
    # U.S. taking over (free play's is an unanswered provocation)
    page.wait_for_function(
        "() => /^outcome\\s+probability\\s+regime_change_by_us\\s/"
        ".test(document.querySelector('#outcomes').innerText.trim())",
        timeout=WAIT_MS,
    )
    assert foreign == []
    context.close()


def test_a_job_runs_with_progress_and_shows_its_report(server, browser):
    context = browser.new_context()
    foreign = watched(context, server)
    page = context.new_page()
    page.goto(f"{server}/jobs?scenario=korea-2017")
    page.select_option("select[name=kind]", "analyze")
    page.fill("input[name=options]", '{"runs": 100}')
    page.click("#new-job button")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{12}$"), timeout=WAIT_MS)
    assert page.locator("#job-progress").count() == 1
    page.wait_for_selector("#job-report", timeout=WAIT_MS)
    assert page.inner_text("#job-state") == "done"
    report = page.frame_locator("#job-report")
    assert report.locator("h1").first.inner_text(timeout=WAIT_MS)
    assert "USA" in page.inner_text("#job-summary")
    assert foreign == []
    context.close()


def _play_turn(page, choices):
    """Submit this seat's orders (as the form offers them, but for ``choices``) if the
    period wants them."""
    status = page.inner_text("#seat-status")
    if "give your orders" in status:
        for infoset, action in choices.items():
            page.select_option(f"select[data-infoset='{infoset}']", action)
        page.click("#submit-orders")
        # orders in and waiting, or (the last to order) already the next period
        page.wait_for_function(
            "before => document.querySelector('#seat-status').textContent !== before",
            arg=status,
            timeout=WAIT_MS,
        )


def test_two_people_play_a_wargame_to_the_end(server, browser):
    host = browser.new_context()
    page = host.new_page()
    page.goto(f"{server}/games?scenario=korea-2017")
    page.fill("input[name=humans]", "USA, DPRK")
    page.fill("input[name=seed]", "5")
    page.fill("input[name=periods]", "3")
    page.select_option("select[name=foresight]", "myopic")
    page.click("#new-game button")
    page.wait_for_selector("a.join[data-seat=DPRK]", timeout=WAIT_MS)
    links = {
        seat: page.get_attribute(f"a.join[data-seat={seat}]", "href")
        for seat in ("USA", "DPRK", "umpire")
    }
    seats = {}
    for actor in ("USA", "DPRK"):
        context = browser.new_context()  # each person their own browser
        seat_page = context.new_page()
        seat_page.goto(server + links[actor])
        seat_page.wait_for_selector("#submit-orders", timeout=WAIT_MS)
        seats[actor] = (context, seat_page, watched(context, server))
    usa_sets = {
        s.get_attribute("data-infoset") for s in seats["USA"][1].query_selector_all("select")
    }
    dprk_sets = {
        s.get_attribute("data-infoset") for s in seats["DPRK"][1].query_selector_all("select")
    }
    assert "US_detected_sanctions" in usa_sets
    assert not usa_sets & dprk_sets  # each sees only its own actor's decisions
    assert "US_detected_sanctions" not in seats["DPRK"][1].content()
    # the game plays with the foresight chosen: myopic actors weigh this period alone
    summary = seats["USA"][1].inner_text("#orders summary")
    assert summary == "What each outcome is worth to you this period"
    for _ in range(6):
        for actor, (_context, seat_page, _foreign) in seats.items():
            # the North provokes on the sanctions track, so chance draws the detection
            _play_turn(seat_page, {"sanctions": "provoke"} if actor == "DPRK" else {})
        if "over" in seats["USA"][1].inner_text("#seat-status"):
            break
        seats["USA"][1].wait_for_function(
            "() => /give your orders|over/"
            ".test(document.querySelector('#seat-status').textContent)",
            timeout=WAIT_MS,
        )
    usa = seats["USA"][1]
    usa.wait_for_function(
        "() => document.querySelector('#seat-status').textContent.includes('over')",
        timeout=WAIT_MS,
    )
    assert usa.locator("#narrative li").count() >= 1
    usa.click("#aar")
    usa.wait_for_selector("text=Orders against the equilibrium", timeout=WAIT_MS)
    assert "DPRK" in usa.content()  # the report shows everyone's choices once the game is over
    for context, _page, foreign in seats.values():
        assert foreign == []
        context.close()
    umpire = browser.new_context().new_page()
    umpire.goto(server + links["umpire"])
    umpire.wait_for_selector("#narrative li", timeout=WAIT_MS)
    assert "Chance" in umpire.inner_text("#narrative")
    assert "(foresight myopic)" in umpire.inner_text("#umpire-eq")
    host.close()
