"""Jobs and the run store: what runs them, and their pages.

:func:`run_job` is the :class:`~escalade.web._jobs.Jobs` runner: it calls
the library function of the job's kind with the checked options and a
progress callback, and keeps the result's summary. ``analyze`` and
``explore`` write into a folder of their own under the run store root,
named by the job's id; the run store's pages list its exploration runs
(:func:`escalade.exploration.list_runs`, DuckDB over the Parquet files)
and its analyses by folder name: a request names a run by that name
only, looked up in the listing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from escalade.errors import ParameterError
from escalade.web._catalog import Catalog
from escalade.web._html import e, layout, link, rows_table
from escalade.web._jobs import JOB_KINDS, Job

__all__ = [
    "compare_data",
    "compare_page",
    "job_page",
    "jobs_page",
    "run_data",
    "run_job",
    "run_page",
    "runs_data",
    "runs_page",
]

Report = Callable[[float, str], None]


def _analyze(scenario: Any, job: Job, report: Report, out: Path) -> None:
    import escalade

    total = max(len(scenario.policies), 1)
    done: dict[str, float] = {}

    def progress(policy: str, runs: int, of: int) -> None:
        done[policy] = runs / of
        report(sum(done.values()) / total, f"{policy}: {runs:,} of {of:,} runs")

    cmp = escalade.analyze(scenario, out=out, progress=progress, **job.options)
    job.summary_html = cmp.summary(max_rows=30).html()
    job.result = {"ranking": cmp.ranking(), "actor": cmp.actor}
    job.report = out / "report.html"


def _explore(scenario: Any, job: Job, report: Report, out: Path) -> None:
    import escalade
    from escalade.report import write_exploration_report

    options = {"replications": 4, **job.options}
    options.setdefault("samples", 200)
    res = escalade.explore(
        scenario,
        out=out,
        progress=lambda d, t: report(d / t, f"{d:,} of {t:,} chunks"),
        **options,
    )
    report(0.99, "analysing the runs")
    job.summary_html = res.summary(max_rows=30).html()
    job.report = write_exploration_report(res.analyses())
    job.result = {"run": out.name, "policies": list(res.policies)}


def _estimate(catalog: Catalog, job: Job, report: Report) -> None:
    import escalade

    # the library finds the data file beside the scenario: give it the scenario's own name
    res = escalade.estimate(
        catalog.source(job.scenario),
        progress=lambda d, t: report(d / t, f"{d:,} of {t:,} bootstrap replicates"),
        **job.options,
    )
    job.summary_html = res.summary(max_rows=40).html()
    job.result = res.to_dict()


def run_job(catalog: Catalog, root: Path) -> Callable[[Job, Report], None]:
    """The runner of a server's jobs: ``root`` is its run store's folder."""

    def run(job: Job, report: Report) -> None:
        from escalade.auditing import audit, verify

        if job.kind == "estimate":
            _estimate(catalog, job, report)
            return
        scenario = catalog.scenario(job.scenario)
        if job.kind == "analyze":
            _analyze(scenario, job, report, root / f"analysis-{job.id}")
        elif job.kind == "explore":
            _explore(scenario, job, report, root / f"explore-{job.id}")
        else:
            steps = [0]

            def said(message: str) -> None:
                steps[0] += 1
                report(1 - 1 / (1 + steps[0] / 8), message)

            call = audit if job.kind == "audit" else verify
            res = call(scenario, progress=said, **job.options)
            job.summary_html = res.summary(max_rows=40).html()
            job.result = res.to_dict()

    return run


def jobs_page(jobs: list[dict[str, Any]], scenarios: list[str], chosen: str | None) -> str:
    """The jobs: a form to start one, and every job with its state."""
    options = "".join(
        f"<option value='{e(s)}'{' selected' if s == chosen else ''}>{e(s)}</option>"
        for s in scenarios
    )
    kinds = "".join(f"<option>{e(k)}</option>" for k in JOB_KINDS)
    hints = "; ".join(f"{k}: {', '.join(v)}" for k, v in JOB_KINDS.items())
    form = (
        "<form id='new-job'><label>Scenario <select name='scenario'>"
        f"{options}</select></label> <label>Job <select name='kind'>{kinds}</select></label> "
        "<label>Options (JSON) <input name='options' value='{}' size='30'></label> "
        f"<button type='submit'>Start</button></form><p class='hint'>Options: {e(hints)}.</p>"
        "<p id='job-error' role='alert'></p>"
    )
    rows = [
        (
            link(f"/jobs/{j['id']}", j["id"]),
            e(j["kind"]),
            e(j["scenario"]),
            e(j["state"]),
            f"{100 * j['progress']:.0f}%",
        )
        for j in jobs
    ]
    table = rows_table(("job", "kind", "scenario", "state", "progress"), rows, raw=True)
    return layout("Jobs", form + table, page="jobs", twin="/api/jobs")


def job_page(job: Job) -> str:
    """One job: progress bar, cancel, then its summary and report."""
    d = job.to_dict()
    body = (
        f"<p>{e(job.kind)} of {link('/scenarios/' + job.scenario, job.scenario)}</p>"
        f"<p><progress id='job-progress' max='1' value='{d['progress']}'></progress> "
        f"<span id='job-state'>{e(job.state)}</span> <span id='job-message'>{e(job.message)}"
        "</span> <button id='job-cancel'>Cancel</button></p>"
        f"<div id='job-summary'>{job.summary_html}</div>"
        + (
            f"<p><a id='job-report-link' href='/jobs/{e(job.id)}/report'>The report on its "
            f"own page</a></p><iframe id='job-report' src='/jobs/{e(job.id)}/report' "
            "title='report'></iframe>"
            if job.report is not None
            else ""
        )
    )
    return layout(f"Job {job.id}", body, data=d, page="job", twin=f"/api/jobs/{job.id}")


def _runs_frame(root: Path) -> list[dict[str, Any]]:
    from escalade.exploration import list_runs

    out = []
    prefix = str(root) + "/"
    for rec in list_runs(root).to_dict("records"):
        # a damaged run's problem names its files: by their place in the run store only
        rec = {k: v.replace(prefix, "") if isinstance(v, str) else v for k, v in rec.items()}
        rec["id"] = Path(str(rec.pop("run"))).name
        rec["kind"] = "exploration"
        out.append(rec)
    for folder in sorted(root.glob("*/results.json")) if root.is_dir() else []:
        out.append({"id": folder.parent.name, "kind": "analysis"})
    return out


def runs_data(root: Path) -> dict[str, Any]:
    """The run store: exploration runs and analyses, by folder name."""
    from escalade._results import json_ready

    return {"runs": json_ready(_runs_frame(root))}


def _folder(root: Path, rid: str) -> tuple[Path, str]:
    for rec in _runs_frame(root):
        if rec["id"] == rid:
            return root / rid, str(rec["kind"])
    raise ParameterError(f"no run with id {rid!r} in the run store")


def run_data(root: Path, rid: str) -> dict[str, Any]:
    """One run: an exploration's summary (``to_dict``), or an analysis's results."""
    import json

    import escalade

    folder, kind = _folder(root, rid)
    if kind == "analysis":
        data: dict[str, Any] = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        return {"id": rid, "kind": kind, "results": data}
    res = escalade.open_run(folder)
    summary = res.to_dict()
    summary.pop("path", None)  # where the server keeps it is none of the client's business
    return {"id": rid, "kind": kind, "summary": summary, "html": res.summary().html()}


def _policy_values(data: dict[str, Any]) -> dict[str, float]:
    """An analysis's discounted payoff to its actor, by policy (empty for an exploration)."""
    results = data.get("results")
    if not isinstance(results, dict) or "policies" not in results:
        return {}
    actor = results.get("actor")
    return {
        name: float(p["utility"][actor])
        for name, p in results["policies"].items()
        if actor in p.get("utility", {})
    }


