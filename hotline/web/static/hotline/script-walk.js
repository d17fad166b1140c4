// 规范应答 on the intake screen: Alt+K goes to the script picker; in a script each question
// takes one key (Y or 1 = 是, N or 0 = 否) and the focus moves to the next one; once all
// are answered the focus is on the action (按应答办结 / 按应答派单), which Enter takes.
// htmx swaps the panels (views/scripts.py). The screen works without this file: the
// panel's buttons post the intake form and the server does the same.
(function () {
  "use strict";

  var panel = document.getElementById("script-panel");
  if (!panel) return;

  var YES = { y: "yes", "1": "yes", n: "no", "0": "no" };

  function questions() {
    return Array.prototype.slice.call(panel.querySelectorAll(".script-question"));
  }

  function answered(question) {
    return !!question.querySelector("input[type=radio]:checked");
  }

  function focusQuestion(question) {
    var input = question.querySelector("input[type=radio]:checked") || question.querySelector("input[type=radio]");
    if (input) input.focus();
  }

  // the first question not answered after ``current`` (wrapping round), or null
  function nextOpen(current) {
    var list = questions();
    var start = current ? list.indexOf(current) + 1 : 0;
    for (var i = 0; i < list.length; i++) {
      var question = list[(start + i) % list.length];
      if (!answered(question)) return question;
    }
    return null;
  }

  function actButton() {
    return document.getElementById("script-act");
  }

  var actWhenJudged = false; // the last answer was keyed: focus the action once the outcome is in

  panel.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    var question = e.target.closest ? e.target.closest(".script-question") : null;
    if (!question) return;
    var value = YES[e.key.toLowerCase()];
    if (value) {
      e.preventDefault();
      var radio = question.querySelector("input[type=radio][value=" + value + "]");
      if (!radio) return;
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true })); // htmx asks for the outcome
      var next = nextOpen(question);
      if (next) {
        focusQuestion(next);
      } else {
        actWhenJudged = true;
      }
    } else if (e.key === "Enter") {
      // Enter on a question never registers the call by the plain path (the form's first button)
      e.preventDefault();
      var open = nextOpen(null);
      var act = actButton();
      if (open) {
        focusQuestion(open);
      } else if (act) {
        act.click();
      }
    }
  });

  // afterSettle, not afterSwap: htmx binds the new panel's hx-trigger in its settle step, so
  // a question focused at swap time could take keys whose change events nobody listens to
  // (three keys inside htmx's 20 ms settle delay left the outcome unjudged on a fast run)
  document.body.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail && e.detail.target;
    if (!target) return;
    if (target.id === "script-walk") {
      // a script was picked: ask its first question
      var first = nextOpen(null) || questions()[0];
      if (first) focusQuestion(first);
    } else if (target.id === "script-outcome") {
      // answers keyed quickly are judged one after another (hx-sync queues the last): wait
      // for the outcome of all
      if (nextOpen(null) || !document.getElementById("script-result")) return;
      var act = actButton();
      var focused = document.activeElement;
      var here = !focused || focused === document.body || (focused.closest && focused.closest("#script-questions"));
      if (act && (actWhenJudged || here)) act.focus();
      actWhenJudged = false;
    }
  });

  // Alt+K: to the suggestions (the first one), else to the list of every script
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || (e.key || "").toLowerCase() !== "k") return;
    var target = panel.querySelector("#script-suggestions button") || document.getElementById("script-choice");
    if (target) {
      e.preventDefault();
      target.focus();
    }
  });

  // a page that came back with a script open (after an error, or 返回修改): ask on
  var open = nextOpen(null);
  var error = document.getElementById("script-error");
  if (open && error) focusQuestion(open);
})();
