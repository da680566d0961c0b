// jirga web app: edit a scenario's numbers and watch every model's forecast change.
// The server owns the models; the page keeps a list of edits, sends it with every forecast
// request, and sends it with the file's version on save. No framework, no build step.
"use strict";

const PLOT_CONFIG = { displaylogo: false, responsive: true };

const state = {
  base: null,        // the saved scenario (from /api/state)
  version: null,     // SHA-256 of the saved file, sent back on save
  readOnly: false,
  models: [],
  edits: [],         // [{quantity, actor, issue, value, open}] in the order made; later wins
  issue: null,       // the issue shown in the editor and the charts
  forecast: null,    // {forecasts: [...], figures: {...}} of the base plus the edits
  saved: null,       // forecasts of the saved scenario, to mark what changed
  request: 0,        // number of the latest forecast request: older answers are dropped
  colours: { models: ["#888"], actors: ["#888"] },  // the charts' palettes, from the server
  file: "",          // the scenario file's name
  patches: [],       // the what-if patches that ship with jirga
  montecarlo: null,  // the last Monte Carlo result shown
  asOf: "",          // the date whose stances the page shows and edits ("": the latest)
};

const colour = (palette, index) => palette[index % palette.length];

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "className" || key.startsWith("on")) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function pending(change) {
  document.body.dataset.pending = String(Number(document.body.dataset.pending) + change);
}

async function api(path, options = {}) {
  pending(1);
  try {
    const response = await fetch(path, options);
    const body = response.headers.get("content-type")?.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const error = new Error(typeof body === "object" ? body.detail : body);
      error.status = response.status;
      throw error;
    }
    return body;
  } finally {
    pending(-1);
  }
}

function post(path, data) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

function showMessage(text, kind = "error", action = null) {
  const box = $("message");
  box.hidden = !text;
  box.className = kind;
  box.replaceChildren(text || "");
  if (action) box.append(element("button", { type: "button", onclick: action.run }, action.label));
}

// ---- edits ----------------------------------------------------------------------------

function baseValue(quantity, actor, issue) {
  if (quantity === "capability") return state.base.actors.find((item) => item.id === actor).capability;
  return state.base.stances.find((item) => item.actor === actor && item.issue === issue)[quantity];
}

function currentValue(quantity, actor, issue) {
  for (let index = state.edits.length - 1; index >= 0; index--) {
    const edit = state.edits[index];
    if (edit.quantity === quantity && edit.actor === actor && edit.issue === issue) return edit.value;
  }
  return baseValue(quantity, actor, issue);
}

function isEdited(actor, issue) {
  return state.edits.some((edit) => edit.actor === actor && (edit.issue === issue || edit.issue === null));
}

// A drag sends many values: they replace one open edit, which the slider's "change" closes,
// so that one Undo takes back one drag.
function setEdit(quantity, actor, issue, value, closing) {
  const last = state.edits[state.edits.length - 1];
  if (last && last.open && last.quantity === quantity && last.actor === actor && last.issue === issue) last.value = value;
  else state.edits.push({ quantity, actor, issue, value, open: true });
  if (closing) state.edits[state.edits.length - 1].open = false;
  changed();
}

function undo() {
  if (!state.edits.length) return;
  state.edits.pop();
  renderEditor();
  changed();
}

function editsPayload() {
  return state.edits.map(({ quantity, actor, issue, value }) => ({ quantity, actor, issue, value }));
}

// What every request about the page's scenario sends: the edits, and the date they apply to.
function scenarioPayload() {
  return { edits: editsPayload(), as_of: state.asOf || null };
}

function changed() {
  renderStatus();
  requestForecast();
}

// Requests wait 120 ms for more changes (a drag sends many); "pending" counts one waiting
// request at most, so tests and people can tell when the page has caught up.
let forecastTimer = null;
function requestForecast() {
  if (forecastTimer === null) pending(1);
  clearTimeout(forecastTimer);
  forecastTimer = setTimeout(async () => {
    forecastTimer = null;
    const number = ++state.request;
    try {
      const answer = await post("/api/forecast", { ...scenarioPayload(), issue: state.issue });
      if (number !== state.request) return;
      state.forecast = answer;
      showMessage("");
      renderForecasts();
      renderCharts();
    } catch (error) {
      if (number === state.request) showMessage(error.message);
    } finally {
      pending(-1);
    }
  }, 120);
}

