// « Près de chez moi » : les lieux les plus proches d'une commune, d'un code postal ou de la position, calculés
// entièrement dans le navigateur (index des communes du site, aucun service de géocodage), la carte (Leaflet
// servi par le site, fond de carte facultatif) et la liste de ce que montre la carte. État dans l'adresse.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("msap-localisateur-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var champ = $("loc-q"), suggestions = $("loc-suggestions"), statut = $("loc-statut");
  var resultats = $("loc-resultats"), blocResultats = $("loc-bloc-resultats");
  var filtres = { op: $("f-op"), activite: $("f-activite"), rdv: $("f-rdv"), ouvert: $("f-ouvert"), samedi: $("f-samedi") };
  var R = 6371.0088, RAD = Math.PI / 180;
  var JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
  var lieux = [], point = null, choix = -1, trouvees = [];
  var carte = null, calques = {};
  // The map's zone is folded in the page as served. A shared address asks for an answer: the zone unfolds once
  // the list is shown above it (else the list, arriving later, pushed a visible map down: Lighthouse measured a
  // layout shift of 0.79 on a phone); without one, at once.
  var zoneCarte = $("loc-zone-carte");
  function deplier() { if (zoneCarte) zoneCarte.classList.remove("msap-loc-zone-carte--repliee"); }
  if (!/[?&](q|lat)=/.test(location.search)) deplier();

  // --- textes ---------------------------------------------------------------------------------------------
  function km(d) { return d.toFixed(1).replace(".", ",") + "\u00a0km"; }
  function echapper(t) {
    return String(t).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function lien(url) {
    // Les données ouvertes portent des adresses complètes : on les rend relatives au site servi.
    return url && url.indexOf(config.site) === 0 ? config.racine + url.slice(config.site.length) : url;
  }
  function cible() { return config.cible ? ' target="' + config.cible + '"' : ""; }

  // --- distances (haversine : la même formule que le générateur) -------------------------------------------
  function distance(lat1, lon1, lat2, lon2) {
    var p1 = lat1 * RAD, p2 = lat2 * RAD, dp = p2 - p1, dl = (lon2 - lon1) * RAD;
    var h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * R * Math.asin(Math.sqrt(Math.min(h, 1)));
  }

  // --- horaires -----------------------------------------------------------------------------------------------
  function minutes(hhmm) { var p = hhmm.split(":"); return parseInt(p[0], 10) * 60 + parseInt(p[1], 10); }
  function creneaux(liste) {
    return (liste || []).map(function (c) { var p = c.split("-"); return [minutes(p[0]), minutes(p[1])]; });
  }
  function jourListe(valeur) { return valeur ? valeur.split(" ; ") : []; }
  function ouverture(p) {
    var semaine = JOURS.map(function (j) { return creneaux(jourListe(p[j])); });
    if (!semaine.some(function (s) { return s.length; })) return null;
    return { tz: config.fuseaux[p.departement] || "Europe/Paris", semaine: semaine,
             exceptions: (p.exceptions || []).map(function (e) {
               return { du: e.du, au: e.au, motif: e.motif, creneaux: creneaux(e.horaires) }; }) };
  }
  function etat(lieu) {
    if (lieu.arret && lieu.arret.frequence !== "hebdomadaire" && window.msapOuverture) {
      // le prochain passage (le 2e mardi du mois, une semaine sur deux…) ; le jour même, ouvert ou pas
      var tz = config.fuseaux[lieu.arret.departement] || "Europe/Paris";
      var passage = window.msapOuverture.prochainPassage(lieu.arret, tz);
      if (!passage) return { ouvert: false, texte: "Passage le " + lieu.arret.jour + " : renseignez-vous avant de venir" };
      if (passage.texte === "aujourd'hui" && lieu.ouverture) return window.msapOuverture.statut(lieu.ouverture);
      return { ouvert: false, texte: "Prochain passage : " + passage.texte +
               (lieu.arret.horaires && lieu.arret.horaires.length ? " (" + lieu.arret.horaires.join(", ").replace(/-/g, " – ") + ")" : "") };
    }
    if (!lieu.ouverture || !window.msapOuverture) return { ouvert: false, texte: "Horaires non communiqués" };
    return window.msapOuverture.statut(lieu.ouverture);
  }

  // --- données : les lieux (GeoJSON publiés) et l'index des communes ---------------------------------------
  function charger(url) {
    return fetch(url).then(function (r) { if (!r.ok) throw new Error(url); return r.json(); });
  }
  function lireLieux(maisons, arrets) {
    var parId = {};
    maisons.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      parId[p.id] = p;
      lieux.push({ lat: c[1], lon: c[0], nom: p.nom, commune: p.commune, url: lien(p.url), maison: p,
                   ouverture: ouverture(p), samedi: !!p.samedi });
    });
    arrets.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates, m = parId[p.maison] || {};
      var semaine = JOURS.map(function (j) { return j === p.jour ? creneaux(p.horaires) : []; });
      lieux.push({ lat: c[1], lon: c[0], nom: p.lieu, commune: p.commune, url: lien(p.url), maison: m, arret: p,
                   nomMaison: p.nom_maison, samedi: p.jour === "samedi",
                   ouverture: p.horaires && p.horaires.length ? { tz: config.fuseaux[p.departement] || "Europe/Paris",
                     semaine: semaine, exceptions: [] } : null });
    });
  }
  // The communes a text may name (the one file of the index it needs, communes.js).
  function indexCommunes(requete) { return window.msapCommunes.charger(config.communes, requete); }

  // --- recherche d'une commune (communes.js) ---------------------------------------------------------------------
  var plier = window.msapCommunes.plier;
  function chercher(liste, requete, dep) { return window.msapCommunes.chercher(liste, requete, dep); }
  function libelle(c) { return c.nom + " (" + c.dep + " – " + c.nomDep + ")"; }

  function afficherSuggestions(liste) {
    // Un code postal complet : toutes ses communes (jusqu'à 60) ; sinon les 12 premières.
    var max = /^[0-9]{5}$/.test(champ.value.replace(/ /g, "")) ? 60 : 12;
    trouvees = liste.slice(0, max);
    choix = -1;
    suggestions.innerHTML = "";
    trouvees.forEach(function (c, i) {
      var li = document.createElement("li");
      li.id = "loc-s-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = libelle(c) + (c.cps.length ? " · " + c.cps.slice(0, 3).join(", ") + (c.cps.length > 3 ? "…" : "") : "");
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choisir(c); });
      suggestions.appendChild(li);
    });
    var ouvert = trouvees.length > 0;
    suggestions.hidden = !ouvert;
    champ.setAttribute("aria-expanded", ouvert ? "true" : "false");
    champ.removeAttribute("aria-activedescendant");
    if (champ.value.trim()) {
      statut.textContent = ouvert ? trouvees.length + (liste.length > max ? " premières" : "") + " communes proposées : flèche bas pour choisir."
        : "Aucune commune ne correspond à « " + champ.value.trim() + " ».";
    }
  }
  function surligner(i) {
    var items = suggestions.children;
    for (var k = 0; k < items.length; k++) items[k].setAttribute("aria-selected", k === i ? "true" : "false");
    choix = i;
    if (i >= 0) champ.setAttribute("aria-activedescendant", "loc-s-" + i);
    else champ.removeAttribute("aria-activedescendant");
  }
  function fermer() { suggestions.hidden = true; champ.setAttribute("aria-expanded", "false"); champ.removeAttribute("aria-activedescendant"); }
  function choisir(c) {
    champ.value = c.nom;
    fermer();
    point = { lat: c.lat, lon: c.lon, nom: c.nom + " (" + c.dep + ")", q: c.nom, dep: c.dep };
    actualiser(true);
  }

  // --- filtres, résultats ----------------------------------------------------------------------------------
  function retenu(l) {
    var op = filtres.op.value, act = filtres.activite.value, rdv = filtres.rdv.value, m = l.maison || {};
    if (op && config.socle.indexOf(op) < 0 && (m.operateurs || "").split(" ; ").indexOf(op) < 0) return false;
    if (act && (m.activites || "").split(" ; ").indexOf(act) < 0) return false;
    if (rdv === "sans" && ["sans", "possible"].indexOf(m.rendez_vous || "sans") < 0) return false;
    if (rdv === "avec" && ["possible", "conseille", "obligatoire"].indexOf(m.rendez_vous) < 0) return false;
    if (filtres.samedi.checked && !l.samedi) return false;
    if (filtres.ouvert.checked && !etat(l).ouvert) return false;
    return true;
  }
  function plusProches(lat, lon, k) {
    var liste = [];
    for (var i = 0; i < lieux.length; i++) {
      if (retenu(lieux[i])) liste.push({ lieu: lieux[i], km: distance(lat, lon, lieux[i].lat, lieux[i].lon), i: i });
    }
    liste.sort(function (a, b) { return (Math.round(a.km * 1e6) - Math.round(b.km * 1e6)) || a.i - b.i; });
    return liste.slice(0, k);
  }
  function nomLieu(l) {
    return '<a href="' + echapper(l.url) + '"' + cible() + ">" + echapper(l.nom) + "</a>" +
      (l.arret ? ' <span class="msap-badge">Permanence</span>' : "");
  }
  function afficherResultats() {
    if (!point) return;
    deplier();  // in the same frame as the list: nothing seen moves afterwards
    var liste = plusProches(point.lat, point.lon, config.resultats);
    resultats.innerHTML = liste.map(function (r) {
      var l = r.lieu, e = etat(l);
      return '<li class="msap-carte-maison" data-distance="' + r.km.toFixed(1) + '">' +
        '<span class="msap-carte-maison__nom">' + nomLieu(l) + "</span>" +
        '<span class="msap-distance">' + km(r.km) + "</span>" +
        "<span>" + echapper(l.commune) + (l.arret ? " · " + echapper(l.nomMaison || "") : "") + "</span>" +
        '<span class="msap-etat ' + (e.ouvert ? "msap-statut--ouvert" : "msap-statut--ferme") + '">' + echapper(e.texte) + "</span></li>";
    }).join("");
    blocResultats.hidden = false;
    $("loc-titre").textContent = "Les lieux les plus proches de " + point.nom;
    statut.textContent = liste.length ? liste.length + " lieux trouvés près de " + point.nom + " ; le plus proche : " +
      liste[0].lieu.nom + ", à " + km(liste[0].km) + "." : "Aucun lieu ne correspond aux filtres choisis.";
    if (carte && liste.length) {
      carte.fitBounds(L.latLngBounds([[point.lat, point.lon]].concat(liste.slice(0, 5).map(function (r) {
        return [r.lieu.lat, r.lieu.lon]; }))).pad(0.2));
    }
  }
  function arrondi(degres) { return Math.round(degres * 100) / 100; }
  function etatAdresse() {
    var p = new URLSearchParams();
    if (point && point.q) { p.set("q", point.q); if (point.dep) p.set("dep", point.dep); }
    else if (point) { p.set("lat", point.lat.toFixed(2)); p.set("lon", point.lon.toFixed(2)); }
    ["op", "activite", "rdv"].forEach(function (k) { if (filtres[k].value) p.set(k, filtres[k].value); });
    ["ouvert", "samedi"].forEach(function (k) { if (filtres[k].checked) p.set(k, "1"); });
    var texte = p.toString();
    history.replaceState(null, "", location.pathname + (texte ? "?" + texte : "") + location.hash);
  }
  function actualiser(annoncer) {
    etatAdresse();
    if (point) afficherResultats();
    dessiner();
    if (annoncer && point) {  // a choice made: its answer comes into view, and a screen reader is taken there
      $("loc-titre").focus({ preventScroll: true });
      // scrolled a frame after the list is laid out: scrolling in the same frame made everything the list pushed
      // down count as a layout shift (scroll-compensated), though none of it was on the screen
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { blocResultats.scrollIntoView({ block: "start" }); });
      });
    }
    if (!annoncer && !point) statut.textContent = "Filtres appliqués à la carte.";
  }

  // --- carte ---------------------------------------------------------------------------------------------------
  function icone(classe, nom) {
    return L.divIcon({ className: "msap-pin " + classe, iconSize: [18, 18],
                       html: '<span class="msap-sr">' + echapper(nom) + "</span>" });
  }
  function groupe(nom) {
    return L.markerClusterGroup({ showCoverageOnHover: false, chunkedLoading: true, iconCreateFunction: function (g) {
      var n = g.getChildCount();
      return L.divIcon({ className: "msap-grappe", iconSize: [38, 38],
                         html: '<span aria-hidden="true">' + n + '</span><span class="msap-sr">Groupe de ' + n + " " + nom + " : zoomer</span>" });
    } });
  }
  function initCarte() {
    if (!window.L || !$("loc-carte")) return;
    carte = L.map("loc-carte", { center: [46.6, 2.4], zoom: 5, minZoom: 3, keyboard: true });
    carte.attributionControl.setPrefix('<a href="https://leafletjs.com"' + cible() + ">Leaflet</a>");
    // Without a background (no tiles configured, or none loads) the outlines carry the départements' names.
    var fondVu = false, noms = L.layerGroup();
    function sansFond() { if (!fondVu && !carte.hasLayer(noms)) noms.addTo(carte); }
    function lisibles() { carte.getContainer().classList.toggle("msap-noms-caches", carte.getZoom() < 7); }
    carte.on("zoomend", lisibles); lisibles();  // below a région's scale the names would overlap
    if (config.tuiles) {
      L.tileLayer(config.tuiles, { attribution: echapper(config.attribution), maxZoom: 18 })
        .on("tileload", function () { fondVu = true; noms.remove(); })
        .on("tileerror", sansFond).addTo(carte);
    }
    charger(config.contours).then(function (geo) {
      var contours = L.geoJSON(geo, { interactive: false, style: { color: "#000091", weight: 1, fillColor: "#e3e3fd", fillOpacity: 0.4 } })
        .addTo(carte).bringToBack();
      contours.eachLayer(function (couche) {
        var p = couche.feature.properties;
        noms.addLayer(L.tooltip({ permanent: true, direction: "center", className: "msap-nom-dep", interactive: false })
          .setLatLng(couche.getBounds().getCenter()).setContent(echapper(p.nom)));
      });
      if (!config.tuiles) sansFond();
    }).catch(function () {});
    outreMer();
    calques.maisons = groupe("Maisons").addTo(carte);
    calques.arrets = groupe("permanences").addTo(carte);
    calques.projets = groupe("projets");
    L.control.layers(null, { "Maisons": calques.maisons, "Permanences itinérantes": calques.arrets,
                             "Projets": calques.projets }, { collapsed: false }).addTo(carte);
    charger(config.projets).then(function (geo) {
      calques.projets.addLayers(geo.features.map(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        return L.marker([c[1], c[0]], { icon: icone("msap-pin--projet", p.titre), title: p.titre })
          .bindPopup('<a href="' + echapper(lien(p.url)) + '"' + cible() + ">" + echapper(p.titre) + "</a><br>" + echapper(p.nom_maison));
      }));
    }).catch(function () {});
    carte.on("moveend", listeVisible);
  }
  // The overseas départements lie far from the metropolitan view: one button each brings the map there.
  var TERRITOIRES = [["Métropole", [[41.3, -5.2], [51.1, 9.6]]], ["Guadeloupe", [[15.8, -61.9], [16.55, -60.95]]],
                     ["Martinique", [[14.38, -61.25], [14.9, -60.8]]], ["Guyane", [[2.1, -54.6], [5.8, -51.6]]],
                     ["La Réunion", [[-21.4, 55.2], [-20.85, 55.85]]], ["Mayotte", [[-13.05, 44.95], [-12.6, 45.35]]]];
  function outreMer() {
    var Controle = L.Control.extend({ options: { position: "bottomleft" }, onAdd: function () {
      var boite = L.DomUtil.create("div", "leaflet-bar msap-territoires");
      boite.setAttribute("role", "group"); boite.setAttribute("aria-label", "Centrer la carte sur");
      TERRITOIRES.forEach(function (t) {
        var b = L.DomUtil.create("button", "", boite);
        b.type = "button"; b.textContent = t[0];
        L.DomEvent.on(b, "click", function (e) { L.DomEvent.stop(e); carte.fitBounds(t[1]); });
      });
      L.DomEvent.disableClickPropagation(boite);
      return boite;
    } });
    new Controle().addTo(carte);
  }
  function dessiner() {
    if (!carte) return;
    var m = [], a = [];
    lieux.forEach(function (l) {
      if (!retenu(l)) return;
      var marqueur = L.marker([l.lat, l.lon], { icon: icone(l.arret ? "msap-pin--arret" : "msap-pin--maison", l.nom), title: l.nom })
        .bindPopup(nomLieu(l) + "<br>" + echapper(l.commune) + "<br>" + echapper(etat(l).texte));
      (l.arret ? a : m).push(marqueur);
    });
    calques.maisons.clearLayers(); calques.maisons.addLayers(m);
    calques.arrets.clearLayers(); calques.arrets.addLayers(a);
    listeVisible();
  }
  function listeVisible() {
    var zone = carte ? carte.getBounds() : null, dans = [];
    lieux.forEach(function (l) { if (retenu(l) && (!zone || zone.contains([l.lat, l.lon]))) dans.push(l); });
    $("loc-liste-statut").textContent = dans.length + " lieux dans la zone affichée" +
      (dans.length > 100 ? " ; les 100 premiers sont listés : zoomez ou cherchez votre commune pour préciser." : ".");
    $("loc-liste").innerHTML = dans.slice(0, 100).map(function (l) {
      return "<li>" + nomLieu(l) + " — " + echapper(l.commune) + "</li>";
    }).join("");
  }

  // --- interactions ----------------------------------------------------------------------------------------------
  var fermeture = 0;  // the list closes a moment after the field loses focus (a click on it lands first)
  champ.addEventListener("focus", function () { clearTimeout(fermeture); });
  champ.addEventListener("input", function () {
    var tape = champ.value;
    // the list of an earlier text goes at once (a file of the index may take a moment on a slow line); an
    // answer already loaded comes back before the next frame, so the list does not flicker
    fermer();
    indexCommunes(tape).then(function (liste) {
      if (champ.value === tape) afficherSuggestions(chercher(liste, tape));  // a later keystroke has its own answer
    }).catch(function () {});
  });
  champ.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && trouvees.length) { e.preventDefault(); suggestions.hidden = false; surligner((choix + 1) % trouvees.length); }
    else if (e.key === "ArrowUp" && trouvees.length) { e.preventDefault(); surligner(choix <= 0 ? trouvees.length - 1 : choix - 1); }
    else if (e.key === "Escape") { fermer(); }
    else if (e.key === "Enter" && choix >= 0 && !suggestions.hidden) { e.preventDefault(); choisir(trouvees[choix]); }
  });
  champ.addEventListener("blur", function () { clearTimeout(fermeture); fermeture = setTimeout(fermer, 150); });
  // The one commune meant, or none: several candidates are listed to choose from, never one picked silently
  // (« 19130 » is Objat and four other communes; « Saint-Denis » is in several départements).
  function seule(liste, requete) {
    if (liste.length === 1) return liste[0];
    var q = plier(requete || ""), exactes = liste.filter(function (c) { return c.cle === q; });
    return exactes.length === 1 && !/^[0-9 ]+$/.test(q) ? exactes[0] : null;
  }
  function proposer(liste) {
    afficherSuggestions(liste);
    statut.textContent = trouvees.length + " communes correspondent à « " + champ.value.trim() +
      " » : choisissez la vôtre dans la liste (flèche bas, puis Entrée).";
    champ.focus();
  }
  $("loc-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var tape = champ.value;
    indexCommunes(tape).then(function (communes) {
      var liste = chercher(communes, tape), une = seule(liste, tape);
      if (une) choisir(une);
      else if (liste.length) proposer(liste);
      else statut.textContent = "Aucune commune ne correspond à « " + tape.trim() + " » : vérifiez l'orthographe ou tapez le code postal.";
    }).catch(function () {
      statut.textContent = "L'index des communes n'a pas pu être chargé (connexion ?) : réessayez.";
    });
  });
  $("loc-geo").addEventListener("click", function () {
    if (!navigator.geolocation) { statut.textContent = "Votre navigateur ne donne pas la position : tapez votre commune."; return; }
    statut.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      // rounded to 0.01° (about 1 km): enough to find the nearest place, and the address bar (which a person may
      // share) does not carry where they stand to the metre; the same rounding makes a shared address reproduce it
      point = { lat: arrondi(pos.coords.latitude), lon: arrondi(pos.coords.longitude), nom: "votre position" };
      pret.then(function () { actualiser(true); });
    }, function (erreur) {
      statut.textContent = (erreur.code === 1 ? "Vous n'avez pas autorisé l'accès à votre position"
        : "Position indisponible") + " : tapez votre commune ou votre code postal.";
      champ.focus();
    },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  });
  Object.keys(filtres).forEach(function (k) { filtres[k].addEventListener("change", function () { actualiser(false); }); });

  // --- démarrage : les lieux, la carte, puis l'état de l'adresse ------------------------------------------------
  var params = new URLSearchParams(location.search);
  ["op", "activite", "rdv"].forEach(function (k) { if (params.get(k)) filtres[k].value = params.get(k); });
  ["ouvert", "samedi"].forEach(function (k) { filtres[k].checked = params.get(k) === "1"; });
  // The filters are folded on a phone (the answer first), open on a wider screen or when one is set.
  var actifs = ["op", "activite", "rdv"].some(function (k) { return filtres[k].value; }) ||
    filtres.ouvert.checked || filtres.samedi.checked;
  if (actifs || window.matchMedia("(min-width: 60em)").matches) $("loc-filtres").open = true;
  // The map is drawn when it comes near the screen: on a phone the answer comes first and the map, below it,
  // costs nothing until one scrolls to it (Leaflet, thousands of pins and the outlines held up the page's first
  // seconds: Lighthouse counted 1.1 s of blocked main thread on a mid-range phone).
  var zone = $("loc-carte"), guet = null;
  if (zone && "IntersectionObserver" in window) {
    guet = new IntersectionObserver(function (vues) {
      if (!vues.some(function (v) { return v.isIntersecting; })) return;
      guet.disconnect();
      initCarte();
      dessiner();
    }, { rootMargin: "300px 0px" });
  } else {
    initCarte();
  }
  var pret = Promise.all([charger(config.maisons), charger(config.arrets)]).then(function (d) {
    lireLieux(d[0], d[1]);
    var lat = parseFloat(params.get("lat")), lon = parseFloat(params.get("lon"));
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {  // false for a missing or mangled value (NaN)
      point = { lat: arrondi(lat), lon: arrondi(lon), nom: "la position indiquée" };
      actualiser(true);
      return;
    }
    if (params.get("q")) {
      champ.value = params.get("q");
      return indexCommunes(params.get("q")).then(function (communes) {
        var liste = chercher(communes, params.get("q"), params.get("dep")), une = seule(liste, params.get("q"));
        dessiner();
        if (une) choisir(une); else if (liste.length) proposer(liste);
      });
    }
    dessiner();
  }).catch(function () {
    statut.textContent = "Les lieux n'ont pas pu être chargés : rechargez la page, ou utilisez les listes par département.";
  });
  // watched once the answer a shared address asks for is shown (it pushes the map down, often off the screen)
  pret.then(function () {
    deplier();
    if (guet) guet.observe(zone);
  });
  window.msapLocalisateur = { pret: pret, chercher: function (q, dep) { return indexCommunes(q).then(function (l) { return chercher(l, q, dep); }); },
                              plusProches: plusProches, lieux: lieux };
})();
