// The quiz page on top of its server-rendered form (which works without
// JavaScript): autosave of answers and flags through the offline queue
// (static/js/offline-queue.js), so that they survive a dropped connection or
// a reload; the save state, a countdown that follows the server, the
// navigator's answered/flagged marks, and the submit dialog.
(function () {
  "use strict";
  var form = document.getElementById("quiz-attempt");
  if (!form) { return; }
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusBox = form.querySelector("[data-save-status]");
  var statusText = statusBox.querySelector("[data-save-text]");
  var statusIcon = statusBox.querySelector("[data-save-icon]");
  var navigator = form.querySelector("[data-navigator]");
  var dialog = form.querySelector("[data-submit-dialog]");
  var lastSend = "";  // how the last save went: "saved", "refused" or "offline"
  var submitting = false;

  function message(name) {
    var t = form.querySelector("template[data-message-" + name + "]");
    return t ? t.innerHTML.trim() : "";
  }
  // The bar keeps its size whatever it says (one line, cut with an ellipsis),
  // so a change of state never moves the question under the finger.
  var ICONS = { saved: "✓", saving: "…", offline: "⚠", error: "⚠", idle: "✓" };
  function setStatus(text, state) {
    statusText.textContent = text;
    statusIcon.textContent = ICONS[state] || "";
    statusBox.dataset.state = state || "";
    statusBox.title = text;
  }
  function fieldset(slot) { return document.getElementById("slot-" + slot); }
  function navButton(slot) { return form.querySelector("[data-nav='" + slot + "']"); }

  function post(url, fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    fields.forEach(function (p) { body.append(p[0], p[1]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      });
  }

  // --- the navigator's marks ---------------------------------------------------
  function describe(button) {
    var words = [message(button.dataset.answered === "1" ? "answered" : "unanswered")];
    if (button.dataset.flagged === "1") { words.push(message("flagged")); }
    button.querySelector("[data-nav-state]").textContent = ", " + words.join(", ");
  }
  function countAnswered() {
    var count = form.querySelectorAll("[data-nav][data-answered='1']").length;
    form.querySelector("[data-answered-count]").textContent = count;
  }
  function markAnswered(snap) {
    var button = navButton(snap.slot);
    if (!button) { return; }
    button.dataset.answered = snap.pairs.some(function (p) { return p[1].trim() !== ""; }) ? "1" : "0";
    describe(button);
    countAnswered();
  }

  // --- answers -----------------------------------------------------------------
  function snapshot(slot) {
    var fs = fieldset(slot);
    var pairs = [];
    fs.querySelectorAll("input, select").forEach(function (el) {
      if (!el.name || el.name === "slot" || el.name === "flag" || el.name.charAt(0) === "v") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      pairs.push([el.name, el.value]);
    });
    return { slot: slot, version: fs.querySelector("[data-version]").value, pairs: pairs };
  }

  function refused(slotStatus, data) {
    // Refused for good (stale tab, time up, not this attempt's answer): say why, by the question too.
    lastSend = "refused";
    if (slotStatus) { slotStatus.textContent = data.message || ""; }
    setStatus(data.message || "", "error");
    if (data.error === "deadline_passed" || data.error === "attempt_finished") {
      // The server shows the review and says why (time up, or submitted elsewhere).
      submitting = true;
      window.location.reload();
    }
  }

  function offline(error) {
    lastSend = "offline";
    showWaiting();
    throw error;
  }

  function send(snap) {
    var fields = [["slot", snap.slot], ["v" + snap.slot, snap.version]].concat(snap.pairs);
    var slotStatus = fieldset(snap.slot).querySelector("[data-slot-status]");
    setStatus(message("saving"), "saving");
    return post(form.dataset.answerUrl, fields)
      .catch(offline)  // no connection, or not our server answering: try again later
      .then(function (result) {
        if (result.status !== 200) { refused(slotStatus, result.data); return; }
        lastSend = "saved";
        slotStatus.textContent = "";
        fieldset(snap.slot).querySelector("[data-version]").value = result.data.version;
        if (typeof result.data.remaining === "number") { syncTimer(result.data.remaining); }
      });
  }

  function sendFlag(item) {
    setStatus(message("saving"), "saving");
    return post(form.dataset.flagUrl, [["slot", item.slot], ["flagged", item.flagged ? "1" : "0"]])
      .catch(offline)
      .then(function (result) {
        if (result.status !== 200) { refused(null, result.data); return; }
        lastSend = "saved";
      });
  }

  function showWaiting() {
    // Both queues call this as they are made, before both exist.
    var waiting = (answers ? answers.items().length : 0) + (flags ? flags.items().length : 0);
    if (lastSend === "offline" && waiting) {
      setStatus(message("waiting").replace("__N__", waiting), "offline");
    } else if (!waiting && lastSend === "saved") {
      setStatus(message("saved"), "saved");
    }
  }

  var answers = window.OfflineQueue({
    key: "quiz-pending:" + form.dataset.attempt,
    id: function (snap) { return snap.slot; },
    send: send,
    // The question as it stands when sent: the latest answer, on the version
    // the last save returned.
    prepare: function (snap) { return snapshot(snap.slot); },
    onChange: function () { showWaiting(); },
    retryMs: 3000,
  });
  var flags = window.OfflineQueue({
    key: "quiz-flags:" + form.dataset.attempt,
    id: function (item) { return item.slot; },
    send: sendFlag,
    onChange: function () { showWaiting(); },
    retryMs: 3000,
  });
  function flushAll() {
    return answers.flush().then(function () { return flags.flush(); });
  }
  function queue(slot) {
    var snap = snapshot(slot);
    markAnswered(snap);
    answers.put(snap);
    answers.flush().catch(function () { /* kept in the queue */ });
  }
  function setFlag(slot, flagged) {
    var button = navButton(slot);
    if (button) {
      button.dataset.flagged = flagged ? "1" : "0";
      describe(button);
    }
  }

  var debounce = {};
  form.addEventListener("change", function (event) {
    var fs = event.target.closest("[data-slot]");
    if (!fs) { return; }
    if (event.target.matches("[data-flag]")) {
      setFlag(fs.dataset.slot, event.target.checked);
      flags.put({ slot: fs.dataset.slot, flagged: event.target.checked });
      flags.flush().catch(function () { /* kept in the queue */ });
      return;
    }
    queue(fs.dataset.slot);
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    var fs = event.target.closest("[data-slot]");
    if (!fs) { return; }
    var slot = fs.dataset.slot;
    var snap = snapshot(slot);
    markAnswered(snap);
    answers.put(snap);  // kept at once, sent when the typing pauses
    window.clearTimeout(debounce[slot]);
    debounce[slot] = window.setTimeout(function () { queue(slot); }, 800);
  });
  // Enter in an answer box saves it where the trainee is, instead of posting the page.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.type !== "text") { return; }
    var fs = event.target.closest("[data-slot]");
    if (!fs) { return; }
    event.preventDefault();
    window.clearTimeout(debounce[fs.dataset.slot]);
    queue(fs.dataset.slot);
  });

  // Answers and flags given offline before a reload: put them back and send
  // them, unless the server has since taken a newer answer (its version moved on).
  answers.items().forEach(function (stored) {
    var fs = fieldset(stored.slot);
    if (!fs || fs.querySelector("[data-version]").value !== String(stored.version)) {
      answers.remove(stored.slot);
      return;
    }
    fs.querySelectorAll("input[type=radio], input[type=checkbox]:not([data-flag])").forEach(function (el) { el.checked = false; });
    stored.pairs.forEach(function (p) {
      fs.querySelectorAll("[name='" + p[0] + "']").forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.value === p[1]) { el.checked = true; } }
        else { el.value = p[1]; }
      });
    });
    queue(stored.slot);
  });
  flags.items().forEach(function (stored) {
    var box = fieldset(stored.slot) && fieldset(stored.slot).querySelector("[data-flag]");
    if (box) { box.checked = stored.flagged; }
    setFlag(stored.slot, stored.flagged);
  });
  flags.flush().catch(function () { /* kept in the queue */ });

  // --- navigation and submit -----------------------------------------------------
  // A question on this page is a scroll away; anything else posts the form
  // (after what is owed has been sent), which also works without JavaScript.
  function goToQuestion(slot) {
    var fs = fieldset(slot);
    if (navigator) { navigator.open = false; }
    if (dialog && dialog.open) { dialog.close(); }
    fs.scrollIntoView({ block: "start" });
    var first = fs.querySelector("input:not([type=hidden]):not([data-flag]), select");
    (first || fs).focus({ preventScroll: true });
  }

  function fillSummary() {
    var unanswered = [], flagged = [];
    form.querySelectorAll("[data-nav]").forEach(function (b) {
      if (b.dataset.answered !== "1") { unanswered.push(b.value); }
      if (b.dataset.flagged === "1") { flagged.push(b.value); }
    });
    var template = dialog.querySelector("template[data-message-question]").innerHTML.trim();
    [["[data-summary-unanswered]", unanswered], ["[data-summary-flagged]", flagged]].forEach(function (pair) {
      var group = dialog.querySelector(pair[0]);
      var list = group.querySelector("[data-summary-list]");
      list.textContent = "";
      pair[1].forEach(function (number) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "submit";
        button.name = "jump";
        button.value = number;
        button.className = "link-button";
        button.textContent = template.replace("__N__", number);
        li.appendChild(button);
        list.appendChild(li);
      });
      group.querySelector("[data-summary-count]").textContent = pair[1].length;
      group.hidden = !pair[1].length;
    });
    dialog.querySelector("[data-summary-done]").hidden = unanswered.length > 0;
  }

  function openDialog(opener) {
    if (navigator) { navigator.open = false; }
    fillSummary();
    dialog.returnFocus = opener;
    dialog.showModal();  // modal: the rest of the page is inert, Esc closes it
    var first = dialog.querySelector("[data-summary-list] button") || dialog.querySelector("[data-dialog-close]");
    first.focus();
  }
  if (dialog) {
    dialog.querySelector("[data-dialog-close]").addEventListener("click", function () { dialog.close(); });
    // A modal dialog makes the page inert, but Tab would still leave it for the
    // browser's own controls: keep the keyboard going round inside.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") { return; }
      var focusable = Array.prototype.filter.call(dialog.querySelectorAll("button"), function (b) {
        return b.offsetParent !== null;
      });
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
    dialog.addEventListener("close", function () {
      var opener = dialog.returnFocus;
      // The navigator's button is hidden once its panel closes: back to the navigator itself.
      if (opener && navigator && navigator.contains(opener)) { opener = navigator.querySelector("summary"); }
      if (opener) { opener.focus(); }
    });
  }

  // Esc closes the open navigator, as it closes the dialog, and leaves the keyboard on its button.
  if (navigator) {
    navigator.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && navigator.open) {
        navigator.open = false;
        navigator.querySelector("summary").focus();
      }
    });
  }

  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    event.preventDefault();
    var button = event.submitter;
    if (button && button.hasAttribute("data-open-submit") && dialog) {
      openDialog(button);
      return;
    }
    if (button && button.name === "jump") {
      var target = form.querySelector("[data-nav][value='" + button.value + "']");
      if (target && fieldset(target.dataset.nav)) {
        goToQuestion(target.dataset.nav);
        return;
      }
    }
    if (!button) {  // Enter outside an answer box: save, stay
      flushAll().catch(function () { /* the bar says it is offline */ });
      return;
    }
    finish(button);
  });
  function finish(button) {
    flushAll().then(function () {
      submitting = true;
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      form.submit();
    }).catch(function () { /* the bar says it is offline; the answers wait */ });
  }

  // --- countdown ---------------------------------------------------------------
  // The server says how many seconds are left; the local clock only measures
  // time passing since then, so a wrong phone clock is harmless.
  var timerEl = form.querySelector("[data-timer]");
  var endAt = null;
  function syncTimer(seconds) { endAt = performance.now() + seconds * 1000; }
  if (timerEl && form.dataset.remaining) {
    syncTimer(parseInt(form.dataset.remaining, 10));
    var autoSubmitted = false;
    var timerBox = timerEl.closest(".quiz-timer");
    var tick = function () {
      // Rounded up: zero only once the server's deadline has passed, so a submit at zero is on time-up.
      var left = Math.max(0, Math.ceil((endAt - performance.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timerEl.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      timerBox.dataset.low = left <= 60 ? "1" : "";
      if (left === 0 && !autoSubmitted) {
        autoSubmitted = true;
        if (dialog && dialog.open) { dialog.close(); }
        // Sent as a submit: the server grades it and the review says time ran out.
        finish(form.querySelector("[data-submit]"));
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
}());
