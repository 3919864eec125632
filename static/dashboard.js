// Keyboard shortcuts for working a moderation queue; every action is also a plain form button.
(function () {
  "use strict";

  var items = Array.prototype.slice.call(document.querySelectorAll("[data-commentsvc-item]"));
  var current = -1;

  function focusItem(index) {
    if (!items.length) { return; }
    index = Math.max(0, Math.min(items.length - 1, index));
    if (current >= 0 && items[current]) { items[current].classList.remove("commentsvc-current"); }
    current = index;
    items[current].classList.add("commentsvc-current");
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function act(action) {
    if (current < 0) { return; }
    var button = items[current].querySelector('[data-commentsvc-actions] button[data-action="' + action + '"]');
    if (button) { button.click(); }
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) { return; }
    var keys = { j: function () { focusItem(current + 1); }, k: function () { focusItem(current - 1); },
                 a: function () { act("approve"); }, r: function () { act("reject"); }, s: function () { act("spam"); } };
    var handler = keys[event.key];
    if (handler) { event.preventDefault(); handler(); }
  });

  var selectAll = document.querySelector("[data-commentsvc-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll("[data-commentsvc-select]").forEach(function (box) { box.checked = selectAll.checked; });
    });
  }

  // Times arrive as UTC text (what a page without JavaScript shows); show them in the moderator's own
  // time zone and keep the UTC text as the hover title.
  function pad(number) { return (number < 10 ? "0" : "") + number; }

  function localTime(date, withSeconds) {
    var text = date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      " " + pad(date.getHours()) + ":" + pad(date.getMinutes());
    return withSeconds ? text + ":" + pad(date.getSeconds()) : text;
  }

  document.querySelectorAll("time[data-commentsvc-time]").forEach(function (element) {
    var date = new Date(element.getAttribute("datetime"));
    if (isNaN(date.getTime())) { return; }
    element.title = element.textContent;
    element.textContent = localTime(date, element.getAttribute("data-commentsvc-time") === "seconds");
  });

  if (items.length) { focusItem(0); }
})();
