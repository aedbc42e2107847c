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
    const state = { values: {}, levers: {}, policy: null, lam: null };
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
    // one request in flight; moves made meanwhile are sent when it returns
    async function request() {
      if (running) { pending = true; return; }
      running = true; status.textContent = "solving…";
      try {
        const body = { values: state.values, levers: state.levers, policy: state.policy, lam: state.lam };
        const data = await api("POST", "/api/scenarios/" + DATA.id + "/whatif", body);
        draw(data); status.textContent = "";
      } catch (err) { status.textContent = err.message; }
      running = false;
      if (pending) { pending = false; request(); }
    }
    function draw(data) {
      const tree = document.getElementById("tree");
      tree.innerHTML = data.svg;  // drawn by this server from numbers, text escaped there
      const actor = data.actor || data.stage.players[0];
      const rows = data.policies.map((r) => {
        const best = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1])[0];
        return [r.policy, fmt(r.payoffs[actor]), best[0] + " (" + fmt(best[1]) + ")"];
      });
      const pt = document.getElementById("policy-table");
      pt.replaceChildren(table(["policy", "payoff to " + actor, "likeliest outcome"], rows));
      const outs = Object.entries(data.stage.outcomes).sort((a, b) => b[1] - a[1]);
      document.getElementById("outcomes").replaceChildren(
        table(["outcome", "probability"], outs.map(([k, v]) => [k, fmt(v)])));
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

  const pages = { scenarios, whatif, jobs, job };
  if (pages[page]) pages[page]();
  if (window.escaladeGames && window.escaladeGames[page]) window.escaladeGames[page](DATA, { api, el, table, fmt });
})();