// ---- rendering ------------------------------------------------------------------------

function renderStatus() {
  const status = $("status");
  const count = state.edits.length;
  status.classList.toggle("dirty", count > 0);
  status.textContent = state.readOnly ? "read-only" : count ? `${count} unsaved change${count > 1 ? "s" : ""}` : "saved";
  $("undo").disabled = count === 0;
  $("save").disabled = count === 0 || state.readOnly;
  // Edits belong to the stances of the date shown: change the date once they are saved or undone.
  $("as-of").disabled = count > 0;
  $("as-of").title = count ? "Save or undo your changes first: they apply to the stances of this date" : "";
}

function issueById(id) {
  return state.base.issues.find((issue) => issue.id === id);
}

function words(issue, value) {
  if (!issue.anchors.length) return "";
  let nearest = issue.anchors[0];
  for (const anchor of issue.anchors) if (Math.abs(anchor.value - value) < Math.abs(nearest.value - value)) nearest = anchor;
  return (Math.abs(nearest.value - value) <= 0.005 * (issue.upper - issue.lower) ? "" : "≈ ") + nearest.label;
}

function numberField(label, quantity, actor, issueId, min, max, step) {
  const value = currentValue(quantity, actor, issueId);
  const name = `${quantity}-${actor}`;
  const slider = element("input", { type: "range", min, max, step, value, "aria-label": `${label} of ${actor}`, dataset: { field: name } });
  const box = element("input", { type: "number", min, max, step, value, "aria-label": `${label} of ${actor} (number)`, dataset: { field: name } });
  const update = (raw, closing) => {
    const number = Number(raw);
    if (raw === "" || !Number.isFinite(number) || number < min || number > max) return;
    slider.value = number;
    box.value = number;
    setEdit(quantity, actor, issueId, number, closing);
    if (quantity === "position") box.closest(".stance").querySelector(".words").textContent = words(issueById(issueId), number);
    box.closest(".stance").classList.add("edited");
  };
  slider.addEventListener("input", () => update(slider.value, false));
  slider.addEventListener("change", () => update(slider.value, true));
  box.addEventListener("change", () => update(box.value, true));
  return element("div", { className: "field" }, element("span", {}, label), slider, box);
}

function renderEditor() {
  const issue = issueById(state.issue);
  $("issue-description").textContent = issue.description || `Scale ${issue.lower}–${issue.upper}`;
  const list = $("stances");
  list.replaceChildren();
  const span = issue.upper - issue.lower;
  const step = span <= 10 ? 0.1 : 1;
  state.base.actors.forEach((actor, row) => {
    const stance = state.base.stances.find((item) => item.actor === actor.id && item.issue === issue.id);
    if (!stance) return;
    const capability = element("input", {
      type: "number", min: 0, step: "any", value: currentValue("capability", actor.id, null),
      "aria-label": `capability of ${actor.id}`, dataset: { field: `capability-${actor.id}` },
    });
    capability.addEventListener("change", () => {
      const number = Number(capability.value);
      if (capability.value !== "" && Number.isFinite(number) && number >= 0) setEdit("capability", actor.id, null, number, true);
    });
    const card = element(
      "div",
      { className: "stance" + (isEdited(actor.id, issue.id) ? " edited" : ""), dataset: { actor: actor.id } },
      element("div", { className: "who" },
        element("span", { title: `${actor.id}, ${actor.kind}${actor.description ? ": " + actor.description : ""}` },
          element("span", { className: "swatch", style: `background:${colour(state.colours.actors, row)}` }), actor.name),
        element("label", {}, "capability ", capability)),
      numberField("position", "position", actor.id, issue.id, issue.lower, issue.upper, step),
      element("div", { className: "words" }, words(issue, currentValue("position", actor.id, issue.id))),
      numberField("salience", "salience", actor.id, issue.id, 0, 1, 0.01),
    );
    list.append(card);
  });
}

