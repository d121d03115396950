/* Observation steps: every field is saved to the server as the observer goes (htmx POST of one
   field). When the connection drops the value is kept in localStorage and re-sent when the
   browser is back online (and every 15 s), so nothing typed is lost. */
(function () {
  "use strict";
  var root = document.querySelector(".observation-step");
  if (!root || !window.htmx) return;
  var url = root.dataset.autosaveUrl;
  var storeKey = "observation-pending-" + root.dataset.visit;
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;

  function pending() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function setPending(map) {
    localStorage.setItem(storeKey, JSON.stringify(map));
    var n = Object.keys(map).length;
    var badge = document.getElementById("pending-count");
    if (badge) badge.textContent = n ? n + " 项待补交（离线暂存）" : "";
  }
  function stateFor(el) {
    var box = el.closest(".card-body, fieldset, form") || root;
    return box.querySelector(".save-state");
  }

  // Fields typed into (or ticked) before this deferred script ran: their input/change event
  // reached no listener, so they are saved as soon as autosave is bound (below).
  function editedBeforeBinding(el) {
    if (el.disabled) return false;
    if (el.type === "radio" || el.type === "checkbox") return el.checked && !el.defaultChecked;
    if (el.type === "number" && el.value === "") return false;  // never blank a stored score
    return el.value !== el.defaultValue;
  }

  var early = [];
  root.querySelectorAll(".autosave").forEach(function (el) {
    el.setAttribute("hx-post", url);
    el.setAttribute("hx-trigger", el.tagName === "TEXTAREA" || el.type === "text" || !el.type
      ? "input changed delay:800ms, change" : "change");
    el.setAttribute("hx-swap", "innerHTML");
    htmx.process(el);
    if (editedBeforeBinding(el)) early.push(el);
  });

  document.body.addEventListener("htmx:configRequest", function (evt) {
    var el = evt.detail.elt;
    if (!el.classList || !el.classList.contains("autosave")) return;
    evt.detail.parameters.field = el.name;
    evt.detail.parameters.value = el.value;
    evt.detail.target = stateFor(el);
    var map = pending();
    map[el.name] = el.value;  // kept until the server confirms
    setPending(map);
  });
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var el = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    if (!el || !el.classList || !el.classList.contains("autosave")) return;
    evt.detail.target = stateFor(el);
    if (evt.detail.xhr.status === 422) { evt.detail.shouldSwap = true; evt.detail.isError = false; }
    if (evt.detail.xhr.status < 500) {
      var map = pending();
      if (map[el.name] === el.value) { delete map[el.name]; setPending(map); }
    }
  });
  document.body.addEventListener("htmx:sendError", function (evt) {
    var state = stateFor(evt.detail.elt);
    if (state) state.innerHTML = '<span class="text-warning-emphasis">离线：已暂存，联网后自动保存</span>';
  });

  function flush() {
    var map = pending();
    Object.keys(map).forEach(function (field) {
      var body = new URLSearchParams({ field: field, value: map[field] });
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then(function (response) {
          if (response.status < 500) {
            var now = pending();
            if (now[field] === map[field]) { delete now[field]; setPending(now); }
          }
        })
        .catch(function () { /* still offline: keep it */ });
    });
  }
  early.forEach(function (el) { htmx.trigger(el, "change"); });
  root.dataset.autosaveReady = "true";

  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 15000);
  setPending(pending());
  if (navigator.onLine) flush();
})();
