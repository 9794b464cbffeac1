"use strict";
// Small SVG charts: the stage funnel and horizontal bar charts (stacked by stage for costs).

CF.STAGE_COLORS = { relevance: "#8ecae6", ranking: "#219ebc", testing: "#ffb703", editing: "#fb8500", selection: "#6a4c93" };
CF.stageColor = (s, i) => CF.STAGE_COLORS[s] || ["#90be6d", "#f94144", "#577590", "#43aa8b"][i % 4];

// steps: [{key, label, count, known}]; bar width is count / instances.
CF.funnelChart = function (steps) {
  const total = steps.length ? steps[0].count : 0;
  const width = 760, rowH = 34, labelW = 290, barW = width - labelW - 150;
  const svg = CF.svg("svg", { class: "funnel", viewBox: `0 0 ${width} ${steps.length * rowH + 6}`, role: "img",
    "aria-label": "stage funnel" });
  steps.forEach((step, i) => {
    const y = i * rowH + 3, w = total ? (barW * step.count) / total : 0;
    const unknown = step.known < total ? ` (${total - step.known} unknown)` : "";
    const g = CF.svg("g", { "data-key": step.key, "data-count": step.count, "data-known": step.known });
    g.appendChild(CF.svg("text", { x: 0, y: y + 21, class: "flabel" }, step.label));
    g.appendChild(CF.svg("rect", { x: labelW, y: y + 4, width: barW, height: rowH - 10, class: "fbg" }));
    g.appendChild(CF.svg("rect", { x: labelW, y: y + 4, width: Math.max(w, step.count ? 2 : 0), height: rowH - 10,
      class: "fbar f" + i }));
    g.appendChild(CF.svg("text", { x: labelW + barW + 8, y: y + 21, class: "fcount" },
      `${step.count}/${total}${unknown}`));
    g.appendChild(CF.svg("title", {}, `${step.label}: ${step.count} of ${total} instance(s)${unknown}`));
    svg.appendChild(g);
  });
  return svg;
};

// items: [{label, parts: {stage: value}, href?}], drawn as stacked horizontal bars with a legend.
CF.stackedBars = function (items, opts) {
  const options = Object.assign({ format: CF.cost, width: 760, limit: 40 }, opts || {});
  const shown = items.slice(0, options.limit);
  const keys = [...new Set(items.flatMap((it) => Object.keys(it.parts)))];
  const max = Math.max(0, ...items.map((it) => Object.values(it.parts).reduce((a, b) => a + b, 0)));
  const rowH = 20, labelW = 260, barW = options.width - labelW - 90;
  const svg = CF.svg("svg", { class: "bars", viewBox: `0 0 ${options.width} ${shown.length * rowH + 4}`, role: "img" });
  shown.forEach((it, i) => {
    const y = i * rowH + 2;
    const g = CF.svg("g", { "data-label": it.label });
    const label = CF.svg("text", { x: labelW - 6, y: y + 14, class: "blabel", "text-anchor": "end" }, CF.clip(it.label, 38));
    g.appendChild(it.href ? CF.svg("a", { href: it.href }, label) : label);
    let x = labelW, sum = 0;
    keys.forEach((k, j) => {
      const v = it.parts[k] || 0;
      sum += v;
      const w = max ? (barW * v) / max : 0;
      if (w > 0) g.appendChild(CF.svg("rect", { x: x, y: y + 3, width: w, height: rowH - 6, fill: CF.stageColor(k, j) },
        CF.svg("title", {}, `${it.label} · ${k}: ${options.format(v)}`)));
      x += w;
    });
    g.appendChild(CF.svg("text", { x: x + 6, y: y + 14, class: "bvalue" }, options.format(sum)));
    svg.appendChild(g);
  });
  const legend = CF.h("div", { class: "legend" }, keys.map((k, j) =>
    CF.h("span", {}, CF.h("i", { style: `background:${CF.stageColor(k, j)}` }), k)));
  const more = items.length > shown.length ? CF.h("div", { class: "note" },
    `the ${shown.length} largest of ${items.length} shown; the table below has every instance`) : null;
  return CF.h("div", {}, legend, svg, more);
};

CF.clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
