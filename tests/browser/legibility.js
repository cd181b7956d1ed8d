/* Measures the legibility of a page's Plotly charts (see legibility.py); Playwright runs it
   with {selector, tolerance, titles}; it returns the problems found, as text. Axis titles are
   measured only when titles is true. */
({selector, tolerance, titles: withTitles}) => {
  const problems = [];
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height};
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"
      && (el.textContent === null || el.tagName.toLowerCase() !== "text"
          || el.textContent.trim() !== "");
  };
  const name = (el) => (el.textContent || el.getAttribute("class") || el.tagName)
    .trim().replace(/\s+/g, " ").slice(0, 40);
  const overlap = (a, b) => {
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return w > tolerance && h > tolerance;
  };
  const outside = (inner, outer) => {
    const sides = [];
    if (inner.left < outer.left - tolerance) sides.push(`left by ${Math.round(outer.left - inner.left)} px`);
    if (inner.right > outer.right + tolerance) sides.push(`right by ${Math.round(inner.right - outer.right)} px`);
    if (inner.top < outer.top - tolerance) sides.push(`top by ${Math.round(outer.top - inner.top)} px`);
    if (inner.bottom > outer.bottom + tolerance) sides.push(`bottom by ${Math.round(inner.bottom - outer.bottom)} px`);
    return sides;
  };
  const hitsCircle = (r, c) => {
    const x = Math.max(r.left, Math.min(c.x, r.right));
    const y = Math.max(r.top, Math.min(c.y, r.bottom));
    return Math.hypot(x - c.x, y - c.y) < c.radius - tolerance;
  };
  const all = (root, css) => Array.from(root.querySelectorAll(css)).filter(visible);

  for (const chart of document.querySelectorAll(selector)) {
    if (!chart.classList.contains("js-plotly-plot")) continue;
    const id = chart.id || "(chart)";
    const figure = box(chart);
    const paper = chart.querySelector(".main-svg");
    if (paper) {
      for (const side of outside(box(paper), figure)) problems.push(`${id}: drawing sticks out ${side}`);
    }
    const ticks = all(chart, ".xtick text, .ytick text").map((el) => ({el, kind: "tick"}));
    const angular = all(chart, ".angularaxistick text").map((el) => ({el, kind: "angular"}));
    const radial = all(chart, ".radialaxistick text").map((el) => ({el, kind: "radial"}));
    const bartexts = all(chart, ".bartext").map((el) => ({el, kind: "bar text"}));
    const legends = all(chart, ".legend").map((el) => ({el, kind: "legend"}));
    const plots = all(chart, ".draglayer .nsewdrag").map((el) => ({el, kind: "plot area"}));
    const points = all(chart, ".textpoint text").map((el) => ({el, kind: "point label"}));
    const titles = withTitles
      ? all(chart, ".g-xtitle text, .g-ytitle text").map((el) => ({el, kind: "axis title"}))
      : [];
    const labels = [...ticks, ...angular, ...radial, ...bartexts, ...legends, ...points, ...titles];
    // Markers of a scatter must not cover each other (a label sits on its own marker).
    const markers = all(chart, ".cartesianlayer .scatterlayer .points path.point");
    for (let i = 0; i < markers.length; i++) {
      for (let j = i + 1; j < markers.length; j++) {
        if (overlap(box(markers[i]), box(markers[j]))) {
          problems.push(`${id}: marker ${i + 1} overlaps marker ${j + 1}`);
        }
      }
    }
    for (const item of [...labels, ...plots]) {
      for (const side of outside(box(item.el), figure)) {
        problems.push(`${id}: ${item.kind} «${name(item.el)}» is clipped: out ${side}`);
      }
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        if (overlap(box(labels[i].el), box(labels[j].el))) {
          problems.push(`${id}: ${labels[i].kind} «${name(labels[i].el)}» overlaps ${labels[j].kind} «${name(labels[j].el)}»`);
        }
      }
    }
    for (const plot of plots) {
      for (const item of [...ticks, ...legends]) {
        if (overlap(box(item.el), box(plot.el))) {
          problems.push(`${id}: ${item.kind} «${name(item.el)}» lies over the plot area`);
        }
      }
    }
    const ring = chart.querySelector(".polarlayer .angular-line path, .polarlayer path.angular-line");
    if (ring) {
      const r = box(ring);
      const circle = {x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, radius: Math.max(r.width, r.height) / 2};
      for (const item of [...angular, ...legends]) {
        if (hitsCircle(box(item.el), circle)) {
          problems.push(`${id}: ${item.kind} «${name(item.el)}» lies over the polar plot area`);
        }
      }
    }
    const holder = chart.closest("figure");
    if (holder) {
      for (const wrapper of holder.querySelectorAll(".table-wrapper")) {
        if (wrapper.scrollWidth > wrapper.clientWidth + tolerance) {
          problems.push(`${id}: its table is ${wrapper.scrollWidth} px wide in a ${wrapper.clientWidth} px box`);
        }
        for (const side of outside(box(wrapper), box(holder))) {
          problems.push(`${id}: its table leaves the figure ${side}`);
        }
      }
    }
  }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) {
    problems.push(`the page scrolls sideways: ${width} px of content in a ${window.innerWidth} px window`);
  }
  return problems;
}
