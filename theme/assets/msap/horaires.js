// « Ouvert maintenant / ouvre à … » calculé dans le navigateur à l'heure du fuseau de la Maison (les
// Maisons d'outre-mer ne vivent pas à l'heure de Paris), exceptions comprises : sur la fiche d'une Maison,
// et pour « Près de chez moi » (window.msapOuverture.statut).
(function () {
  "use strict";
  var JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
  var formats = {};

  function maintenant(data) {
    // Date et heure « murales » dans le fuseau de la Maison.
    var parts = {};
    var format = formats[data.tz] || (formats[data.tz] = new Intl.DateTimeFormat("en-GB", {
      timeZone: data.tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short"
    }));
    format.formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    var jour = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday);
    return { iso: parts.year + "-" + parts.month + "-" + parts.day, jour: jour,
             minutes: parseInt(parts.hour, 10) * 60 + parseInt(parts.minute, 10) };
  }

  function decaler(iso, n) {
    var d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function exceptionDu(data, iso) {
    for (var i = 0; i < data.exceptions.length; i++) {
      var e = data.exceptions[i];
      if (e.du <= iso && iso <= e.au) return e;
    }
    return null;
  }

  function creneaux(data, iso, jour) {
    var e = exceptionDu(data, iso);
    return e ? { liste: e.creneaux, motif: e.motif } : { liste: data.semaine[jour], motif: null };
  }

  function hhmm(m) {
    var h = Math.floor(m / 60), mm = m % 60;
    return (h < 10 ? "0" : "") + h + ":" + (mm < 10 ? "0" : "") + mm;
  }

  function statut(data) {
    var now = maintenant(data);
    var today = creneaux(data, now.iso, now.jour);
    for (var i = 0; i < today.liste.length; i++) {
      var c = today.liste[i];
      if (c[0] <= now.minutes && now.minutes < c[1]) {
        return { ouvert: true, texte: "Ouvert maintenant, jusqu'à " + hhmm(c[1]) +
                 (today.motif ? " (" + today.motif + ")" : "") };
      }
    }
    var fermeture = today.motif && !today.liste.length ? " aujourd'hui (" + today.motif + ")" : "";
    for (var n = 0; n < 15; n++) {
      var iso = decaler(now.iso, n), jour = (now.jour + n) % 7;
      var jourCreneaux = creneaux(data, iso, jour).liste;
      for (var k = 0; k < jourCreneaux.length; k++) {
        var debut = jourCreneaux[k][0];
        if (n === 0 && debut <= now.minutes) continue;
        var quand = n === 0 ? "aujourd'hui" : n === 1 ? "demain" : JOURS[jour];
        return { ouvert: false, texte: "Fermé" + fermeture + " — ouvre " + quand + " à " + hhmm(debut) };
      }
    }
    return { ouvert: false, texte: "Fermé" + fermeture + " — pas d'ouverture prévue dans les deux semaines" };
  }

  // --- passages d'une permanence itinérante -------------------------------------------------------------
  var MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"];
  function jourDe(iso) { return (new Date(iso + "T12:00:00Z").getUTCDay() + 6) % 7; }
  function ecart(a, b) { return Math.round((new Date(a + "T12:00:00Z") - new Date(b + "T12:00:00Z")) / 86400000); }
  function passe(arret, iso) {  // la permanence vient-elle ce jour-là ?
    if (JOURS[jourDe(iso)] !== arret.jour) return false;
    if (arret.frequence === "mensuelle") return arret.semaines.indexOf(Math.floor((+iso.slice(8, 10) - 1) / 7) + 1) >= 0;
    if (arret.frequence === "bimensuelle") return !!arret.premier_passage && ecart(iso, arret.premier_passage) % 14 === 0;
    return true;
  }
  function finDuJour(arret) {  // la fin du dernier créneau, en minutes (toute la journée sans horaires)
    var liste = arret.horaires || [];
    if (!liste.length) return 24 * 60;
    return Math.max.apply(null, liste.map(function (c) { var p = c.split("-")[1].split(":"); return +p[0] * 60 + +p[1]; }));
  }
  // Le prochain passage, à l'heure du fuseau ``tz`` : { iso, texte } (« aujourd'hui », « demain »,
  // « mardi 8 décembre ») ; aujourd'hui ne compte plus une fois son dernier créneau fini. null : inconnu.
  function prochainPassage(arret, tz) {
    if (arret.frequence === "bimensuelle" && !arret.premier_passage) return null;
    var now = maintenant({ tz: tz || "Europe/Paris" });
    for (var n = 0; n < 400; n++) {
      var iso = decaler(now.iso, n);
      if (!passe(arret, iso) || (n === 0 && now.minutes >= finDuJour(arret))) continue;
      var texte = n === 0 ? "aujourd'hui" : n === 1 ? "demain" :
        JOURS[jourDe(iso)] + " " + (+iso.slice(8, 10) === 1 ? "1er" : +iso.slice(8, 10)) + " " + MOIS[+iso.slice(5, 7) - 1];
      return { iso: iso, texte: texte };
    }
    return null;
  }

  window.msapOuverture = { statut: statut, prochainPassage: prochainPassage, JOURS: JOURS };
  // Sur la fiche : le prochain passage de chaque permanence, à la date du jour (la page donne celui du jour
  // de sa publication).
  var cellules = document.querySelectorAll("[data-passage]");
  for (var c = 0; c < cellules.length; c++) {
    var passage = prochainPassage(JSON.parse(cellules[c].getAttribute("data-passage")),
                                  cellules[c].getAttribute("data-tz"));
    if (passage) cellules[c].textContent = passage.texte.charAt(0).toUpperCase() + passage.texte.slice(1);
  }
  var source = document.getElementById("msap-horaires");
  var sortie = document.getElementById("msap-statut");
  if (!source || !sortie) return;
  var data = JSON.parse(source.textContent);

  function afficher() {
    var s = statut(data);
    sortie.textContent = s.texte;
    sortie.className = "msap-statut " + (s.ouvert ? "msap-statut--ouvert" : "msap-statut--ferme");
    var now = maintenant(data);
    var jourTexte = document.getElementById("msap-aujourdhui");
    if (jourTexte) {  // today's hours at the top of the fiche (the exceptions of the day included)
      var c = creneaux(data, now.iso, now.jour);
      var plages = (c.liste || []).map(function (p) { return hhmm(p[0]) + " – " + hhmm(p[1]); }).join(", ");
      jourTexte.textContent = "Aujourd'hui : " + (plages || "fermé") + (c.motif ? " (" + c.motif + ")" : "");
      jourTexte.hidden = false;
    }
    var lignes = document.querySelectorAll(".msap-horaires tr[data-jour]");
    for (var i = 0; i < lignes.length; i++) {
      var aujourdhui = parseInt(lignes[i].getAttribute("data-jour"), 10) === now.jour;
      lignes[i].classList.toggle("msap-aujourdhui", aujourdhui);
      if (aujourdhui) lignes[i].setAttribute("aria-current", "date"); else lignes[i].removeAttribute("aria-current");
    }
  }

  afficher();
  setInterval(afficher, 60000);
})();
