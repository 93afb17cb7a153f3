// Roster admin console: the ⋯ menus and the confirmation dialog, by
// keyboard as by mouse. Everything else is htmx and plain links and forms.
(function () {
  "use strict";
  var dialog = function () { return document.getElementById("dialog"); };
  var opener = null; // the control that opened the dialog or a menu, focused again on close

  function closeMenus(except) {
    document.querySelectorAll(".menu-holder").forEach(function (holder) {
      if (holder === except) return;
      holder.innerHTML = "";
      var button = document.querySelector('[aria-controls="' + holder.id + '"]');
      if (button) button.setAttribute("aria-expanded", "false");
    });
  }

  function items(menu) { return Array.prototype.slice.call(menu.querySelectorAll('[role="menuitem"]')); }

  // A menu loaded by htmx: mark its button expanded and focus its first item.
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (target.classList.contains("menu-holder")) {
      closeMenus(target);
      var button = document.querySelector('[aria-controls="' + target.id + '"]');
      if (button) button.setAttribute("aria-expanded", "true");
      opener = button;
      var first = items(target)[0];
      if (first) first.focus();
    }
    if (target === dialog()) {
      if (!dialog().open) dialog().showModal();
      var field = dialog().querySelector("input:not([type=hidden]), select, button");
      if (field) field.focus();
    }
  });

  document.addEventListener("keydown", function (e) {
    var menu = e.target.closest && e.target.closest('[role="menu"]');
    if (menu) {
      var list = items(menu), i = list.indexOf(e.target);
      if (e.key === "ArrowDown") { e.preventDefault(); list[(i + 1) % list.length].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
      if (e.key === "Home") { e.preventDefault(); list[0].focus(); }
      if (e.key === "End") { e.preventDefault(); list[list.length - 1].focus(); }
      if (e.key === "Escape") { e.preventDefault(); closeMenus(null); if (opener) opener.focus(); }
      if (e.key === "Tab") { closeMenus(null); }
    }
  });

  // A menu item opens its confirmation in the dialog (a plain link without script).
  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest('[role="menuitem"][href]');
    if (item && window.htmx) {
      e.preventDefault();
      closeMenus(null);
      window.htmx.ajax("GET", item.getAttribute("href"), { target: "#dialog", swap: "innerHTML" });
      return;
    }
    var cancel = e.target.closest && e.target.closest("dialog [data-close]");
    if (cancel) { e.preventDefault(); dialog().close(); return; }
    if (!(e.target.closest && e.target.closest(".menu-cell"))) closeMenus(null);
  });

  document.addEventListener("close", function (e) {
    if (e.target === dialog()) { dialog().innerHTML = ""; if (opener) opener.focus(); }
  }, true);
})();
