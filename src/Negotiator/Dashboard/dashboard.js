// The EventShadow dashboard: negotiations in progress, pools against demand and cost per day, read from this
// server's API with a key kept in session storage. Everything is drawn here, so nothing loads from elsewhere.
"use strict";

const keyStorage = "eventshadow.apiKey";
const refreshMilliseconds = 5000;
const steps = ["Submitted", "Proposed", "Configuring", "Validating", "Committed"];
const svgNamespace = "http://www.w3.org/2000/svg";

let timer = null;

class AccessError extends Error {}

async function getJson(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(keyStorage)}`, Accept: "application/json" } });
  if (response.status === 401 || response.status === 403) {
    const problem = await response.json().catch(() => ({}));
    throw new AccessError(problem.detail || `The server rejected the key (${response.status}).`);
  }
  if (!response.ok) {
    throw new Error(`${path} failed with HTTP ${response.status}.`);
  }
  return response.json();
}

function element(tag, attributes = {}, text = null) {
  const node = tag.startsWith("svg:") ? document.createElementNS(svgNamespace, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  if (text !== null) {
    node.textContent = text;
  }
  return node;
}

function allocationText(allocation) {
  return allocation ? `${allocation.cpuMillicores}m / ${allocation.memoryMiB} MiB` : "";
}

function renderNegotiations(list, items) {
  list.replaceChildren(...items.map(item => {
    const row = element("li", { "data-id": item.id, "data-status": item.status });
    row.append(element("span", { class: "task", title: item.id }, item.task || item.id));

    // One segment per step. A failed negotiation is red up to Proposed when it made an attempt, else Submitted.
    const bar = element("span", { class: "steps", role: "img", "aria-label": `${item.status}, attempt ${item.attempts}` });
    let reached = steps.indexOf(item.status) + 1;
    if (item.status === "Failed") {
      reached = item.attempts > 0 ? 2 : 1;
    }
    steps.forEach((step, index) => {
      let state = index < reached ? "done" : "";
      if (item.status === "Committed") state = "committed";
      if (item.status === "Failed" && index < reached) state = "failed";
      bar.append(element("span", { class: `step ${state}`, title: step }));
    });
    row.append(bar);
    row.append(element("span", {}, item.status === "Committed" ? allocationText(item.allocation) : `${item.status} · attempt ${item.attempts}`));
    return row;
  }));
}

function renderPools(container, pools) {
  const rowHeight = 28;
  const labelWidth = 170;
  const barWidth = 560;
  const rows = pools.flatMap(pool => [
    { label: `${pool.pool} CPU`, unit: "m", total: pool.capacity.cpuMillicores, committed: pool.committed.cpuMillicores, leased: pool.leased.cpuMillicores },
    { label: `${pool.pool} memory`, unit: " MiB", total: pool.capacity.memoryMiB, committed: pool.committed.memoryMiB, leased: pool.leased.memoryMiB },
  ]);
  const svg = element("svg:svg", { id: "pool-chart", width: labelWidth + barWidth + 200, height: rows.length * rowHeight + 4, role: "img", "aria-label": "Pool capacity against committed and leased use" });
  rows.forEach((row, index) => {
    const y = index * rowHeight;
    const scale = row.total > 0 ? barWidth / row.total : 0;
    const committedWidth = Math.min(barWidth, row.committed * scale);
    const leasedWidth = Math.min(barWidth - committedWidth, row.leased * scale);
    svg.append(element("svg:text", { x: 0, y: y + 17 }, row.label));
    svg.append(element("svg:rect", { class: "capacity", x: labelWidth, y: y + 4, width: barWidth, height: 18 }));
    svg.append(element("svg:rect", { class: "committed", x: labelWidth, y: y + 4, width: committedWidth, height: 18, "data-value": row.committed }));
    svg.append(element("svg:rect", { class: "leased", x: labelWidth + committedWidth, y: y + 4, width: leasedWidth, height: 18, "data-value": row.leased }));
    svg.append(element("svg:text", { x: labelWidth + barWidth + 8, y: y + 17 }, `${row.committed + row.leased} of ${row.total}${row.unit}`));
  });
  container.replaceChildren(pools.length === 0 ? element("p", { class: "note" }, "No resource pools are configured.") : svg);
}

function renderCosts(container, report) {
  const days = report.daily;
  if (days.length === 0) {
    container.replaceChildren(element("p", { class: "note" }, "No costs recorded yet."));
    return;
  }

  const height = 160;
  const barWidth = Math.max(6, Math.min(40, Math.floor(720 / days.length) - 4));
  const maximum = Math.max(...days.map(day => day.cost), 0.000001);
  const svg = element("svg:svg", { id: "cost-chart", width: Math.max(400, days.length * (barWidth + 4) + 180), height: height + 40, role: "img", "aria-label": `Cost per day in ${report.currency}` });
  days.forEach((day, index) => {
    const barHeight = Math.max(1, (day.cost / maximum) * height);
    const x = 100 + index * (barWidth + 4);
    const bar = element("svg:rect", { class: "cost-bar", x, y: height - barHeight + 10, width: barWidth, height: barHeight, "data-day": day.key, "data-cost": day.cost });
    bar.append(element("svg:title", {}, `${day.key}: ${day.cost} ${report.currency}`));
    svg.append(bar);
  });
  svg.append(element("svg:text", { x: 0, y: 20 }, `${maximum.toPrecision(3)} ${report.currency}`));
  svg.append(element("svg:text", { x: 0, y: height + 10 }, "0"));
  // A day label is about 80 pixels wide. Where the first and last label would overlap, one label
  // names both days.
  const first = days[0].key;
  const last = days[days.length - 1].key;
  const lastBarEnd = 100 + (days.length - 1) * (barWidth + 4) + barWidth;
  if (days.length === 1) {
    svg.append(element("svg:text", { class: "day-label", x: 100, y: height + 30 }, first));
  } else if (lastBarEnd - 100 >= 170) {
    svg.append(element("svg:text", { class: "day-label", x: 100, y: height + 30 }, first));
    svg.append(element("svg:text", { class: "day-label", x: lastBarEnd, y: height + 30, "text-anchor": "end" }, last));
  } else {
    svg.append(element("svg:text", { class: "day-label", x: 100, y: height + 30 }, `${first} to ${last}`));
  }
  container.replaceChildren(svg);
}

async function refresh() {
  try {
    const [running, finished, pools, costs] = await Promise.all([
      getJson("/negotiations?status=Submitted,Proposed,Configuring,Validating&limit=50"),
      getJson("/negotiations?status=Committed,Failed&limit=10"),
      getJson("/capacity"),
      getJson("/costs?groupBy=day"),
    ]);

    renderNegotiations(document.getElementById("in-progress"), running.items);
    document.getElementById("in-progress-empty").hidden = running.items.length > 0;
    renderNegotiations(document.getElementById("finished"), finished.items);
    renderPools(document.getElementById("pools"), pools);
    renderCosts(document.getElementById("costs"), costs);
    document.getElementById("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    showDashboard();
  } catch (error) {
    if (error instanceof AccessError) {
      sessionStorage.removeItem(keyStorage);
      showKeyForm(error.message);
    } else {
      document.getElementById("updated").textContent = error.message;
    }
  }
}

function showDashboard() {
  document.getElementById("key-form").hidden = true;
  document.getElementById("dashboard").hidden = false;
  document.getElementById("forget-key").hidden = false;
  if (timer === null) {
    timer = setInterval(refresh, refreshMilliseconds);
  }
}

function showKeyForm(message) {
  clearInterval(timer);
  timer = null;
  document.getElementById("dashboard").hidden = true;
  document.getElementById("forget-key").hidden = true;
  document.getElementById("key-form").hidden = false;
  document.getElementById("key-error").textContent = message || "";
}

document.getElementById("key-form").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem(keyStorage, document.getElementById("api-key").value.trim());
  refresh();
});

document.getElementById("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(keyStorage);
  showKeyForm("");
});

if (sessionStorage.getItem(keyStorage)) {
  refresh();
} else {
  showKeyForm("");
}
