/* Plan d'accès d'une fiche : une carte zoomée autour du repère, chargée à la demande (Leaflet du portail et le
   fond de carte configuré). Sans JavaScript, ou tant qu'on ne la demande pas, la page reste légère : la situation
   dans le département et le lien « Voir sur une carte » suffisent. Si le fond de carte ne se charge pas, le
   repère reste sur la carte et la situation dans le département reste affichée. */
(function () {
  "use strict";
  var bloc = document.getElementById("msap-plan");
  if (!bloc) return;
  var bouton = document.getElementById("msap-plan-ouvrir");
  var conteneur = document.getElementById("msap-plan-carte");
  var etat = document.getElementById("msap-plan-etat");
  var d = bloc.dataset;
  bloc.hidden = false;

  function charger(balise, attributs) {
    return new Promise(function (ok, echec) {
      var el = document.createElement(balise);
      Object.keys(attributs).forEach(function (k) { el.setAttribute(k, attributs[k]); });
      el.onload = ok; el.onerror = echec;
      document.head.appendChild(el);
    });
  }

  function dire(texte) { etat.textContent = texte; }

  function dessiner() {
    var lat = parseFloat(d.lat), lon = parseFloat(d.lon);
    conteneur.hidden = false;
    var carte = L.map(conteneur, { center: [lat, lon], zoom: d.precision === "commune" ? 14 : 16, minZoom: 5,
                                   maxZoom: 18, keyboard: true, scrollWheelZoom: false });
    carte.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var vues = 0, erreurs = 0;
    if (d.tuiles) {
      var fond = L.tileLayer(d.tuiles, { maxZoom: 18 });
      fond.getAttribution = function () { return document.createTextNode(d.attribution || "").textContent; };
      fond.on("tileload", function () {
        if (vues++ === 0) {
          document.querySelectorAll(".msap-minicarte, .msap-minicarte + .msap-note").forEach(function (el) { el.hidden = true; });
          dire("");
        }
      });
      fond.on("tileerror", function () {
        if (++erreurs === 1 && vues === 0) {
          dire("Le fond de carte ne se charge pas : le repère est placé, et la situation dans le département reste affichée plus haut.");
        }
      });
      fond.addTo(carte);
    } else {
      dire("Pas de fond de carte configuré : le repère est placé, et la situation dans le département reste affichée plus haut.");
    }
    L.marker([lat, lon], {
      title: d.nom, alt: d.nom, keyboard: false,
      icon: L.divIcon({ className: "msap-pin msap-pin--maison", iconSize: [18, 18] })
    }).addTo(carte);
    if (d.precision === "commune") {  // placed at the centre of its commune: say so on the map too
      L.circle([lat, lon], { radius: 600, interactive: false, color: "#000091", weight: 1 }).addTo(carte);
    }
    conteneur.focus();
  }

  bouton.addEventListener("click", function () {
    bouton.disabled = true;
    bouton.hidden = true;
    dire("Chargement du plan…");
    var pret = window.L ? Promise.resolve() : Promise.all([
      charger("link", { rel: "stylesheet", href: d.css }),
      charger("script", { src: d.js })
    ]);
    pret.then(dessiner).catch(function () {
      bouton.hidden = false; bouton.disabled = false;
      dire("Le plan n'a pas pu être chargé (connexion ?). Réessayez, ou suivez le lien « Voir sur une carte ».");
    });
  });
})();
