// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  // Confirmation before destructive actions: <button data-confirm="...">.
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});
