// Activity form: the vote table only matters for members' assemblies. Without JS it stays visible.
document.addEventListener("DOMContentLoaded", function () {
  const kind = document.getElementById("id_kind");
  const votes = document.getElementById("decisions-card");
  if (!kind || !votes) { return; }
  const sync = function () { votes.hidden = kind.value !== "assembly"; };
  kind.addEventListener("change", sync);
  sync();
});
