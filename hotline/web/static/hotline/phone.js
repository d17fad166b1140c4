// The phone on every workbench page of a signed-in agent (views/phone.py): the state bar's
// clock and wrap-up countdown, and the screen pop. The server pushes (server-sent events
// from /agent/events/): a "pop" event brings the call's pop (an htmx fragment) to the top of
// the page; "call" and "state" events refresh the bar; a "supervisor" event (a team leader's
// action on this agent) is said above the pop. Alt+N opens the intake form for the
// call on screen, prefilled and linked to it. The last event id seen is kept for the tab,
// so a new page (or a reconnect) resumes after it and nothing is lost or shown twice.
(function () {
  "use strict";

  var bar = document.getElementById("agent-bar");
  var popBox = document.getElementById("phone-pop");
  // loaded with defer after htmx's own deferred script: htmx is there before any event
  if (!bar || !popBox || !window.EventSource || !window.htmx) return;

  var KEY = "hotline.phone.lastEventId";
  var renderedAt = Date.now();
  var refreshing = false;

  function stored() {
    try {
      return window.sessionStorage.getItem(KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function remember(id) {
    if (!id) return;
    try {
      window.sessionStorage.setItem(KEY, id);
    } catch (e) {
      /* private mode: the server's Last-Event-ID still resumes the stream */
    }
  }

  function refreshBar() {
    if (refreshing) return;
    refreshing = true;
    window.htmx.trigger(document.body, "phone-refresh");
  }

  function popUrl(callPk) {
    return bar.getAttribute("data-pop").replace("/0/", "/" + encodeURIComponent(callPk) + "/");
  }

  function showPop(callPk) {
    return window.htmx.ajax("GET", popUrl(callPk), { target: "#phone-pop", swap: "innerHTML" });
  }

  function data(event) {
    try {
      return JSON.parse(event.data || "{}");
    } catch (e) {
      return {};
    }
  }

  // --- the stream ---------------------------------------------------------------------------
  var url = bar.getAttribute("data-events");
  var last = stored();
  if (last) url += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(last);
  var source = new window.EventSource(url);

  source.addEventListener("pop", function (event) {
    remember(event.lastEventId);
    var payload = data(event);
    if (payload.call) showPop(payload.call);
    refreshBar();
  });
  source.addEventListener("call", function (event) {
    remember(event.lastEventId);
    var payload = data(event);
    var shown = document.getElementById("call-pop");
    if (shown && payload.call && shown.getAttribute("data-call") === String(payload.call)) showPop(payload.call);
    refreshBar();
  });
  source.addEventListener("state", function (event) {
    remember(event.lastEventId);
    refreshBar();
    // the pop on screen follows the call (answered: 转满意度评价 appears)
    var shown = document.getElementById("call-pop");
    if (shown && shown.getAttribute("data-call")) showPop(shown.getAttribute("data-call"));
  });
  // a team leader acted on this agent (views/floor.py): say so, the bar follows
  source.addEventListener("supervisor", function (event) {
    remember(event.lastEventId);
    var notice = document.getElementById("supervisor-notice");
    var payload = data(event);
    if (notice && payload.text) {
      notice.textContent = payload.text + (payload.leader ? "(" + payload.leader + ")" : "");
      notice.hidden = false;
    }
    refreshBar();
  });
  source.addEventListener("message", function (event) {
    remember(event.lastEventId);
  });
  window.addEventListener("pagehide", function () {
    source.close(); // frees the server's thread at once
  });

  // --- the bar: how long in this state, the wrap-up countdown -------------------------------
  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m;
    var ss = (s < 10 ? "0" : "") + s;
    return (h ? h + ":" : "") + mm + ":" + ss;
  }

  function tick() {
    var passed = Math.floor((Date.now() - renderedAt) / 1000);
    var time = document.getElementById("agent-state-time");
    if (time) time.textContent = clock(parseInt(time.getAttribute("data-elapsed") || "0", 10) + passed);
    var wrapup = document.getElementById("agent-wrapup");
    var left = document.getElementById("agent-wrapup-left");
    if (wrapup && left) {
      var remaining = parseInt(wrapup.getAttribute("data-remaining") || "0", 10) - passed;
      left.textContent = String(Math.max(0, remaining));
      if (remaining <= 0) refreshBar(); // the server ends the wrap-up on this read
    }
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === bar) {
      renderedAt = Date.now();
      refreshing = false;
      tick();
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.target === bar && !(event.detail && event.detail.successful)) refreshing = false;
  });
  window.setInterval(tick, 1000);

  // --- the pop: close, and Alt+N to register ------------------------------------------------
  popBox.addEventListener("click", function (event) {
    if (event.target && event.target.id === "pop-close") popBox.innerHTML = "";
  });
  var notice = document.getElementById("supervisor-notice");
  if (notice) {
    notice.addEventListener("click", function () {
      notice.hidden = true;
    });
  }
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || (event.key || "").toLowerCase() !== "n") return;
    var register = document.getElementById("pop-register");
    if (!register) return;
    event.preventDefault();
    window.location.assign(register.getAttribute("href"));
  });
})();