def compare_data(root: Path, a: str, b: str) -> dict[str, Any]:
    """Two runs side by side; for two analyses, each policy's payoff to the actor in both."""
    first, second = run_data(root, a), run_data(root, b)
    va, vb = _policy_values(first), _policy_values(second)
    rows = [
        {"policy": name, "a": va[name], "b": vb[name], "difference": vb[name] - va[name]}
        for name in va
        if name in vb
    ]
    return {"a": first, "b": second, "policies": rows}


def compare_page(data: dict[str, Any]) -> str:
    """Two runs side by side."""
    a, b = data["a"]["id"], data["b"]["id"]
    rows = [
        (r["policy"], f"{r['a']:.4f}", f"{r['b']:.4f}", f"{r['difference']:+.4f}")
        for r in data["policies"]
    ]
    body = (
        rows_table(("policy", f"payoff in {a}", f"payoff in {b}", "difference"), rows)
        if rows
        else ""
    ) + (
        "<div class='tables'>"
        + "".join(
            f"<div><h2>{e(d['id'])}</h2>{d.get('html', '')}</div>" for d in (data["a"], data["b"])
        )
        + "</div>"
    )
    return layout(f"Runs {a} and {b}", body, page="compare")


def report_path(root: Path, rid: str) -> Path | None:
    """The report file of a run, if it has one."""
    folder, _ = _folder(root, rid)
    path = folder / "report.html"
    return path if path.is_file() else None


def runs_page(data: dict[str, Any]) -> str:
    """The run store's runs."""
    rows = [
        (
            link(f"/runs/{r['id']}", r["id"])
            + f" <input type='checkbox' class='pick' value='{e(r['id'])}'"
            + f" aria-label='compare {e(r['id'])}'>",
            e(r["kind"]),
            e(r.get("scenario", "")),
            e(r.get("samples", "")),
            e(r.get("status", "")),
        )
        for r in data["runs"]
    ]
    body = rows_table(("run", "kind", "scenario", "samples", "status"), rows, raw=True) + (
        "<form action='/runs/compare' id='compare'><p>Tick two runs and "
        "<button type='submit'>compare them</button></p></form>"
    )
    return layout("Runs", body, page="runs", twin="/api/runs")


def run_page(data: dict[str, Any], has_report: bool) -> str:
    """One run: its summary and its report."""
    rid = data["id"]
    inner = data.get("html", "")
    if has_report:
        inner += f"<iframe id='run-report' src='/runs/{e(rid)}/report' title='report'></iframe>"
    return layout(f"Run {rid}", inner, page="run", twin=f"/api/runs/{rid}")
