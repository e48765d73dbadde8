// The projector page keeps its code fresh by htmx polling. When a refresh
// fails (venue Wi-Fi down, or the organiser's session gone and the request
// redirected to the sign-in page), the code on the screen goes stale and
// every scan would only be told to scan again: say so on the screen, and
// never swap a sign-in page into the code's place.
(function () {
    "use strict";
    var banner = document.getElementById("projector-stale");

    function stale(on) {
        banner.hidden = !on;
        document.body.classList.toggle("is-stale", on);
    }

    document.body.addEventListener("htmx:beforeSwap", function (event) {
        var asked = new URL(event.detail.pathInfo.finalRequestPath || event.detail.pathInfo.requestPath, location.href);
        var answered = new URL(event.detail.xhr.responseURL || asked.href, location.href);
        if (answered.pathname !== asked.pathname) {
            event.detail.shouldSwap = false;
            stale(true);
        }
    });
    document.body.addEventListener("htmx:afterSwap", function () { stale(false); });
    document.body.addEventListener("htmx:sendError", function () { stale(true); });
    document.body.addEventListener("htmx:responseError", function () { stale(true); });
})();
