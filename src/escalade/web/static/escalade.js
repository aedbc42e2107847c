/* escalade workbench script, version 1. Part of escalade (MIT licence); no third-party
   code, nothing fetched but this server's own JSON routes. */
"use strict";
(function () {
  const page = document.body.dataset.page;
  const dataEl = document.getElementById("page-data");
  const DATA = dataEl ? JSON.parse(dataEl.textContent) : null;

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const kid of kids) node.append(kid);
    return node;
  }
  async function api(method, path, body, headers) {
    const init = { method, headers: Object.assign({}, headers || {}) };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }
  function fmt(x) { return (Math.round(x * 10000) / 10000).toFixed(4); }
  function table(header, rows) {
    const t = el("table", {});
    t.append(el("thead", {}, el("tr", {}, ...header.map((h) => el("th", { text: h })))));
    const body = el("tbody", {});
    for (const r of rows) body.append(el("tr", {}, ...r.map((c) => el("td", { text: c }))));
    t.append(body);
    return t;
  }

  // ---------------------------------------------------------------- scenarios
  function scenarios() {
    const form = document.getElementById("upload");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = document.getElementById("upload-file").files[0];
      const out = document.getElementById("upload-result");
      if (!file) return;
      const res = await fetch("/api/scenarios", {
        method: "POST", headers: { "content-type": "application/yaml" }, body: await file.text(),
      });
      const data = await res.json();
      if (res.ok) window.location = "/scenarios/" + data.id;
      else out.textContent = data.error;
    });
  }

  // ---------------------------------------------------------------- what-if
  function whatif() {
    const state = { values: {}, levers: {}, policy: null, lam: null, foresight: null };
    const box = document.getElementById("controls");
    const status = document.getElementById("status");
    let pending = false, running = false;

    function control(label, input, note) {
      const wrap = el("div", { class: "control" }, el("label", { text: label }), input);
      if (note) wrap.append(el("div", { class: "note", text: note }));
      return wrap;
    }
    const policy = el("select", { id: "policy" });
    for (const p of DATA.controls.policies) policy.append(el("option", { value: p.name, text: p.label || p.name }));
    policy.addEventListener("change", () => { state.policy = policy.value; request(); });
    box.append(el("h2", { text: "Policy" }), control("Policy", policy));
    if (DATA.controls.foresight) {
      const ahead = el("select", { id: "foresight" });
      ahead.append(el("option", { value: "", text: "the scenario's (" + DATA.controls.foresight.default + ")" }));
      for (const f of DATA.controls.foresight.choices) ahead.append(el("option", { value: f, text: f }));
      ahead.addEventListener("change", () => { state.foresight = ahead.value || null; request(); });
      box.append(control("Foresight", ahead, "myopic: each outcome at this period's payoff; " +
        "otherwise with what follows it to the horizon, as a simulation starts"));
    }
    if (DATA.controls.levers.length) box.append(el("h2", { text: "Levers" }));
    for (const lv of DATA.controls.levers) {
      const input = el("input", { type: "checkbox", id: "lever-" + lv.name });
      input.addEventListener("change", () => { state.levers[lv.name] = input.checked ? 1 : 0; request(); });
      box.append(control(lv.label || lv.name, input, lv.note));
    }
    box.append(el("h2", { text: "Parameters" }));
    for (const p of DATA.controls.parameters) {
      let input;
      if (p.kind === "category") {
        input = el("select", { id: "param-" + p.name });
        for (const c of p.choices) input.append(el("option", { value: c, text: c }));
        input.value = p.nominal;
        input.addEventListener("change", () => { state.values[p.name] = input.value; request(); });
      } else if (p.low === p.high) {
        continue;
      } else {
        input = el("input", { type: "range", id: "param-" + p.name, min: p.low, max: p.high,
                              step: (p.high - p.low) / 200, value: p.nominal });
        const shown = el("span", { text: " " + p.nominal });
        input.addEventListener("input", () => {
          shown.textContent = " " + Number(input.value).toPrecision(4);
          state.values[p.name] = Number(input.value); request();
        });
        box.append(control(p.label || p.name, input, p.note), shown);
        continue;
      }
      box.append(control(p.label || p.name, input, p.note));
    }
    // One request in flight; moves made meanwhile are sent when it returns. A move asks
    // for the stage game first (drawn at once), then the policy table one row at a time:
    // with foresight each row needs its own continuation values, and a further move
    // stops the rows and starts again from the stage game.
    const ROWS = DATA.controls.policies.map((p) => p.name);
    let tableRows = [];
    async function request() {
      if (running) { pending = true; return; }
      running = true; status.textContent = "solving…";
      try {
        const body = { values: state.values, levers: state.levers, policy: state.policy, lam: state.lam,
                       foresight: state.foresight };
        const data = await api("POST", "/api/scenarios/" + DATA.id + "/whatif",
                               Object.assign({ part: "stage" }, body));
        drawStage(data);
        tableRows = [];
        let seconds = data.seconds;
        for (const [i, name] of ROWS.entries()) {
          if (pending) break;
          status.textContent = "policy table: " + i + " of " + ROWS.length + " policies…";
          const row = await api("POST", "/api/scenarios/" + DATA.id + "/whatif",
                                Object.assign({ part: "table", rows: [name] }, body));
          if (pending) break;
          tableRows.push(...row.policies);
          seconds += row.seconds;
          drawTable(data.actor || data.stage.players[0], i + 1 < ROWS.length);
          solved(data.foresight, seconds, i + 1 === ROWS.length);
        }
        if (!pending) status.textContent = "";
      } catch (err) { status.textContent = err.message; }
      running = false;
      if (pending) { pending = false; request(); }
    }
    function solved(foresight, seconds, whole) {
      document.getElementById("solved").textContent = "Foresight " + foresight +
        "; solved in " + Math.round(seconds * 1000) + " ms (this stage game" +
        (whole ? " and every policy's" : "") +
        (foresight === "myopic" ? ")." : ", with continuation values).");
    }
    function drawStage(data) {
      const tree = document.getElementById("tree");
      tree.innerHTML = data.svg;  // drawn by this server from numbers, text escaped there
      solved(data.foresight, data.seconds, data.policies.length > 0);
      const outs = Object.entries(data.stage.outcomes).sort((a, b) => b[1] - a[1]);
      document.getElementById("outcomes").replaceChildren(
        table(["outcome", "probability"], outs.map(([k, v]) => [k, fmt(v)])));
      document.getElementById("policy-table").classList.add("stale");
    }
    function drawTable(actor, partial) {
      const rows = tableRows.map((r) => {
        const best = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1])[0];
        return [r.policy, fmt(r.payoffs[actor]), best[0] + " (" + fmt(best[1]) + ")"];
      });
      const pt = document.getElementById("policy-table");
      pt.replaceChildren(table(["policy", "payoff to " + actor, "likeliest outcome"], rows));
      pt.classList.toggle("stale", partial);
    }
    function draw(data) {
      drawStage(data);
      tableRows = data.policies;
      drawTable(data.actor || data.stage.players[0], false);
    }
    draw(Object.assign({ svg: document.getElementById("tree").innerHTML }, DATA.whatif));
  }

  // ---------------------------------------------------------------- jobs
  function jobs() {
    const form = document.getElementById("new-job");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      try {
        const job = await api("POST", "/api/jobs", {
          kind: f.get("kind"), scenario: f.get("scenario"), options: JSON.parse(f.get("options") || "{}"),
        });
        window.location = "/jobs/" + job.id;
      } catch (err) { document.getElementById("job-error").textContent = err.message; }
    });
  }
  function job() {
    const id = DATA.id;
    document.getElementById("job-cancel").addEventListener("click", () => api("POST", "/api/jobs/" + id + "/cancel"));
    async function poll() {
      const j = await api("GET", "/api/jobs/" + id);
      document.getElementById("job-progress").value = j.progress;
      document.getElementById("job-state").textContent = j.state;
      document.getElementById("job-message").textContent = j.message;
      if (j.state === "queued" || j.state === "running") { setTimeout(poll, 400); return; }
      if (j.state === "done") window.location.reload();
    }
    if (DATA.state === "queued" || DATA.state === "running") poll();
  }


  // ---------------------------------------------------------------- wargames
  const TOKEN = new URLSearchParams(window.location.search).get("token") || "";
  const auth = { "x-token": TOKEN };
  function narrativeList(history) {
    const list = document.getElementById("narrative");
    list.replaceChildren(...history.map((p) => el("li", {},
      el("strong", { text: p.label + ": " }), p.narrative.join(" "))));
  }
  function reportLink(d, umpire) {
    const box = document.getElementById("report-link");
    if (d.finished || umpire) {
      const a = el("a", { id: "aar", href: "/games/" + d.game + "/report?token=" + encodeURIComponent(TOKEN),
                          text: "After-action report" });
      box.replaceChildren(a);
    }
  }
  function games() {
    const form = document.getElementById("new-game");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const body = { scenario: f.get("scenario"), seed: Number(f.get("seed") || 0),
                     humans: String(f.get("humans")).split(",").map((s) => s.trim()).filter(Boolean) };
      if (f.get("deadline")) body.deadline = Number(f.get("deadline"));
      if (f.get("periods")) body.periods = Number(f.get("periods"));
      if (f.get("foresight")) body.foresight = f.get("foresight");
      try {
        const g = await api("POST", "/api/games", body);
        const box = document.getElementById("game-links");
        box.replaceChildren(el("p", { text: "Game " + g.id + ": give each person their own link (it holds their secret token)." }),
          ...Object.entries(g.links).map(([who, href]) => el("p", {}, who + ": ",
            el("a", { href, class: "join", "data-seat": who, text: window.location.origin + href }))));
      } catch (err) { document.getElementById("game-error").textContent = err.message; }
    });
  }
  function seat(data) {
    const base = "/api/games/" + data.game + "/seat/" + data.actor;
    let shownPeriod = null, shownState = null;
    function render(d) {
      const status = document.getElementById("seat-status");
      status.textContent = d.finished ? "The game is over." :
        "Period " + d.label + (d.paused ? " (paused by the umpire)" : "") +
        (d.submitted.includes(d.actor) ? ": your orders are in; waiting for the others." : ": give your orders.") +
        (d.deadline_left !== null ? " Deadline in " + Math.round(d.deadline_left) + " s." : "");
      const stateRows = Object.entries(d.state).map(([k, v]) => [k, String(Math.round(v * 1000) / 1000)]);
      document.getElementById("seat-state").replaceChildren(table(["state", "value"], stateRows));
      narrativeList(d.history);
      reportLink(d, false);
      const form = document.getElementById("orders");
      if (d.finished) { form.replaceChildren(); return; }
      if (shownPeriod === d.period) return;
      shownPeriod = d.period;
      const fields = d.infosets.map((h) => {
        const select = el("select", { name: h.infoset, "data-infoset": h.infoset });
        for (const a of h.actions) select.append(el("option", { value: a, text: a }));
        const seen = h.seen.map((s) => s.mover + ": " + s.move).join(", ") || "nothing yet";
        return el("div", { class: "control" }, el("label", { text: (h.label || h.infoset) }), select,
                  el("div", { class: "note", text: "You know: " + seen }));
      });
      const ahead = d.foresight !== "myopic";
      const pay = Object.entries(d.period_payoffs).map(([k, v]) =>
        ahead ? [k, fmt(v), fmt(d.payoffs[k])] : [k, fmt(v)]);
      form.replaceChildren(el("h2", { text: "Your orders for " + d.label }), ...fields,
        el("button", { type: "submit", id: "submit-orders", text: "Submit orders" }),
        el("details", {}, el("summary", { text: "What each outcome is worth to you this period" +
           (ahead ? " and with what follows it (the model's foresight: " + d.foresight + ")" : "") }),
           table(ahead ? ["outcome", "payoff this period", "with what follows"] : ["outcome", "payoff"], pay)));
    }
    document.getElementById("orders").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const orders = {};
      for (const s of ev.target.querySelectorAll("select")) orders[s.name] = s.value;
      try { await api("POST", base + "/orders", { orders }, auth); } catch (err) {
        document.getElementById("seat-status").textContent = err.message; return; }
      poll();
    });
    async function poll() {
      try { render(await api("GET", base, undefined, auth)); } catch (err) {
        document.getElementById("seat-status").textContent = err.message; }
    }
    render(data);
    setInterval(poll, 1500);
  }
  function umpire(data) {
    const base = "/api/games/" + data.game + "/umpire";
    const select = document.querySelector("#override select");
    for (const o of data.outcomes) select.append(el("option", { value: o, text: o }));
    function render(d) {
      document.getElementById("umpire-status").textContent = d.finished ? "The game is over." :
        "Period " + d.label + (d.paused ? " (paused)" : "") + "; orders in from: " +
        (d.submitted.join(", ") || "nobody yet") + " of " + d.humans.join(", ") + ".";
      const eq = Object.entries(d.equilibrium || {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, fmt(v)]);
      document.getElementById("umpire-eq").replaceChildren(
        table(["outcome", "model's probability (foresight " + d.foresight + ")"], eq));
      narrativeList(d.history);
      reportLink(d, true);
    }
    async function act(body) {
      try { render(await api("POST", base, body, auth)); } catch (err) {
        document.getElementById("umpire-status").textContent = err.message; }
    }
    for (const name of ["pause", "resume", "step"])
      document.getElementById(name).addEventListener("click", () => act({ action: name }));
    document.getElementById("override").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target);
      act({ action: "override", outcome: f.get("outcome"), reason: f.get("reason") });
    });
    render(data);
    setInterval(async () => { try { render(await api("GET", base, undefined, auth)); } catch (err) { /* keep the last view */ } }, 2000);
  }

  function runs() {
    document.getElementById("compare").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const picked = [...document.querySelectorAll("input.pick:checked")].map((i) => i.value);
      if (picked.length === 2)
        window.location = "/runs/compare?a=" + encodeURIComponent(picked[0]) + "&b=" + encodeURIComponent(picked[1]);
    });
  }

  const pages = { scenarios, whatif, jobs, job, runs, games, seat: () => seat(DATA), umpire: () => umpire(DATA) };
  if (pages[page]) pages[page]();
})();
