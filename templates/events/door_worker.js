/* The door's service worker (events.views.check_in_worker): a reload without network still opens the door.
 *
 * Served from the door's own URL, so its scope is this door page and the
 * URLs under it, nothing else of the site. It keeps the page (as last seen
 * online, with the nonce its Content-Security-Policy header names) and the
 * page's scripts and styles. The door's JSON (roster, search, scans) is not
 * cached here: the page keeps the roster itself and queues scans.
 */
"use strict";

var CACHE = "door:" + self.registration.scope;
var ASSETS = [{% for asset in assets %}"{{ asset|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

function keep(cache, request, response) {
  // Never keep a redirect to the sign-in page or an error in place of the door.
  if (response.ok && !response.redirected && response.type === "basic") {
    return cache.put(request, response.clone()).then(function () {
      return response;
    });
  }
  return response;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      var page = fetch(self.registration.scope, { credentials: "same-origin" }).then(function (response) {
        return keep(cache, self.registration.scope, response);
      });
      return Promise.all([page, cache.addAll(ASSETS)]);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (request.mode === "navigate" && url.href.split("?")[0] === self.registration.scope) {
    // The network first, so the page is fresh when it can be; the kept copy when not.
    event.respondWith(
      caches.open(CACHE).then(function (cache) {
        return fetch(request)
          .then(function (response) {
            return keep(cache, self.registration.scope, response);
          })
          .catch(function () {
            return cache.match(self.registration.scope).then(function (kept) {
              return kept || Response.error();
            });
          });
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(
      caches.match(request).then(function (kept) {
        return kept || fetch(request);
      })
    );
  }
});
