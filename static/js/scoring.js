// Running totals on the scoring page: dimension and overall sums update as the scorer types.
(function () {
  const form = document.getElementById("score-form");
  if (!form || !form.querySelector(".score-input")) return;
  function recompute() {
    const sums = {};
    let grand = 0;
    form.querySelectorAll(".dimension").forEach(function (card) { sums[card.dataset.dim] = 0; });
    form.querySelectorAll(".score-input").forEach(function (input) {
      let value = parseFloat(input.value);
      const max = parseFloat(input.dataset.max);
      const invalid = input.value !== "" && (isNaN(value) || value < 0 || value > max || (value * 2) % 1 !== 0);
      input.classList.toggle("is-invalid", invalid);
      if (isNaN(value) || invalid) value = 0;
      sums[input.dataset.dim] += value;
      grand += value;
    });
    Object.keys(sums).forEach(function (dim) {
      const target = document.getElementById("dim-total-" + dim);
      if (target) target.textContent = sums[dim].toFixed(1);
    });
    ["grand-total", "grand-total-live"].forEach(function (id) {
      const target = document.getElementById(id);
      if (target) target.textContent = grand.toFixed(1);
    });
    recomputeTier(grand);
  }
  // Tier as the scorer types: highest cut-off reached; a ticked veto item forces the lowest tier.
  function recomputeTier(grand) {
    const target = document.getElementById("tier");
    if (!target || !target.dataset.tiers) return;
    const tiers = target.dataset.tiers.split("|").map(function (pair) {
      const cut = pair.indexOf(":");
      return { min: parseFloat(pair.slice(0, cut)), name: pair.slice(cut + 1) };
    }).sort(function (a, b) { return b.min - a.min; });
    const vetoBoxes = form.querySelectorAll("input[name^='veto-']");
    const vetoed = vetoBoxes.length ? Array.from(vetoBoxes).some(function (box) { return box.checked; })
      : target.dataset.vetoed === "1";
    const reached = tiers.find(function (tier) { return grand >= tier.min; });
    const tier = vetoed ? tiers[tiers.length - 1] : reached;
    target.textContent = tier ? tier.name : "—";
  }
  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  recompute();
})();
