// Public submission form: show the fields that fit the chosen type; hide identity when anonymous.
// Without JavaScript every field stays visible and the server applies the same rules.
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  if (!form) { return; }
  var anonymous = document.getElementById("id_anonymous");
  var identity = document.getElementById("identity-fields");

  function chosenType() {
    var checked = form.querySelector("input[name=type]:checked");
    return checked ? checked.value : "";
  }

  function update() {
    var type = chosenType();
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      var show = el.getAttribute("data-show-for").split(" ").indexOf(type) !== -1;
      el.hidden = !show;
    });
    if (anonymous && type !== "report") { anonymous.checked = false; }
    identity.hidden = Boolean(anonymous && anonymous.checked);
  }

  form.addEventListener("change", update);
  update();
})();
