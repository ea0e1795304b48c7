/* The ☰ button of the header opens the drawer of the main sections (theme/main.html). mkdocs-material makes it
   a <label> for a hidden checkbox: a tap works, a keyboard cannot reach it and a screen reader does not know it is
   a button. Here a <button> takes its place: named, aria-expanded kept in step, Enter and Space open and close,
   Escape closes and gives the focus back; focus goes to the first section when the keyboard opens the drawer. */
(function () {
  "use strict";
  // The header's search (its overlay on a phone): the field takes the focus as it opens, the keyboard comes up.
  var recherche = document.getElementById("__search"), champ = document.getElementById("msap-q");
  if (recherche && champ) {
    recherche.addEventListener("change", function () {
      if (recherche.checked) setTimeout(function () { champ.focus(); }, 50);
    });
  }
  var toggle = document.getElementById("__drawer");
  var label = document.querySelector('.md-header label.md-header__button[for="__drawer"]');
  var menu = document.getElementById("msap-menu");
  if (!toggle || !label || !menu) return;
  // A real <button> in place of the label (a label may not take the button role): same look, same icon.
  var button = document.createElement("button");
  button.type = "button";
  button.className = label.className + " msap-menu-bouton";
  button.innerHTML = label.innerHTML;
  button.setAttribute("aria-label", "Menu");
  button.setAttribute("aria-controls", "msap-menu");
  label.replaceWith(button);
  function sync() { button.setAttribute("aria-expanded", toggle.checked ? "true" : "false"); }
  function set(open, focus) {
    if (toggle.checked !== open) { toggle.checked = open; toggle.dispatchEvent(new Event("change")); }
    sync();
    if (open && focus) {
      var first = menu.querySelector("a[href]");
      if (first) setTimeout(function () { first.focus(); }, 50);
    } else if (!open && focus) {
      button.focus();
    }
  }
  // From the keyboard (Enter or Space make a click with no pointer: detail 0) the focus goes into the drawer.
  button.addEventListener("click", function (e) { set(!toggle.checked, e.detail === 0); });
  toggle.addEventListener("change", sync);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && toggle.checked) set(false, true);
  });
  sync();

})();
