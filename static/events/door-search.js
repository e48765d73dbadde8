/* The door's roster: who may come in, kept on the phone for when the network is gone.
 *
 *   var roster = window.DoorRoster("door-roster-12");
 *   roster.replace(json);            // the server's list (events:check_in_roster)
 *   roster.search("nguyen van");     // accent-insensitive, like core.text.fold
 *   roster.byTicket(text)            // a promise of the person a scanned ticket names, or null
 *   roster.byRegistration(uuid); roster.setState(uuid, state, time); roster.loadedAt()
 *
 * A ticket is recognised by the SHA-256 fingerprint of its signed value
 * (events.tokens.ticket_fingerprint): the phone can tell a ticket of this
 * event without holding the key that makes tickets; the server checks the
 * signature when the queued scan reaches it. The list lives in
 * localStorage; when storage is refused it lives in memory for the page.
 */
(function () {
  "use strict";

  // As core.text.fold: đ/Đ by hand (Unicode does not decompose them), then
  // the combining marks go and the rest is lower-cased.
  function fold(value) {
    return String(value || "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D")
      .normalize("NFD")
      .replace(/\p{Mn}/gu, "")
      .normalize("NFC")
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .join(" ");
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function fingerprint(text) {
    if (!window.crypto || !window.crypto.subtle) {
      // Web Crypto exists only on HTTPS (and localhost): without it, no offline validation.
      return Promise.resolve("");
    }
    // The signed value only (before the timestamp and the signature), as events.tokens.ticket_fingerprint.
    var bytes = new TextEncoder().encode(String(text).trim().split(":")[0]);
    return window.crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
      return hex(digest).slice(0, 32);
    });
  }

  window.DoorRoster = function (key) {
    var data = { generated_at: "", people: [] };
    var byUuid = {};
    var byPrint = {};

    function index() {
      byUuid = {};
      byPrint = {};
      data.people.forEach(function (person) {
        byUuid[person.registration] = person;
        byPrint[person.fingerprint] = person;
      });
    }

    function save() {
      try {
        window.localStorage.setItem(key, JSON.stringify(data));
      } catch (error) {
        // Kept in memory only.
      }
    }

    try {
      var stored = JSON.parse(window.localStorage.getItem(key) || "null");
      if (stored && Array.isArray(stored.people)) {
        data = stored;
      }
    } catch (error) {
      // No stored list: it comes with the first download.
    }
    index();

    return {
      fold: fold,
      replace: function (fresh) {
        data = { generated_at: fresh.generated_at, people: fresh.people || [] };
        index();
        save();
      },
      loadedAt: function () {
        return data.generated_at ? new Date(data.generated_at) : null;
      },
      size: function () {
        return data.people.length;
      },
      byRegistration: function (uuid) {
        return byUuid[uuid] || null;
      },
      byTicket: function (text) {
        return fingerprint(text).then(function (print) {
          return (print && byPrint[print]) || null;
        });
      },
      setState: function (uuid, fields) {
        var person = byUuid[uuid];
        if (person) {
          Object.keys(fields).forEach(function (name) {
            person[name] = fields[name];
          });
          save();
        }
      },
      // The same rules as events.selectors.registrations_matching, without phones
      // (they are not downloaded to the phone).
      search: function (query, limit) {
        var folded = fold(query);
        if (!folded) {
          return [];
        }
        var found = [];
        for (var i = 0; i < data.people.length && found.length < (limit || 20); i += 1) {
          var person = data.people[i];
          if (person.status === "cancelled") {
            continue;
          }
          if (
            person.folded.indexOf(folded) >= 0 ||
            person.unit_code === folded ||
            (folded.length >= 3 && person.unit_folded.indexOf(folded) >= 0)
          ) {
            found.push(person);
          }
        }
        return found;
      },
    };
  };
})();
