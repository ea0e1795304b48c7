/* The preview of a fiche Maison in the editor: Decap's own preview of every field, except the opening hours,
   shown as the portal shows them (a table with the day names, « Fermé » for a day without slots). */
(function () {
  "use strict";
  var CMS = window.CMS, h = window.h, createClass = window.createClass;
  if (!CMS || !h || !createClass) { return; }
  var JOURS = [["lundi", "Lundi"], ["mardi", "Mardi"], ["mercredi", "Mercredi"], ["jeudi", "Jeudi"],
               ["vendredi", "Vendredi"], ["samedi", "Samedi"], ["dimanche", "Dimanche"]];

  function plain(value) {
    if (value && typeof value.toJS === "function") { return value.toJS(); }
    return value || {};
  }
  function creneaux(slots) {
    return (slots || []).filter(Boolean).map(function (s) { return String(s).replace("-", " – "); }).join(", ");
  }

  var Horaires = function (props) {
    var semaine = plain(props.value);
    return h("section", { className: "msap-apercu-horaires" },
      h("h2", {}, "Horaires"),
      h("table", {},
        h("caption", {}, "Horaires d'une semaine ordinaire"),
        h("tbody", {}, JOURS.map(function (jour) {
          var texte = creneaux(semaine[jour[0]]);
          return h("tr", { key: jour[0] }, h("th", { scope: "row" }, jour[1]), h("td", {}, texte || "Fermé"));
        }))));
  };

  var Fiche = createClass({
    render: function () {
      var props = this.props, data = props.entry.get("data");
      return h("div", { className: "msap-apercu" }, props.collection.get("fields").map(function (field) {
        var name = field.get("name");
        if (name === "horaires") {
          return h(Horaires, { key: name, value: data && data.get(name) });
        }
        return h("div", { key: name }, props.widgetFor(name));
      }).toArray());
    }
  });

  CMS.registerPreviewTemplate("maisons", Fiche);
  CMS.registerPreviewStyle(
    ".msap-apercu-horaires table { border-collapse: collapse; margin: .5rem 0 1rem; }" +
    ".msap-apercu-horaires caption { text-align: left; font-size: .875rem; color: #3a3a3a; }" +
    ".msap-apercu-horaires th, .msap-apercu-horaires td { text-align: left; padding: .2rem 1rem .2rem 0; }",
    { raw: true });
})();
