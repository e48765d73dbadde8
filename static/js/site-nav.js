// The header menu is a <details> disclosure that works without JavaScript.
// This only refines it: on wide screens the menu stays open as a bar, and
// the "My training" dropdown closes on Escape or a click elsewhere.
(function () {
    "use strict";
    var menu = document.querySelector("[data-site-menu]");
    if (!menu) { return; }
    var wide = window.matchMedia("(min-width: 72rem)");
    function fit() { menu.open = wide.matches; }
    fit();
    if (wide.addEventListener) { wide.addEventListener("change", fit); }

    var dropdowns = Array.prototype.slice.call(document.querySelectorAll("[data-nav-dropdown]"));
    function closeAll(except) {
        dropdowns.forEach(function (d) { if (d !== except) { d.open = false; } });
    }
    document.addEventListener("click", function (event) {
        if (!wide.matches) { return; }
        var inside = dropdowns.filter(function (d) { return d.contains(event.target); })[0];
        closeAll(inside);
    });
    document.addEventListener("keydown", function (event) {
        if (event.key !== "Escape") { return; }
        dropdowns.forEach(function (d) {
            if (d.open) {
                d.open = false;
                d.querySelector("summary").focus();
            }
        });
        if (!wide.matches && menu.open && menu.contains(document.activeElement)) {
            menu.open = false;
            menu.querySelector("summary").focus();
        }
    });
}());