function renderForecasts() {
  const head = $("forecasts").tHead;
  head.replaceChildren(element("tr", {}, element("th", {}, "issue"),
    ...state.models.map((model, index) =>
      element("th", {}, element("span", { className: "swatch", style: `background:${colour(state.colours.models, index)}` }), model.title))));
  const body = $("forecasts").tBodies[0];
  body.replaceChildren();
  for (const issue of state.base.issues) {
    const row = element("tr", { className: issue.id === state.issue ? "current" : "", dataset: { issue: issue.id } },
      element("th", { scope: "row" }, issue.name));
    for (const model of state.models) {
      const cell = state.forecast.forecasts.find((item) => item.issue === issue.id && item.model === model.name);
      if (!cell) {  // nobody had a stance on this issue by the date shown
        row.append(element("td", { className: "forecast", dataset: { model: model.name, issue: issue.id } }, "—"));
        continue;
      }
      const saved = state.saved.find((item) => item.issue === issue.id && item.model === model.name);
      const value = element("span", { className: "value" + (saved && saved.text !== cell.text ? " changed" : "") }, cell.text);
      if (saved && saved.text !== cell.text) value.title = `saved: ${saved.text}`;
      row.append(element("td", { className: "forecast", dataset: { model: model.name, issue: issue.id, value: String(cell.value) } },
        value, element("span", { className: "label", title: cell.label }, cell.label)));
    }
    row.addEventListener("click", () => selectIssue(issue.id));
    body.append(row);
  }
}

function renderCharts() {
  const known = state.forecast.issues.includes(state.issue);
  $("unknown-note").hidden = known;
  $("chart-positions").hidden = !known;
  if (!known) {
    for (const id of ["chart-positions", "chart-rounds"]) Plotly.purge(id);
    $("chart-rounds").hidden = true;
    $("static-note").hidden = true;
    return;
  }
  const figures = state.forecast.figures[state.issue];
  if (!figures) {  // the last forecast drew another issue: ask for this one's figures
    requestForecast();
    return;
  }
  Plotly.react("chart-positions", figures.positions.data, figures.positions.layout, PLOT_CONFIG);
  const rounds = $("chart-rounds");
  if (figures.rounds) {
    rounds.hidden = false;
    Plotly.react(rounds, figures.rounds.data, figures.rounds.layout, PLOT_CONFIG);
  } else {
    Plotly.purge(rounds);
    rounds.hidden = true;
  }
  $("static-note").hidden = Boolean(figures.rounds);
}

function selectIssue(id) {
  state.issue = id;
  $("issue").value = id;
  renderEditor();
  renderForecasts();
  renderCharts();
}

// ---- saving ----------------------------------------------------------------------------

async function save() {
  try {
    const answer = await post("/api/save", { ...scenarioPayload(), version: state.version });
    await load();
    showMessage(`Saved ${answer.saved} change${answer.saved === 1 ? "" : "s"} to ${state.file}.`, "info");
  } catch (error) {
    if (error.status === 409) {
      const kept = editsPayload();
      showMessage(error.message, "error", {
        label: `Load the saved version and re-apply my ${kept.length} change${kept.length === 1 ? "" : "s"}`,
        run: async () => {
          await load();
          state.edits = kept.map((edit) => ({ ...edit, open: false }));
          renderEditor();
          changed();
          showMessage("Your changes are applied to the version saved elsewhere: check them, then save.", "info");
        },
      });
    } else {
      showMessage(error.message);
    }
  }
}

async function load() {
  const query = { issue: state.issue || "" };
  if (state.asOf) query.as_of = state.asOf;
  const answer = await api(`/api/state?${new URLSearchParams(query)}`);
  state.base = answer.scenario;
  state.version = answer.version;
  state.readOnly = answer.read_only;
  state.file = answer.file;
  state.models = answer.models;
  state.colours = answer.colours;
  state.forecast = { forecasts: answer.forecasts, figures: answer.figures, issues: answer.issues };
  state.saved = answer.forecasts;
  state.edits = [];
  if (!state.issue || !issueById(state.issue)) state.issue = state.base.issues[0].id;
  $("file").textContent = answer.file + (answer.read_only ? " (embedded, read-only)" : "");
  $("issue").replaceChildren(...state.base.issues.map((issue) => element("option", { value: issue.id }, issue.name)));
  $("as-of").replaceChildren(element("option", { value: "" }, "latest"),
    ...state.base.dates.map((date) => element("option", { value: date }, `as of ${date}`)));
  $("as-of").value = state.asOf;
  $("download").replaceChildren(element("option", { value: "" }, "format…"),
    ...answer.formats.map((item) => element("option", { value: item.name, title: item.description }, item.name)));
  for (const [id, items, label] of [["evidence-actor", state.base.actors, "all actors"], ["evidence-issue", state.base.issues, "all issues"]]) {
    $(id).replaceChildren(element("option", { value: "" }, label), ...items.map((item) => element("option", { value: item.id }, item.name)));
  }
  for (const option of $("evidence-kind").options) option.hidden = !answer.store && !["", "number"].includes(option.value);
  renderStatus();
  selectIssue(state.issue);
}

