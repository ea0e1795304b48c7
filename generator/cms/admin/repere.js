/* The pin of a fiche on a map, for Decap CMS (and Sveltia CMS, same registerWidget API).
   The value stays what the model wants: {lat, lon, precision}. Latitude and longitude are plain number
   fields (the keyboard way); the map (Leaflet, served by the portal) moves the pin on a click or a drag.
   Tiles come from the portal's `carte_tuiles` setting; without them the map is blank but the fields work. */
(function () {
  "use strict";
  var script = document.currentScript;
  var TUILES = script ? script.getAttribute("data-tuiles") : "";
  var ATTRIBUTION = script ? script.getAttribute("data-attribution") : "";
  var CMS = window.CMS, h = window.h, createClass = window.createClass;
  if (!CMS || !h || !createClass) { return; }

  function plain(value) {
    if (value && typeof value.toJS === "function") { return value.toJS(); }
    return value && typeof value === "object" ? Object.assign({}, value) : {};
  }
  function number(text) {
    var n = parseFloat(String(text).replace(",", "."));
    return isFinite(n) ? n : null;
  }
  function round(n) { return Math.round(n * 1e6) / 1e6; }

  var Control = createClass({
    componentDidMount: function () {
      if (!window.L || !this.mapNode) { return; }
      var v = plain(this.props.value);
      var start = v.lat != null && v.lon != null ? [v.lat, v.lon] : [46.6, 2.4];
      var map = window.L.map(this.mapNode, { scrollWheelZoom: false }).setView(start, v.lat != null ? 15 : 5);
      if (TUILES) { window.L.tileLayer(TUILES, { attribution: ATTRIBUTION, maxZoom: 18 }).addTo(map); }
      var self = this;
      this.marker = window.L.marker(start, { draggable: true, keyboard: false, title: "Repère de la Maison" });
      if (v.lat != null) { this.marker.addTo(map); }
      this.marker.on("dragend", function () { var p = self.marker.getLatLng(); self.move(p.lat, p.lng); });
      map.on("click", function (e) { self.move(e.latlng.lat, e.latlng.lng); });
      this.map = map;
    },
    componentWillUnmount: function () { if (this.map) { this.map.remove(); } },
    componentDidUpdate: function () {
      var v = plain(this.props.value);
      if (this.map && v.lat != null && v.lon != null) {
        this.marker.setLatLng([v.lat, v.lon]);
        if (!this.map.hasLayer(this.marker)) { this.marker.addTo(this.map); }
      }
    },
    move: function (lat, lon) {
      this.update({ lat: round(lat), lon: round(lon) });
    },
    update: function (changes) {
      var v = Object.assign(plain(this.props.value), changes);
      if (!v.precision) { v.precision = "adresse"; }
      this.props.onChange(v);
    },
    render: function () {
      var self = this, v = plain(this.props.value), id = this.props.forID;
      function coordinate(name, text, min, max) {
        return h("label", { htmlFor: name === "lat" ? id : id + "-" + name },
          text,
          h("input", {
            id: name === "lat" ? id : id + "-" + name, type: "text", inputMode: "decimal",
            value: v[name] == null ? "" : String(v[name]), "aria-describedby": id + "-aide",
            onChange: function (e) {
              var n = number(e.target.value), change = {};
              change[name] = n !== null && n >= min && n <= max ? n : null;
              self.update(change);
            }
          }));
      }
      return h("div", { className: "msap-repere " + (this.props.classNameWrapper || "") },
        h("div", { className: "msap-repere__ligne" },
          coordinate("lat", "Latitude (de -90 à 90)", -90, 90),
          coordinate("lon", "Longitude (de -180 à 180)", -180, 180),
          h("label", { htmlFor: id + "-precision" }, "Précision",
            h("select", {
              id: id + "-precision", value: v.precision || "adresse",
              onChange: function (e) { self.update({ precision: e.target.value }); }
            },
              h("option", { value: "adresse" }, "Adresse exacte"),
              h("option", { value: "commune" }, "Centre de la commune (approximatif)")))),
        h("p", { id: id + "-aide", className: "msap-repere__aide" },
          "Cliquez sur la carte ou faites glisser le repère pour le placer à l'entrée de la Maison ; " +
          "ou tapez les coordonnées en degrés décimaux (par exemple 46.1713 et 1.8719)."),
        h("div", { className: "msap-repere__carte", ref: function (node) { self.mapNode = node; },
                   role: "application", "aria-label": "Carte pour placer le repère" }));
    }
  });

  var Preview = createClass({
    render: function () {
      var v = plain(this.props.value);
      if (v.lat == null || v.lon == null) { return h("p", {}, "Pas de repère : la Maison n'apparaîtra pas sur la carte"); }
      return h("p", {}, "Repère : " + v.lat + ", " + v.lon +
        (v.precision === "commune" ? " (centre de la commune, approximatif)" : " (à l'adresse)"));
    }
  });

  // allowMapValue: Decap hands an object-valued widget's preview the value itself, not value.get(name) (which
  // is what it does without it, and what made the preview say « Pas de repère » for every fiche).
  CMS.registerWidget({ name: "repere", controlComponent: Control, previewComponent: Preview, allowMapValue: true });
})();
