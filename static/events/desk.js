// The registration desk's type-ahead and "tick all". Without JavaScript the
// same searches work by submitting their forms; this only saves the trip.
(function () {
    "use strict";

    function debounce(fn, wait) {
        let timer = null;
        return function () {
            const args = arguments;
            clearTimeout(timer);
            timer = setTimeout(function () { fn.apply(null, args); }, wait);
        };
    }

    function fetchInto(url, query, target) {
        const address = new URL(url, window.location.href);
        address.searchParams.set("q", query);
        return fetch(address, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
            .then(function (response) { return response.ok ? response.text() : ""; })
            .then(function (html) {
                // Only the latest answer counts: an earlier, slower one must not overwrite it.
                if (target.dataset.query === query) {
                    target.innerHTML = html;
                }
            })
            .catch(function () { /* offline: the form's own submit still works */ });
    }

    // People: the server's fragment carries the forms to register, substitute or add an organiser.
    document.querySelectorAll("input[data-typeahead=people]").forEach(function (input) {
        const target = document.getElementById(input.dataset.results);
        if (!target) {
            return;
        }
        input.addEventListener("input", debounce(function () {
            const query = input.value.trim();
            target.dataset.query = query;
            fetchInto(input.dataset.source, query, target);
        }, 250));
    });

    // Units: tapping a suggestion puts its code in the field.
    const unitsUrl = document.querySelector("[data-units-url]");
    document.querySelectorAll("input[data-typeahead=units]").forEach(function (input) {
        if (!unitsUrl) {
            return;
        }
        const target = document.createElement("div");
        target.className = "desk-typeahead-results";
        input.insertAdjacentElement("afterend", target);
        input.addEventListener("input", debounce(function () {
            const query = input.value.trim();
            target.dataset.query = query;
            if (query.length < 2) {
                target.innerHTML = "";
                return;
            }
            fetchInto(unitsUrl.dataset.unitsUrl, query, target);
        }, 250));
        target.addEventListener("click", function (event) {
            const button = event.target.closest("[data-unit-code]");
            if (button) {
                input.value = button.dataset.unitCode;
                target.innerHTML = "";
                input.focus();
            }
        });
    });

    document.querySelectorAll("input[data-check-all]").forEach(function (all) {
        all.addEventListener("change", function () {
            document.querySelectorAll("input[type=checkbox][name=" + all.dataset.checkAll + "]").forEach(function (box) {
                box.checked = all.checked;
            });
        });
    });
}());