// ---- evidence and articles -----------------------------------------------------------

let searchTimer = null;
function searchEvidence() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const query = new URLSearchParams({
      q: $("evidence-search").value, actor: $("evidence-actor").value, issue: $("evidence-issue").value, kind: $("evidence-kind").value,
    });
    try {
      const { rows } = await api(`/api/evidence?${query}`);
      $("evidence-count").textContent = `${rows.length} quote${rows.length === 1 ? "" : "s"}`;
      $("evidence-list").replaceChildren(...rows.map((row) => {
        const source = row.link ? element("a", { href: row.link, target: "_blank", rel: "noopener" }, row.title) : element("span", {}, row.title);
        const inText = row.in_text ? element("a", { href: row.in_text, target: "_blank", className: "in-text" }, "in the text") : "";
        const heading = row.kind === "number" ? `${row.subject}: ${row.quantity} ${row.value}` : `${row.kind} · ${row.subject}${row.quantity ? " · " + row.quantity : ""}`;
        return element("div", { className: "quote", dataset: { kind: row.kind } },
          element("div", { className: "subject" }, heading),
          element("blockquote", {}, `“${row.quote}”`),
          element("div", { className: "muted" }, source, row.date ? `, ${row.date} ` : " ", element("code", {}, row.document), " ", inText,
            row.judgement ? element("span", { className: "tag" }, "analyst's judgement") : ""),
          element("div", { className: "why" }, row.rationale));
      }));
    } catch (error) {
      showMessage(error.message);
    }
  }, 150);
}

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const answer = await api("/api/upload", { method: "POST", body: form });
    const kept = `Kept ${answer.path} (${answer.bytes} bytes) as document ${answer.document}.`;
    $("upload-result").textContent = kept;
    let job = answer.job;
    while (job && job.state === "running") {
      $("upload-result").textContent = `${kept} ${job.what}…`;
      await sleep(500);
      job = await api(`/api/jobs/${job.id}`);
    }
    if (job && job.state === "failed") throw new Error(job.error);
    if (job) {
      const { added, unchanged, skipped } = job.result;
      $("upload-result").textContent = `${kept} Evidence store: ${added.length} added, ${unchanged.length} already there, ${skipped.length} skipped${skipped.length ? ": " + skipped.join("; ") : ""}.`;
    }
  } catch (error) {
    $("upload-result").textContent = "";
    showMessage(error.message);
  }
}

// ---- Monte Carlo and what-if -------------------------------------------------------------

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function runMonteCarlo(event) {
  event.preventDefault();
  const runs = Number($("montecarlo-runs").value);
  const box = $("montecarlo-progress");
  const bar = box.querySelector("progress");
  $("montecarlo-run").disabled = true;
  try {
    let job = await post("/api/montecarlo", { ...scenarioPayload(), runs });
    box.hidden = false;
    while (job.state === "running") {
      bar.max = job.total;
      bar.value = job.done;
      box.querySelector("span").textContent = `${job.what}: ${job.done} of ${job.total} forecasts`;
      await sleep(400);
      job = await api(`/api/jobs/${job.id}`);
    }
    if (job.state === "failed") throw new Error(job.error);
    box.hidden = true;
    state.montecarlo = job.result;
    $("montecarlo-issue").replaceChildren(...state.base.issues.map((issue) => element("option", { value: issue.id }, issue.name)));
    $("montecarlo-issue").value = state.issue;
    $("montecarlo-result").hidden = false;
    renderMonteCarlo();
  } catch (error) {
    box.hidden = true;
    showMessage(error.message);
  } finally {
    $("montecarlo-run").disabled = false;
  }
}

