/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  // The navigation is an open <details> so it shows without JavaScript; on phones fold it.
  function foldNavOnPhones() {
    var nav = document.querySelector(".nav-toggle");
    if (nav) nav.open = !window.matchMedia("(max-width: 720px)").matches;
  }
  // Copy a clause citation: buttons carry data-copy with the text to copy.
  function onClick(event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var done = function () {
      var original = button.textContent;
      button.textContent = "已复制";
      button.setAttribute("data-copied", text);
      toast("已复制：" + text);
      setTimeout(function () { button.textContent = original; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  }
  // A short message at the foot of the screen (one at a time), read out by screen readers.
  var toastTimer = null;
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast"; box.className = "toast"; box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 2500);
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) { /* the citation stays visible in data-copied */ }
    document.body.removeChild(area);
  }
  document.addEventListener("DOMContentLoaded", foldNavOnPhones);
  document.addEventListener("htmx:afterSettle", foldNavOnPhones);
  document.addEventListener("click", onClick);
})();
