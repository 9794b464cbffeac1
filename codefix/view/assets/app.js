"use strict";
// Loading and routing. `#/` is the run page, `#/i/<instance>` an instance page. In a file
// (view.html) the instance data sits in its own JSON block, parsed when the page opens; served
// (`codefix view --serve`) it is fetched on demand and the page polls for changes (live refresh).

CF.readBlock = function (id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
};

// An instance block: gzip-compressed JSON in base64, inflated by the browser when first opened.
CF.readPacked = async function (id) {
  const el = document.getElementById(id);
  if (!el) return null;
  if (el.dataset.encoding !== "gzip+base64") return JSON.parse(el.textContent);
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot inflate the embedded data (no DecompressionStream); " +
      "open the file in a current browser, or use codefix view --serve");
  }
  const binary = atob(el.textContent.trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
};

CF.state = { run: CF.readBlock("codefix-run"), version: null, instanceCache: {} };
CF.parsed = new Promise((resolve) => (document.readyState === "loading"
  ? document.addEventListener("DOMContentLoaded", resolve) : resolve()));

CF.route = function () {
  const hash = decodeURIComponent(location.hash || "#/");
  return hash.startsWith("#/i/") ? { page: "instance", id: hash.slice(4) } : { page: "run" };
};

CF.loadInstance = async function (id) {
  const run = CF.state.run;
  if (run.mode === "served") {
    const resp = await fetch("api/instance/" + encodeURIComponent(id), { cache: "no-store" });
    if (!resp.ok) throw new Error(`the server answered ${resp.status}: ${await resp.text()}`);
    return resp.json();
  }
  const index = run.instances.findIndex((r) => r.id === id);
  if (index < 0) return null;
  await CF.parsed;  // instance blocks follow the script in the file
  if (!CF.state.instanceCache[id]) CF.state.instanceCache[id] = await CF.readPacked("codefix-instance-" + index);
  return CF.state.instanceCache[id];
};

CF.render = async function () {
  const root = document.getElementById("app");
  const route = CF.route();
  const fresh = CF.h("main", { id: "app", "data-page": route.page });
  try {
    if (route.page === "run") {
      CF.renderRun(fresh, CF.state.run);
    } else {
      const row = CF.state.run.instances.find((r) => r.id === route.id);
      const inst = row ? await CF.loadInstance(route.id) : null;
      if (!row) fresh.appendChild(CF.h("div", { class: "problems" }, `no instance ${route.id} in this run `, CF.link("#/", "← run")));
      else if (!inst) fresh.appendChild(CF.notEmbedded(row));
      else CF.renderInstance(fresh, inst, row);
    }
  } catch (err) {
    fresh.appendChild(CF.h("div", { class: "problems", role: "alert", text: "the page could not be drawn: " + err }));
  }
  root.replaceWith(fresh);
  document.body.dataset.instance = route.id || "";
  document.body.dataset.ready = route.page;
  if (!CF.state.painted) {
    CF.state.painted = true;
    performance.mark("codefix-rendered");
  }
};

CF.notEmbedded = function (row) {
  const run = CF.state.run;
  return CF.h("div", { class: "banner", id: "not-embedded" }, CF.link("#/", "← run"), " ",
    `The page of ${row.id} is not embedded in this file (size cap). Export it alone with `,
    CF.h("code", { text: `codefix view ${run.run.path} --instance ${row.id}` }),
    row.export ? [" or open ", CF.link(row.export)] : "", ".");
};

// Live refresh while served: poll the run's version; redraw the page when its data changed,
// keeping the scroll position, the table's sort and filters, and which pairs were open.
CF.poll = async function () {
  try {
    const resp = await fetch("api/version", { cache: "no-store" });
    const version = (await resp.json()).version;
    if (CF.state.version !== null && version !== CF.state.version) {
      CF.state.run = await (await fetch("api/run", { cache: "no-store" })).json();
      const open = [...document.querySelectorAll("details[open][data-pair]")].map((d) => d.dataset.pair);
      const y = window.scrollY;
      await CF.render();
      open.forEach((p) => { const d = document.querySelector(`details[data-pair="${p}"]`); if (d) d.open = true; });
      window.scrollTo(0, y);
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
    }
    CF.state.version = version;
    document.body.dataset.live = "on";
  } catch (err) {
    document.body.dataset.live = "off";
  }
  setTimeout(CF.poll, CF.state.run.poll_ms || 2000);
};

window.addEventListener("hashchange", () => { CF.render().then(() => window.scrollTo(0, 0)); });
// The script runs before the instance blocks that follow it are parsed: the run page is drawn at
// once; an instance page waits for the document to be complete (CF.parsed).
CF.render();
if (CF.state.run.mode === "served") CF.poll();
