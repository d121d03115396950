// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  // Confirmation before destructive actions: <button data-confirm="...">.
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});

// Organization tree: the caret button shows or hides a node's children (loaded once by htmx).
document.addEventListener("click", function (event) {
  const toggle = event.target.closest(".org-toggle");
  if (!toggle) { return; }
  const children = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  if (children) { children.hidden = !open; }
});
