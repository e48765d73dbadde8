/* A queue that keeps what a page owes the server through a dropped
 * connection or a reload: the door's check-ins, a trainee's quiz answers.
 *
 *   var queue = window.OfflineQueue({
 *     key: "…",                       // localStorage key, one per queue
 *     id: function (item) {…},        // items with the same id replace each other
 *     send: function (item) {…},      // a promise: resolved once the server has
 *                                     // answered for good (the item leaves the
 *                                     // queue, accepted or refused), rejected
 *                                     // to try again later (the item stays)
 *     prepare: function (item) {…},   // optional: the item as it is to be sent now
 *     onChange: function (items) {…}, // optional
 *     retryMs: 3000,
 *   });
 *   queue.put(item); queue.has(id); queue.items(); queue.flush();
 *
 * Items are sent one at a time, oldest first; a failure stops the queue
 * there, so the order holds, and it is sent again after retryMs or as soon
 * as the browser says it is back online. An item put again while it is
 * being sent stays queued and is sent again in its new form.
 *
 * localStorage may refuse (private browsing, a full quota, storage turned
 * off): the queue then lives in this page's memory only, and the page
 * keeps working.
 */
(function () {
  "use strict";

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // reading the property itself throws when storage is blocked
    }
  }

  function load(key) {
    try {
      var items = JSON.parse(storage().getItem(key) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  window.OfflineQueue = function (options) {
    var key = options.key;
    var idOf = options.id;
    var prepare = options.prepare || function (item) { return item; };
    var onChange = options.onChange || function () {};
    var retryMs = options.retryMs || 3000;
    var items = load(key);
    var revisions = {}; // id -> how many times it was put, to spot a change during a send
    var running = null;
    var retryTimer = null;

    function indexOf(id) {
      for (var i = 0; i < items.length; i += 1) {
        if (idOf(items[i]) === id) {
          return i;
        }
      }
      return -1;
    }

    function save() {
      try {
        if (items.length) {
          storage().setItem(key, JSON.stringify(items));
        } else {
          storage().removeItem(key);
        }
      } catch (error) {
        // Kept in memory only (see above).
      }
      onChange(items.slice());
    }

    function put(item) {
      var id = idOf(item);
      var index = indexOf(id);
      revisions[id] = (revisions[id] || 0) + 1;
      if (index < 0) {
        items.push(item);
      } else {
        items[index] = item;
      }
      save();
    }

    function remove(id) {
      var index = indexOf(id);
      if (index >= 0) {
        items.splice(index, 1);
        save();
      }
    }

    function retryLater() {
      if (!retryTimer) {
        retryTimer = window.setTimeout(function () {
          retryTimer = null;
          flush().catch(function () {});
        }, retryMs);
      }
    }

    function next() {
      if (!items.length) {
        return undefined;
      }
      var id = idOf(items[0]);
      var revision = revisions[id] || 0;
      var item = prepare(items[0]);
      items[0] = item;
      save();
      return Promise.resolve(item)
        .then(options.send)
        .then(function () {
          if ((revisions[id] || 0) === revision) {
            remove(id);
          }
          return next();
        });
    }

    // One pass at a time: a second caller shares the pass under way, which
    // also sends what was put after it started.
    function flush() {
      if (!running) {
        running = Promise.resolve()
          .then(next)
          .then(
            function () {
              running = null;
            },
            function (error) {
              running = null;
              retryLater();
              throw error;
            }
          );
      }
      return running;
    }

    window.addEventListener("online", function () {
      flush().catch(function () {});
    });
    onChange(items.slice());

    return {
      put: put,
      remove: remove,
      flush: flush,
      has: function (id) { return indexOf(id) >= 0; },
      items: function () { return items.slice(); },
    };
  };
})();
