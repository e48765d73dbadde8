// Autosave of quiz answers, a countdown that follows the server, and the
// offline queue (static/js/offline-queue.js), so that answers survive a
// dropped connection or a reload: one entry per question, its latest answer.
(function () {
  "use strict";
  var form = document.getElementById("quiz-attempt");
  if (!form) { return; }
  var url = form.dataset.answerUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusBox = form.querySelector("[data-save-status]");
  var lastSend = "";  // how the last save went: "saved", "refused" or "offline"
  var submitting = false;

  function message(name) {
    var t = form.querySelector("template[data-message-" + name + "]");
    return t ? t.innerHTML.trim() : "";
  }
  function setStatus(text, state) {
    statusBox.textContent = text;
    statusBox.dataset.state = state || "";
  }
  function fieldset(slot) { return document.getElementById("slot-" + slot); }

  function snapshot(slot) {
    var fs = fieldset(slot);
    var pairs = [];
    fs.querySelectorAll("input, select").forEach(function (el) {
      if (!el.name || el.name === "slot" || el.name.charAt(0) === "v") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      pairs.push([el.name, el.value]);
    });
    return { slot: slot, version: fs.querySelector("[data-version]").value, pairs: pairs };
  }

  function send(snap) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("slot", snap.slot);
    body.append("v" + snap.slot, snap.version);
    snap.pairs.forEach(function (p) { body.append(p[0], p[1]); });
    var slotStatus = fieldset(snap.slot).querySelector("[data-slot-status]");
    slotStatus.textContent = message("saving");
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .catch(function (error) {  // no connection, or not our server answering: try again later
        lastSend = "offline";
        slotStatus.textContent = "";
        setStatus(message("offline"), "offline");
        throw error;
      })
      .then(function (result) {
        lastSend = result.status === 200 ? "saved" : "refused";
        if (lastSend === "saved") {
          fieldset(snap.slot).querySelector("[data-version]").value = result.data.version;
          if (typeof result.data.remaining === "number") { syncTimer(result.data.remaining); }
          slotStatus.textContent = message("saved");
          return;
        }
        // Refused for good (stale tab, time up, not this attempt's answer): say why.
        slotStatus.textContent = result.data.message || "";
        setStatus(result.data.message || "", "error");
        if (result.data.error === "deadline_passed" || result.data.error === "attempt_finished") {
          window.location.reload();
        }
      });
  }

  var answers = window.OfflineQueue({
    key: "quiz-pending:" + form.dataset.attempt,
    id: function (snap) { return snap.slot; },
    send: send,
    // The question as it stands when sent: the latest answer, on the version
    // the last save returned.
    prepare: function (snap) { return snapshot(snap.slot); },
    onChange: function (items) {
      if (!items.length && lastSend === "saved") { setStatus(message("saved"), "saved"); }
    },
    retryMs: 3000,
  });
  function queue(slot) {
    answers.put(snapshot(slot));
    answers.flush().catch(function () { /* kept in the queue */ });
  }

  var debounce = {};
  form.addEventListener("change", function (event) {
    var fs = event.target.closest("[data-slot]");
    if (fs) { queue(fs.dataset.slot); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") { return; }
    var fs = event.target.closest("[data-slot]");
    if (!fs) { return; }
    var slot = fs.dataset.slot;
    answers.put(snapshot(slot));  // kept at once, sent when the typing pauses
    window.clearTimeout(debounce[slot]);
    debounce[slot] = window.setTimeout(function () { queue(slot); }, 800);
  });
  // Answers given offline before a reload: put them back and send them,
  // unless the server has since taken a newer answer (its version moved on).
  answers.items().forEach(function (stored) {
    var fs = fieldset(stored.slot);
    if (!fs || fs.querySelector("[data-version]").value !== String(stored.version)) {
      answers.remove(stored.slot);
      return;
    }
    fs.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (el) { el.checked = false; });
    stored.pairs.forEach(function (p) {
      fs.querySelectorAll("[name='" + p[0] + "']").forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.value === p[1]) { el.checked = true; } }
        else { el.value = p[1]; }
      });
    });
    queue(stored.slot);
  });

  // Navigation and submit: send what is owed first, then post the form.
  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    event.preventDefault();
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { return; }
    finish(button);
  });
  function finish(button) {
    answers.flush().then(function () {
      submitting = true;
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      form.submit();
    }).catch(function () { /* the page says it is offline; the answers wait */ });
  }

  // Countdown: the server says how many seconds are left; the local clock
  // only measures time passing since then, so a wrong phone clock is harmless.
  var timerEl = form.querySelector("[data-timer]");
  var endAt = null;
  function syncTimer(seconds) { endAt = performance.now() + seconds * 1000; }
  if (timerEl && form.dataset.remaining) {
    syncTimer(parseInt(form.dataset.remaining, 10));
    var autoSubmitted = false;
    var tick = function () {
      var left = Math.max(0, Math.round((endAt - performance.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timerEl.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0 && !autoSubmitted) {
        autoSubmitted = true;
        finish(form.querySelector("[data-submit]"));
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
}());
