/* Door check-in: camera scan or search, offline-first.
 *
 * Every check-in is first written to the offline queue (static/js/
 * offline-queue.js) with the real scan time and a random nonce, then sent.
 * When the network is down the queue waits and is sent again when it
 * returns; the server keeps one record per nonce, so sending a scan twice
 * is harmless and the original time is kept.
 */
(function () {
  "use strict";

  var root = document.getElementById("checkin");
  if (!root) {
    return;
  }
  var scanUrl = root.dataset.scanUrl;
  var countsUrl = root.dataset.countsUrl;
  var undoUrl = root.dataset.undoUrl;
  var csrf = root.dataset.csrf;
  var resultBox = document.getElementById("result");
  var undoButton = document.getElementById("undo");
  var pendingCount = document.getElementById("pending-count");
  var liveNonce = ""; // the scan made last on this page: its answer is shown
  var lastToken = "";
  var lastTokenAt = 0;
  var undoTimer = null;

  function newNonce() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function show(result) {
    resultBox.hidden = false;
    resultBox.className = "checkin-result checkin-" + (result.colour || "red");
    // A note (the device's clock was not believed) is said with the outcome.
    document.getElementById("result-message").textContent = [result.message, result.note].filter(Boolean).join(" ");
    document.getElementById("result-name").textContent = result.name || "";
    document.getElementById("result-unit").textContent = result.unit || "";
    if (undoTimer) {
      window.clearTimeout(undoTimer);
    }
    undoButton.hidden = !result.attendance;
    if (result.attendance) {
      undoButton.dataset.attendance = String(result.attendance);
      // The server refuses an undo after a minute; the button goes first.
      undoTimer = window.setTimeout(function () {
        undoButton.hidden = true;
      }, 55000);
    }
  }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (key) {
      if (data[key]) {
        body.append(key, data[key]);
      }
    });
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      body: body,
    });
  }

  var queue = window.OfflineQueue({
    key: root.dataset.queueKey,
    id: function (item) {
      return item.nonce;
    },
    send: function (item) {
      return post(scanUrl, item)
        .then(function (response) {
          if (response.status >= 500 || response.status === 403 || response.redirected) {
            // Server trouble or signed out: keep the scan for later.
            throw new Error("not accepted");
          }
          return response.json();
        })
        .then(function (result) {
          if (item.nonce === liveNonce) {
            show(result);
          }
          if (result.outcome === "ok") {
            refreshCounts();
          }
        });
    },
    onChange: function (items) {
      pendingCount.textContent = String(items.length);
    },
    retryMs: 10000,
  });

  function checkIn(fields) {
    var item = {
      nonce: newNonce(),
      scanned_at: new Date().toISOString(),
      token: fields.token || "",
      registration: fields.registration || "",
    };
    liveNonce = item.nonce;
    queue.put(item);
    if (!navigator.onLine) {
      show({ colour: "amber", message: root.dataset.msgOffline });
      return;
    }
    queue.flush().catch(function () {
      if (queue.has(item.nonce)) {
        show({ colour: "amber", message: root.dataset.msgOffline });
      }
    });
  }

  function onCode(text) {
    var now = Date.now();
    // The camera sees the same code for several frames; one scan per code.
    if (text === lastToken && now - lastTokenAt < 4000) {
      return;
    }
    lastToken = text;
    lastTokenAt = now;
    checkIn({ token: text });
  }

  function startCamera() {
    var video = document.getElementById("camera");
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
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        function tick() {
          if (video.readyState < 2) {
            window.requestAnimationFrame(tick);
            return;
          }
          if (detector) {
            detector.detect(video).then(function (codes) {
              if (codes.length) {
                onCode(codes[0].rawValue);
              }
              window.setTimeout(tick, 200);
            }, function () {
              window.setTimeout(tick, 500);
            });
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
        show({ colour: "red", message: root.dataset.msgNoCamera });
      });
  }

  document.getElementById("start-camera").addEventListener("click", startCamera);

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".check-in-button");
    if (button) {
      checkIn({ registration: button.dataset.registration });
    }
  });

  undoButton.addEventListener("click", function () {
    var id = undoButton.dataset.attendance;
    post(undoUrl.replace(/\/0\/$/, "/" + id + "/"), {})
      .then(function (response) {
        return response.json();
      })
      .then(function (result) {
        undoButton.hidden = true;
        show({ colour: result.ok ? "amber" : "red", message: result.message });
      });
  });

  function refreshCounts() {
    window.fetch(countsUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (counts) {
        document.getElementById("count-attended").textContent = String(counts.attended);
        document.getElementById("count-registered").textContent = String(counts.registered);
      })
      .catch(function () {});
  }

  window.setInterval(function () {
    if (navigator.onLine) {
      refreshCounts();
    }
  }, 10000);
  queue.flush().catch(function () {});
})();
