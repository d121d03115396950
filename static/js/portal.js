// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  // Confirmation before destructive actions: <button data-confirm="...">.
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});

// The Content-Security-Policy forbids inline script (onclick=..., <script>...</script>): pages
// declare behaviour with data attributes and this file wires it up.
document.addEventListener("change", function (event) {
  // <select data-autosubmit>: submit the filter form as soon as a choice is made.
  const target = event.target.closest("[data-autosubmit]");
  if (target && target.form) {
    target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  // <button data-print>: open the browser's print dialog.
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
