// Autosave of quiz answers, a countdown that follows the server, and a
// queue that survives a dropped connection or a reload (localStorage).
(function () {
  "use strict";
  var form = document.getElementById("quiz-attempt");
  if (!form) { return; }
  var url = form.dataset.answerUrl;
  var storeKey = "quiz-pending:" + form.dataset.attempt;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusBox = form.querySelector("[data-save-status]");
  var pending = {};   // slot id -> true while a save is owed to the server
  var inFlight = {};
  var retryTimer = null;
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
    return { version: fs.querySelector("[data-version]").value, pairs: pairs };
  }

  function loadStore() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function saveStore() {
    var store = {};
    Object.keys(pending).forEach(function (slot) { store[slot] = snapshot(slot); });
    try { window.localStorage.setItem(storeKey, JSON.stringify(store)); } catch (e) { /* private mode */ }
  }

  function send(slot) {
    if (inFlight[slot]) { inFlight[slot].again = true; return inFlight[slot].promise; }
    var snap = snapshot(slot);
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("slot", slot);
    body.append("v" + slot, snap.version);
    snap.pairs.forEach(function (p) { body.append(p[0], p[1]); });
    var state = { again: false };
    var slotStatus = fieldset(slot).querySelector("[data-slot-status]");
    slotStatus.textContent = message("saving");
    state.promise = fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        delete inFlight[slot];
        if (result.status === 200) {
          fieldset(slot).querySelector("[data-version]").value = result.data.version;
          if (typeof result.data.remaining === "number") { syncTimer(result.data.remaining); }
          slotStatus.textContent = message("saved");
          if (state.again) { return send(slot); }
          delete pending[slot];
          saveStore();
          if (!Object.keys(pending).length) { setStatus(message("saved"), "saved"); }
          return true;
        }
        // Refused for good (stale tab, time up, not this attempt's answer): say why.
        delete pending[slot];
        saveStore();
        slotStatus.textContent = result.data.message || "";
        setStatus(result.data.message || "", "error");
        if (result.data.error === "deadline_passed" || result.data.error === "attempt_finished") {
          window.location.reload();
        }
        return false;
      })
      .catch(function () {
        delete inFlight[slot];
        setStatus(message("offline"), "offline");
        slotStatus.textContent = "";
        scheduleRetry();
        throw new Error("offline");
      });
    inFlight[slot] = state;
    return state.promise;
  }

  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      flush().catch(function () { /* rescheduled inside send */ });
    }, 3000);
  }
  function flush() {
    return Promise.all(Object.keys(pending).map(send));
  }
  function queue(slot) {
    pending[slot] = true;
    saveStore();
    send(slot).catch(function () { /* kept in the queue */ });
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
    pending[slot] = true;
    saveStore();
    window.clearTimeout(debounce[slot]);
    debounce[slot] = window.setTimeout(function () { queue(slot); }, 800);
  });
  window.addEventListener("online", function () { flush().catch(function () {}); });

  // Answers given offline before a reload: put them back and send them,
  // unless the server has since taken a newer answer (its version moved on).
  var stored = loadStore();
  Object.keys(stored).forEach(function (slot) {
    var fs = fieldset(slot);
    if (!fs || fs.querySelector("[data-version]").value !== String(stored[slot].version)) { return; }
    fs.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (el) { el.checked = false; });
    stored[slot].pairs.forEach(function (p) {
      fs.querySelectorAll("[name='" + p[0] + "']").forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.value === p[1]) { el.checked = true; } }
        else { el.value = p[1]; }
      });
    });
    queue(slot);
  });
  saveStore();

  // Navigation and submit: send what is owed first, then post the form.
  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    event.preventDefault();
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { return; }
    finish(button);
  });
  function finish(button) {
    flush().then(function () {
      submitting = true;
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      window.localStorage.removeItem(storeKey);
      form.submit();
    }).catch(function () { setStatus(message("offline"), "offline"); });
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