function renderMonteCarlo() {
  const issue = $("montecarlo-issue").value;
  const figure = state.montecarlo.figures[issue];
  Plotly.react("chart-montecarlo", figure.data, figure.layout, PLOT_CONFIG);
  const table = state.montecarlo.tables.find((item) => item.issue === issue);
  $("montecarlo-table").tBodies[0].replaceChildren(...table.rows.map((row) => element("tr", { dataset: { model: row.model } },
    element("td", {}, row.title), element("td", { className: "num" }, row.point.toFixed(1)),
    element("td", { className: "num" }, row.mean.toFixed(1)), element("td", { className: "num" }, `${row.p5.toFixed(1)} – ${row.p95.toFixed(1)}`))));
}

async function runWhatIf(event) {
  event.preventDefault();
  try {
    const answer = await post("/api/whatif", { ...scenarioPayload(), patch: $("whatif-text").value });
    const head = element("tr", {}, element("th", {}, "issue"), ...answer.models.map((model) => element("th", {}, model.title)));
    const rows = answer.rows.map((row) => element("tr", { dataset: { issue: row.issue } }, element("th", { scope: "row" }, row.name),
      ...row.cells.map((cell) => {
        if (cell.value === null) return element("td", { className: "muted" }, "nobody left");
        const kind = cell.difference > 0.05 ? "up" : cell.difference < -0.05 ? "down" : "";
        return element("td", { className: "num", title: `base ${cell.base.toFixed(1)}` }, `${cell.base.toFixed(1)} → ${cell.value.toFixed(1)} `,
          element("span", { className: `delta ${kind}` }, `Δ ${cell.difference >= 0 ? "+" : ""}${cell.difference.toFixed(1)}`));
      })));
    $("whatif-result").replaceChildren(element("h3", {}, answer.patch.label), element("p", { className: "muted" }, answer.patch.description),
      element("div", { className: "scroll" }, element("table", { className: "compact" }, element("thead", {}, head), element("tbody", {}, ...rows))));
  } catch (error) {
    showMessage(error.message);
  }
}

async function loadPatches() {
  const { patches } = await api("/api/patches");
  state.patches = patches;
  $("whatif-shipped").replaceChildren(element("option", { value: "" }, "write your own…"),
    ...patches.map((patch) => element("option", { value: patch.name, title: patch.description }, patch.label)));
}

function selectTab(name) {
  for (const button of document.querySelectorAll("nav.tabs button")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== `tab-${name}`;
  if (name === "evidence") searchEvidence();
  if (name === "forecast") renderCharts();
  if (name === "analysis" && state.montecarlo) renderMonteCarlo();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("undo").addEventListener("click", undo);
  $("save").addEventListener("click", save);
  $("issue").addEventListener("change", () => selectIssue($("issue").value));
  $("as-of").addEventListener("change", async () => {
    state.asOf = $("as-of").value;
    try {
      await load();
    } catch (error) {
      showMessage(error.message);
    }
  });
  $("download").addEventListener("change", () => {
    if ($("download").value) window.location.href = `/api/download/${encodeURIComponent($("download").value)}`;
    $("download").value = "";
  });
  for (const id of ["evidence-search", "evidence-actor", "evidence-issue", "evidence-kind"]) $(id).addEventListener("input", searchEvidence);
  $("upload-form").addEventListener("submit", upload);
  $("montecarlo-form").addEventListener("submit", runMonteCarlo);
  $("montecarlo-issue").addEventListener("change", renderMonteCarlo);
  $("whatif-form").addEventListener("submit", runWhatIf);
  $("whatif-text").addEventListener("input", () => { $("whatif-shipped").value = ""; });
  $("whatif-shipped").addEventListener("change", () => {
    const patch = state.patches.find((item) => item.name === $("whatif-shipped").value);
    if (patch) $("whatif-text").value = patch.text;
  });
  for (const button of document.querySelectorAll("nav.tabs button")) button.addEventListener("click", () => selectTab(button.dataset.tab));
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && !event.target.matches("input[type=number], input[type=search]")) {
      event.preventDefault();
      undo();
    }
  });
  window.addEventListener("beforeunload", (event) => { if (state.edits.length) event.preventDefault(); });
  try {
    await load();
    await loadPatches();
  } catch (error) {
    showMessage(error.message);
  }
});
