// 受理登记: keys of the intake screen and of its read-back (复述确认). The screen works
// without this file: the buttons post the same forms.
(function () {
  "use strict";

  // --- the form -------------------------------------------------------------------------
  var form = document.getElementById("intake-form");
  if (form) {
    var mapNode = document.getElementById("spot-close-map");
    var map = mapNode ? JSON.parse(mapNode.textContent) : {};
    var type = document.getElementById("id_type");
    var unit = document.getElementById("id_unit");
    var spot = document.getElementById("intake-spot-close");
    var hint = document.getElementById("spot-close-hint");
    var refresh = function () {
      var ok = !!map[unit.value + "|" + type.value];
      spot.disabled = !ok;
      hint.hidden = ok;
    };
    type.addEventListener("change", refresh);
    unit.addEventListener("change", refresh);
    refresh();
    // Ctrl+Enter goes to the read-back from anywhere, textareas included (Enter in a
    // textarea is a new line; Enter in any other field submits the first button).
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit(document.getElementById("intake-save"));
      }
    });
  }

  // --- the read-back --------------------------------------------------------------------
  var readback = document.getElementById("readback-form");
  if (readback) {
    var confirm = document.getElementById("readback-confirm");
    var edit = document.getElementById("readback-edit");
    var sent = false;
    readback.addEventListener("submit", function (e) {
      if (sent) {  // a second Enter must not register the call twice
        e.preventDefault();
        return;
      }
      sent = true;
    });
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      if (e.key === "Escape") {
        e.preventDefault();
        readback.requestSubmit(edit);
      } else if (e.key === "Enter" && e.target === document.body) {
        // nothing focused (the page was clicked): Enter still confirms
        e.preventDefault();
        readback.requestSubmit(confirm);
      }
    });
    if (document.activeElement !== confirm) confirm.focus();
  }
})();
