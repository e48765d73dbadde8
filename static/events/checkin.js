/* The door: scan or search, one state per delegate, working without network.
 *
 * Every check-in is first written to the offline queue (static/js/
 * offline-queue.js) with the real scan time, a random nonce and this
 * phone's device id, then sent; the server keeps one record per nonce, so
 * sending a scan twice is harmless and the original time is kept.
 *
 * The page keeps the session's roster (door-search.js) current. Without
 * network it answers from the roster at once (name, unit, state), queues
 * the scan, and after the sync lists every scan whose answer changed (two
 * doors, one person: the server keeps the first scan). A service worker
 * keeps the page itself for a reload without network.
 *
 * A changed state (a mis-tap) is asked before it is sent and can be undone;
 * a scan outside the session's time, or over a recorded "absent", asks too.
 */
(function () {
  "use strict";

  var root = document.getElementById("checkin");
  if (!root) {
    return;
  }
  var data = root.dataset;
  var text = JSON.parse(document.getElementById("door-texts").textContent);
  var resultBox = document.getElementById("result");
  var undoButton = document.getElementById("undo");
  var confirmButton = document.getElementById("confirm");
  var admitButton = document.getElementById("admit");
  var pendingCount = document.getElementById("pending-count");
  var searchInput = document.getElementById("q");
  var searchNote = document.getElementById("search-note");
  var resultsList = document.getElementById("search-results");
  var networkNote = document.getElementById("network");
  var rosterNote = document.getElementById("roster-note");
  var dialog = document.getElementById("confirm-dialog");
  var roster = window.DoorRoster("door-roster-" + data.session);
  var doorOpens = new Date(data.doorOpens);
  var sessionStarts = new Date(data.sessionStarts);
  var sessionEnds = new Date(data.sessionEnds);
  var lateAfterMs = Number(data.lateAfter) * 60000;
  var liveNonce = ""; // the scan made last on this page: its answer is shown
  var undoTimer = null;
  var pendingAction = null; // what the amber "Yes" button does
  var lastCode = "";
  var lastCodeSeen = 0;
  var HELD_CODE_MS = 3000; // a code seen again within this of its last sighting is still the same scan
  var SAME_SCAN_MS = 10000; // as events.services.SAME_SCAN_WINDOW
  var lastLocal = { registration: "", at: 0 };

  function fill(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name] === undefined ? match : String(values[name]);
    });
  }

  function hhmm(date) {
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function ddmmyyyy(date) {
    return ("0" + date.getDate()).slice(-2) + "/" + ("0" + (date.getMonth() + 1)).slice(-2) + "/" + date.getFullYear();
  }

  function deviceId() {
    var key = "door-device";
    try {
      var known = window.localStorage.getItem(key);
      if (known) {
        return known;
      }
      var made = newNonce();
      window.localStorage.setItem(key, made);
      return made;
    } catch (error) {
      return "";
    }
  }

  function newNonce() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  var device = deviceId();

  // --- what the person's state says, as events.selectors.DoorState.label ---

  function stateLabel(state, time) {
    return fill(text["label" + (state ? state.charAt(0).toUpperCase() + state.slice(1) : "None")], { time: time || "" });
  }

  function personLabel(person) {
    if (person.status === "waitlisted") {
      return text.labelWaitlisted;
    }
    if (person.status === "cancelled") {
      return text.labelCancelled;
    }
    return person.label || stateLabel(person.state, person.time);
  }

  // --- the result panel ---

  function show(result) {
    resultBox.hidden = false;
    resultBox.className = "checkin-result checkin-" + (result.colour || "red");
    document.getElementById("result-message").textContent = result.message || "";
    document.getElementById("result-name").textContent = result.name || "";
    document.getElementById("result-unit").textContent = result.unit || "";
    document.getElementById("result-note").textContent = result.note || "";
    if (undoTimer) {
      window.clearTimeout(undoTimer);
    }
    undoButton.hidden = !result.change;
    if (result.change) {
      undoButton.dataset.change = String(result.change);
      // The server refuses an undo after a minute; the button goes first.
      undoTimer = window.setTimeout(function () {
        undoButton.hidden = true;
      }, 55000);
    }
    confirmButton.hidden = !result.confirmWith;
    admitButton.hidden = !(result.registration && result.registration_status === "waitlisted");
    admitButton.dataset.registration = result.registration || "";
    pendingAction = result.confirmWith || null;
    resultBox.scrollIntoView({ block: "nearest" });
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (key) {
      if (fields[key]) {
        body.append(key, fields[key]);
      }
    });
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": data.csrf, "X-Requested-With": "fetch" },
      body: body,
    });
  }

  function json(response) {
    if (response.status >= 500 || response.status === 403 || response.redirected) {
      throw new Error("not accepted");
    }
    return response.json();
  }

  // --- the roster: downloaded, kept current, and told of every answer ---

  // ``result`` is a scan's answer (registration_status) or a person of a search or a change (status).
  function remember(result) {
    if (result.registration && result.state !== undefined) {
      roster.setState(result.registration, {
        state: result.state,
        time: result.time,
        label: result.label,
        attended: result.attended,
        status: result.registration_status || result.status,
      });
    }
  }

  function describeRoster() {
    var at = roster.loadedAt();
    rosterNote.textContent = at ? fill(text.msgRoster, { count: roster.size(), time: hhmm(at) }) : "";
  }

  function refreshRoster() {
    return window
      .fetch(data.rosterUrl, { credentials: "same-origin" })
      .then(json)
      .then(function (fresh) {
        roster.replace(fresh);
        // Scans still waiting to be sent stay visible as this phone recorded them.
        queue.items().forEach(applyPending);
        describeRoster();
      })
      .catch(describeRoster);
  }

  function applyPending(item) {
    if (item.local === "green" && item.registration) {
      var at = new Date(item.scanned_at);
      var state = at - sessionStarts > lateAfterMs ? "late" : "present";
      roster.setState(item.registration, {
        state: state,
        time: hhmm(at),
        label: stateLabel(state, hhmm(at)) + " (" + text.labelPending + ")",
        attended: true,
      });
    }
  }

  // --- check-in: the queue, the server's answer, or the roster's when offline ---

  var conflicts = document.getElementById("conflicts");
  var conflictList = document.getElementById("conflict-list");

  function reportConflict(item, result) {
    var line = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = result.name || item.name || "";
    line.appendChild(name);
    var shown = item.localMessage || "";
    var after = [result.message, result.note].filter(Boolean).join(" ");
    line.appendChild(document.createTextNode(" – " + fill(text.msgConflict, { shown: shown, result: after })));
    conflictList.appendChild(line);
    conflicts.hidden = false;
  }

  var queue = window.OfflineQueue({
    key: "events-queue-" + data.session,
    id: function (item) {
      return item.nonce;
    },
    send: function (item) {
      var fields = {
        nonce: item.nonce,
        scanned_at: item.scanned_at,
        token: item.token,
        // A scanned ticket goes as the ticket, so that its signature is checked;
        // the registration the roster matched is only for this phone's display.
        registration: item.token ? "" : item.registration,
        device: item.device,
        confirm: item.confirm ? "1" : "",
      };
      return post(data.scanUrl, fields)
        .then(json)
        .then(function (result) {
          remember(result);
          if (item.local && (result.colour !== item.local || result.note)) {
            reportConflict(item, result);
          }
          if (item.nonce === liveNonce) {
            showAnswer(result, item);
          }
          if (result.outcome === "ok") {
            refreshCounts();
            search();
          }
        });
    },
    onChange: function (items) {
      pendingCount.textContent = String(items.length);
    },
    retryMs: 10000,
  });

  function showAnswer(result, item) {
    var shown = Object.assign({}, result);
    if (result.confirm) {
      shown.confirmWith = function () {
        // A ticket is sent again as the ticket (the server checks its signature); a search by its registration.
        var registration = item.token ? "" : result.registration || item.registration;
        checkIn({ token: item.token, registration: registration, confirm: true });
      };
    }
    show(shown);
  }

  function sessionQuestion(now) {
    if (now < doorOpens) {
      return fill(text.msgNotStarted, { time: hhmm(sessionStarts), date: ddmmyyyy(sessionStarts) });
    }
    if (now > sessionEnds) {
      return fill(text.msgEnded, { time: hhmm(sessionEnds), date: ddmmyyyy(sessionEnds) });
    }
    return "";
  }

  // The answer from the roster alone: what the server would say, as far as this phone knows.
  function answerOffline(item, person) {
    var now = new Date(item.scanned_at);
    if (!person) {
      var at = roster.loadedAt();
      return {
        colour: "red",
        message: at ? fill(text.msgNotInRoster, { time: hhmm(at) }) : text.msgNoRoster,
        keep: Boolean(at),
      };
    }
    var base = { name: person.name, unit: person.unit, registration: person.registration };
    if (person.status === "cancelled") {
      return Object.assign(base, { colour: "red", message: text.msgCancelled });
    }
    if (person.status === "waitlisted") {
      return Object.assign(base, { colour: "red", message: text.msgWaitlisted, note: text.msgAdmitOnline });
    }
    if (person.attended) {
      if (lastLocal.registration === person.registration && now - lastLocal.at < SAME_SCAN_MS) {
        return Object.assign(base, { colour: "green", message: text.msgCheckedIn });
      }
      return Object.assign(base, { colour: "amber", message: fill(text.msgAlready, { time: person.time }) });
    }
    if (!item.confirm && person.state) {
      return Object.assign(base, {
        colour: "amber",
        message: fill(text.msgRecorded, { state: personLabel(person) }),
        confirm: true,
      });
    }
    var question = item.confirm ? "" : sessionQuestion(now);
    if (question) {
      return Object.assign(base, { colour: "amber", message: question, confirm: true });
    }
    return Object.assign(base, { colour: "green", message: text.msgCheckedIn, note: text.msgOffline, keep: true });
  }

  function settleOffline(item) {
    var lookup = item.registration
      ? Promise.resolve(roster.byRegistration(item.registration))
      : roster.byTicket(item.token);
    return lookup.then(function (person) {
      var answer = answerOffline(item, person);
      if (answer.keep) {
        // Queued: sent when the network is back, and checked against the server's answer then.
        item.local = answer.colour;
        item.localMessage = answer.message;
        item.name = answer.name || "";
        item.registration = item.registration || answer.registration || "";
        queue.put(item);
        if (answer.colour === "green") {
          lastLocal = { registration: answer.registration, at: new Date(item.scanned_at).getTime() };
          applyPending(item);
          search();
        }
      } else {
        queue.remove(item.nonce);
      }
      if (item.nonce === liveNonce) {
        showAnswer(answer, item);
      }
    });
  }

  function checkIn(fields) {
    var item = {
      nonce: newNonce(),
      scanned_at: new Date().toISOString(),
      token: fields.token || "",
      registration: fields.registration || "",
      device: device,
      confirm: Boolean(fields.confirm),
    };
    liveNonce = item.nonce;
    if (!navigator.onLine) {
      settleOffline(item);
      return;
    }
    queue.put(item);
    queue.flush().catch(function () {
      if (queue.has(item.nonce)) {
        settleOffline(item);
      }
    });
  }

  confirmButton.addEventListener("click", function () {
    var action = pendingAction;
    pendingAction = null;
    confirmButton.hidden = true;
    if (action) {
      action();
    }
  });

  // --- the camera ---

  function onCode(text) {
    var now = Date.now();
    // The camera sees a held code in frame after frame: it is one scan until
    // the code has been out of sight for a moment.
    if (text === lastCode && now - lastCodeSeen < HELD_CODE_MS) {
      lastCodeSeen = now;
      return;
    }
    lastCode = text;
    lastCodeSeen = now;
    checkIn({ token: text });
  }

  var stream = null;

  function startCamera() {
    var video = document.getElementById("camera");
    var box = document.getElementById("camera-box");
    var canvas = document.getElementById("frame");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var detector = null;
    if ("BarcodeDetector" in window) {
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (error) {
        detector = null;
      }
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show({ colour: "red", message: text.msgNoCamera });
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        box.hidden = false;
        document.getElementById("start-camera").hidden = true;
        return video.play();
      })
      .then(function () {
        function tick() {
          if (!stream) {
            return;
          }
          if (video.readyState < 2) {
            window.requestAnimationFrame(tick);
            return;
          }
          if (detector) {
            detector.detect(video).then(
              function (codes) {
                if (codes.length) {
                  onCode(codes[0].rawValue);
                }
                window.setTimeout(tick, 200);
              },
              function () {
                window.setTimeout(tick, 500);
              }
            );
            return;
          }
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          if (code && code.data) {
            onCode(code.data);
          }
          window.setTimeout(tick, 200);
        }
        tick();
      })
      .catch(function () {
        show({ colour: "red", message: text.msgNoCamera });
      });
  }

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    document.getElementById("camera-box").hidden = true;
    document.getElementById("start-camera").hidden = false;
  }

  document.getElementById("start-camera").addEventListener("click", startCamera);
  document.getElementById("stop-camera").addEventListener("click", stopCamera);

  // --- search: the server's when online, the roster's when not ---

  var STATES = ["present", "late", "excused", "absent", ""];

  function button(text, className) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    return element;
  }

  function renderResults(people) {
    resultsList.textContent = "";
    if (!people.length) {
      var empty = document.createElement("li");
      empty.textContent = text.msgNobody;
      resultsList.appendChild(empty);
      return;
    }
    people.forEach(function (person) {
      var line = document.createElement("li");
      line.className = "door-person door-state-" + (person.status === "confirmed" ? person.state || "none" : person.status);
      var name = document.createElement("span");
      name.className = "result-name";
      name.textContent = person.name;
      var unit = document.createElement("span");
      unit.className = "result-unit";
      unit.textContent = person.unit;
      var state = document.createElement("span");
      state.className = "result-state";
      state.textContent = personLabel(person);
      line.append(name, unit, state);
      var actions = document.createElement("div");
      actions.className = "door-person-actions";
      if (person.status === "confirmed" && !person.attended) {
        var checkInButton = button(text.actionCheckIn, "button check-in-button");
        checkInButton.dataset.registration = person.registration;
        actions.appendChild(checkInButton);
      }
      if (person.status === "waitlisted") {
        var admit = button(text.actionAdmit, "button admit-button");
        admit.dataset.registration = person.registration;
        actions.appendChild(admit);
      }
      if (person.status === "confirmed") {
        var change = document.createElement("details");
        change.className = "door-change";
        var summary = document.createElement("summary");
        summary.textContent = text.actionChange;
        change.appendChild(summary);
        STATES.forEach(function (target) {
          if (target === (person.state || "")) {
            return;
          }
          var choice = button(text["status" + (target ? target.charAt(0).toUpperCase() + target.slice(1) : "None")], "button button-secondary button-small mark-button");
          choice.dataset.registration = person.registration;
          choice.dataset.status = target;
          choice.dataset.expected = person.state || "";
          choice.dataset.name = person.name;
          choice.dataset.from = personLabel(person);
          change.appendChild(choice);
        });
        actions.appendChild(change);
      }
      line.appendChild(actions);
      resultsList.appendChild(line);
    });
  }

  function searchOffline(query) {
    var at = roster.loadedAt();
    if (!at) {
      searchNote.textContent = text.msgNoRoster;
      resultsList.textContent = "";
      return;
    }
    searchNote.textContent = fill(text.msgSearchOffline, { time: hhmm(at), count: roster.size() });
    renderResults(roster.search(query));
  }

  var searchTimer = null;
  var searchSerial = 0;

  function search() {
    var query = searchInput.value.trim();
    var serial = (searchSerial += 1);
    if (!query) {
      resultsList.textContent = "";
      searchNote.textContent = "";
      return;
    }
    if (!navigator.onLine) {
      searchOffline(query);
      return;
    }
    window
      .fetch(data.searchUrl + "?" + new URLSearchParams({ q: query }), { credentials: "same-origin" })
      .then(json)
      .then(function (answer) {
        if (serial === searchSerial) {
          searchNote.textContent = "";
          answer.results.forEach(remember);
          renderResults(answer.results);
        }
      })
      .catch(function () {
        if (serial === searchSerial) {
          searchOffline(query);
        }
      });
  }

  searchInput.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(search, 250);
  });
  searchInput.addEventListener("search", search);

  // --- changing a state: asked first, undoable after ---

  function ask(text) {
    document.getElementById("confirm-text").textContent = text;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise(function (resolve) {
      dialog.addEventListener(
        "close",
        function () {
          resolve(dialog.returnValue === "yes");
        },
        { once: true }
      );
    });
  }

  function mark(choice) {
    if (!navigator.onLine) {
      show({ colour: "red", message: text.msgChangeOnline, name: choice.dataset.name });
      return;
    }
    var question = fill(text.msgConfirmChange, {
      name: choice.dataset.name,
      from: choice.dataset.from,
      to: choice.textContent,
    });
    ask(question).then(function (yes) {
      if (!yes) {
        return;
      }
      post(data.markUrl, {
        registration: choice.dataset.registration,
        status: choice.dataset.status,
        expected: choice.dataset.expected,
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (result) {
          if (result.ok) {
            remember(result);
            show({ colour: "amber", message: result.label, name: result.name, unit: result.unit, change: result.change });
            refreshCounts();
          } else {
            show({ colour: "red", message: result.message, name: choice.dataset.name });
          }
          search();
        })
        .catch(function () {
          show({ colour: "red", message: text.msgChangeOnline, name: choice.dataset.name });
        });
    });
  }

  function admit(fields) {
    if (!navigator.onLine) {
      show({ colour: "red", message: text.msgAdmitOnline });
      return;
    }
    fields.device = device;
    post(data.admitUrl, fields)
      .then(function (response) {
        return response.json();
      })
      .then(function (result) {
        remember(result);
        show(result);
        if (result.outcome === "ok") {
          refreshCounts();
          refreshRoster();
          search();
        }
      })
      .catch(function () {
        show({ colour: "red", message: text.msgAdmitOnline });
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) {
      return;
    }
    if (target.classList.contains("check-in-button")) {
      checkIn({ registration: target.dataset.registration });
    } else if (target.classList.contains("mark-button")) {
      mark(target);
    } else if (target.classList.contains("admit-button") || target === admitButton) {
      admit({ registration: target.dataset.registration });
    }
  });

  document.getElementById("walk-in").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    admit({ full_name: form.full_name.value, email: form.email.value, unit: form.unit.value });
  });

  undoButton.addEventListener("click", function () {
    post(data.undoUrl.replace(/\/0\/$/, "/" + undoButton.dataset.change + "/"), {})
      .then(function (response) {
        return response.json();
      })
      .then(function (result) {
        undoButton.hidden = true;
        show({ colour: result.ok ? "amber" : "red", message: result.message });
        refreshCounts();
        refreshRoster();
        search();
      })
      .catch(function () {
        show({ colour: "red", message: text.msgChangeOnline });
      });
  });

  // --- counters, network, the service worker ---

  function refreshCounts() {
    window
      .fetch(data.countsUrl, { credentials: "same-origin" })
      .then(json)
      .then(function (counts) {
        document.getElementById("count-attended").textContent = String(counts.attended);
        document.getElementById("count-registered").textContent = String(counts.registered);
      })
      .catch(function () {});
  }

  function showNetwork() {
    networkNote.textContent = navigator.onLine ? "" : "⚠ " + text.msgOffline;
    networkNote.hidden = navigator.onLine;
  }

  window.addEventListener("online", function () {
    showNetwork();
    refreshRoster();
  });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  describeRoster();

  window.setInterval(function () {
    if (navigator.onLine) {
      refreshCounts();
    }
  }, 10000);
  window.setInterval(function () {
    if (navigator.onLine) {
      refreshRoster();
    }
  }, 60000);
  if (navigator.onLine) {
    refreshRoster();
  }
  queue.flush().catch(function () {});

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.workerUrl).catch(function () {});
  }
})();
