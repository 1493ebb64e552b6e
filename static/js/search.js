/* The header search box as an ARIA combobox over the live results (templates/search/_dropdown.html).
   ↑ ↓ move through the options, the first one chosen when results arrive; Enter opens the chosen
   option (with none chosen the form submits to /search as without JavaScript); Esc closes; "/"
   anywhere outside a text field focuses the box. Every option is a plain link, so a click works
   whether or not this file runs. */
(function () {
  "use strict";
  if (window.PortalSearchBox) return; // hx-boost swaps the body: bind once
  window.PortalSearchBox = true;

  function box() { return document.getElementById("header-q"); }
  function options() {
    var list = document.getElementById("search-listbox");
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }
  function current() {
    return options().filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0];
  }
  function choose(option) {
    var input = box();
    options().forEach(function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function setOpen(open) {
    var input = box(), panel = document.getElementById("search-dropdown");
    if (!input || !panel) return;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    if (!open) choose(null);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "search-dropdown") return;
    var list = options();
    var input = box();
    if (input) input.setAttribute("aria-controls", list.length ? "search-listbox" : "search-dropdown");
    setOpen(list.length > 0);
    if (list.length) choose(list[0]);
  });

  document.addEventListener("keydown", function (event) {
    var input = box();
    if (!input) return;
    if (event.key === "/" && event.target !== input && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var tag = event.target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (event.target !== input) return;
    var list = options(), at = list.indexOf(current());
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      setOpen(true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      choose(list[(at + step + list.length) % list.length]);
    } else if (event.key === "Enter") {
      var chosen = current(), link = chosen && chosen.querySelector("a[href]");
      var panel = document.getElementById("search-dropdown");
      if (link && panel && !panel.hidden) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    } else if (event.key === "Escape") {
      if (input.getAttribute("aria-expanded") === "true") {
        event.preventDefault();
        setOpen(false);
      }
    }
  });

  // Pointer: hovering an option chooses it, so Enter and the mouse agree.
  document.addEventListener("mousemove", function (event) {
    var option = event.target.closest && event.target.closest("#search-listbox [role=option]");
    if (option && option !== current()) choose(option);
  });
  document.addEventListener("input", function (event) {
    if (event.target === box() && !event.target.value.trim()) setOpen(false);
  });
})();
