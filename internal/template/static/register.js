// register.js checks, while the person types, whether the username on the sign-up form is
// free, and says so in the live region next to the field (aria-live: screen readers read the
// answer without moving the focus). The form works without this script: its "Check
// availability" button asks the server the same question with a full page load.
//
// The server answers GET <data-availability>?username=… with
// {"available": bool, "message": "…"}, the message already in the page's language.
(function () {
  "use strict";

  var form = document.querySelector("form[data-availability]");
  var input = document.getElementById("username");
  var region = document.getElementById("username-availability");
  if (!form || !input || !region || !window.fetch || !window.AbortController) {
    return;
  }
  var endpoint = form.getAttribute("data-availability");
  // Wait until the person pauses typing, so one check runs per name rather than per key.
  var delayMs = 400;
  var timer = 0;
  var inFlight = null;
  var asked = input.value;

  // The live check does the button's job. Removed rather than hidden: the stylesheet's
  // display: block on buttons would win over the hidden attribute.
  var checkButton = document.getElementById("check-availability");
  if (checkButton && checkButton.parentNode) {
    checkButton.parentNode.removeChild(checkButton);
  }

  function show(text, available) {
    region.textContent = text;
    region.className = available ? "hint" : "field-error";
    if (available) {
      input.removeAttribute("aria-invalid");
    } else {
      input.setAttribute("aria-invalid", "true");
    }
  }

  function check() {
    var name = input.value.trim();
    if (name === asked) {
      return;
    }
    asked = name;
    if (inFlight) {
      inFlight.abort();
    }
    if (name === "") {
      region.textContent = "";
      input.removeAttribute("aria-invalid");
      return;
    }
    var controller = new AbortController();
    inFlight = controller;
    var url = endpoint + (endpoint.indexOf("?") < 0 ? "?" : "&") + "username=" + encodeURIComponent(name);
    fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller.signal
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        // An answer about a name the person has typed over since is not shown.
        if (inFlight !== controller || typeof answer.message !== "string") {
          return;
        }
        inFlight = null;
        show(answer.message, answer.available === true);
      })
      .catch(function () {
        // Aborted, offline or not JSON: say nothing; the server checks again on submit.
        if (inFlight === controller) {
          inFlight = null;
        }
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, delayMs);
  });
  input.addEventListener("blur", function () {
    window.clearTimeout(timer);
    check();
  });
})();
