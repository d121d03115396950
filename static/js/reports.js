// Activity form. Without JS the vote table stays visible and nothing is pre-filled beyond the server's defaults.
document.addEventListener("DOMContentLoaded", function () {
  const kind = document.getElementById("id_kind");
  if (!kind) { return; }
  const votes = document.getElementById("decisions-card");
  const help = document.getElementById("id_kind_helptext");
  const readJson = function (id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };
  const roster = readJson("attendance-roster");
  const kindHelp = readJson("kind-help") || {};
  const form = kind.form;
  const prefill = form && form.dataset.prefill === "1";
  const field = function (name) { return document.getElementById("id_" + name); };
  // Fields the secretary has typed in are never overwritten.
  const touched = new Set();
  ["expected_full", "expected_probationary", "present_full", "present_probationary"].forEach(function (name) {
    const input = field(name);
    if (input) { input.addEventListener("input", function () { touched.add(name); }); }
  });
  const setIfUntouched = function (name, value) {
    const input = field(name);
    if (input && !touched.has(name)) { input.value = value; }
  };
  const sync = function () {
    const isCommittee = kind.value === "committee";
    if (votes) { votes.hidden = kind.value !== "assembly" && !isCommittee; }
    if (help && kindHelp[kind.value]) { help.textContent = kindHelp[kind.value]; }
    if (!roster) { return; }
    const group = isCommittee ? roster.committee : roster.all;
    if (prefill) {
      setIfUntouched("expected_full", group.full);
      setIfUntouched("present_full", group.full);
      setIfUntouched("expected_probationary", group.probationary);
      setIfUntouched("present_probationary", group.probationary);
    }
    // A committee meeting's absentees can only be committee members.
    document.querySelectorAll("input[name=absent_members]").forEach(function (box) {
      const cell = box.closest(".col");
      const relevant = !isCommittee || (cell && cell.dataset.committee === "1");
      if (cell) { cell.hidden = !relevant; }
      if (!relevant) { box.checked = false; }
    });
  };
  kind.addEventListener("change", sync);
  sync();
});
