/* Saisie des visites d'une Maison France services.
 *
 * Chaque visite va d'abord dans une file gardée sur l'appareil (localStorage), puis part vers l'API par lots
 * (POST …/visites/lot). Un lot reçoit sa clé d'idempotence AVANT d'être envoyé, et la garde : un lot renvoyé
 * après une coupure réseau porte la même clé, le serveur ne le compte qu'une fois. Réponse 201 : le lot quitte
 * la file ; pas de réseau : il y reste (nouvel essai au retour du réseau et toutes les 30 s) ; refus (422) : il
 * est mis de côté avec le motif, jamais perdu.
 */
(function () {
  "use strict";

  var API = new URL("../api/v1/", document.baseURI).href;
  var CLE = {
    session: "msap-saisie-session", choix: "msap-saisie-choix", file: "msap-saisie-file",
    listes: "msap-saisie-referentiels", compteur: "msap-saisie-compteur"
  };
  var CHOIX = ["canal", "operateur", "theme", "niveau", "resultat", "tranche_age", "situation"];
  var OBLIGATOIRES = { canal: "Canal", theme: "Thème de la démarche", niveau: "Niveau d'accompagnement",
                       resultat: "Résultat" };
  var TAILLE_LOT = 50, DELAI_RESEAU = 20000, PERIODE = 30000;

  var numeros = {};          // identifiant local d'une visite -> son numéro sur le serveur (cette page)
  var signalees = {};        // visites dont l'envoi est annoncé par « Enregistrer » lui-même
  var synchro = null, encore = false, relance = null, generation = 0, occupe = false, quandModifie = false;

  function $(id) { return document.getElementById(id); }

  // --- stockage sur l'appareil ---------------------------------------------------------------------------
  function lire(cle, defaut) {
    try { var v = localStorage.getItem(cle); return v ? JSON.parse(v) : defaut; } catch (e) { return defaut; }
  }
  function ecrire(cle, valeur) { localStorage.setItem(cle, JSON.stringify(valeur)); }  // peut lever (stockage plein)
  function ecrireSiPossible(cle, valeur) { try { ecrire(cle, valeur); } catch (e) { /* simple confort */ } }
  function file() {
    var f = lire(CLE.file, null) || {};
    f.attente = f.attente || []; f.lots = f.lots || []; f.refuses = f.refuses || [];
    return f;
  }
  // Le jeton ne vit que le temps de l'onglet (sessionStorage) ; avec « Se souvenir de cet appareil », il est gardé
  // sur l'appareil (localStorage) pendant SOUVENIR jours, puis redemandé.
  var SOUVENIR = 30;
  function session() {
    var s = null;
    try { s = JSON.parse(sessionStorage.getItem(CLE.session) || "null"); } catch (e) { s = null; }
    if (!s) {
      s = lire(CLE.session, null);
      if (s && !(s.expire > Date.now())) { oublierSession(); s = null; }
    }
    return s && s.jeton && s.maison ? s : null;
  }
  function garderSession(valeur, souvenir) {
    oublierSession();
    if (souvenir) ecrire(CLE.session, Object.assign({ expire: Date.now() + SOUVENIR * 86400000 }, valeur));
    else sessionStorage.setItem(CLE.session, JSON.stringify(valeur));
  }
  function oublierSession() {
    try { sessionStorage.removeItem(CLE.session); } catch (e) { /* rien à oublier */ }
    try { localStorage.removeItem(CLE.session); } catch (e) { /* rien à oublier */ }
  }

  // --- petits outils ---------------------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function deux(n) { return (n < 10 ? "0" : "") + n; }
  function jour(d) { return d.getFullYear() + "-" + deux(d.getMonth() + 1) + "-" + deux(d.getDate()); }
  function maintenant() { var d = new Date(); return jour(d) + "T" + deux(d.getHours()) + ":" + deux(d.getMinutes()); }
  function aujourdhui() { return jour(new Date()); }
  function nombre(n, mot) { return n + " " + mot + (n > 1 ? "s" : ""); }
  function majuscule(t) { t = String(t || ""); return t.charAt(0).toUpperCase() + t.slice(1); }
  function point(t) { return /[.!?…]$/.test(t) ? t : t + "."; }
  function dateFr(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4); }
  function message(id, texte, genre) {
    var el = $(id);
    el.className = "message" + (genre === "erreur" ? " erreur" : genre === "succes" ? " succes" : "");
    el.textContent = texte || "";
  }

  // --- l'API -----------------------------------------------------------------------------------------------
  async function appel(chemin, o) {
    o = o || {};
    var s = session(), jeton = o.jeton || (s && s.jeton);
    var entetes = { "Accept": o.blob ? "text/csv" : "application/json" };
    if (jeton) entetes.Authorization = "Bearer " + jeton;
    if (o.corps) entetes["Content-Type"] = "application/json";
    if (o.cle) entetes["Idempotency-Key"] = o.cle;
    var controle = window.AbortController ? new AbortController() : null;
    var minuterie = controle && setTimeout(function () { controle.abort(); }, DELAI_RESEAU);
    var reponse, corps;
    try {
      reponse = await fetch(API + chemin, {
        method: o.methode || "GET", headers: entetes, body: o.corps ? JSON.stringify(o.corps) : undefined,
        cache: "no-store", credentials: "omit", signal: controle ? controle.signal : undefined
      });
      corps = o.blob && reponse.ok ? await reponse.blob() : await reponse.text();
    } catch (e) {
      return { reseau: true };
    } finally {
      if (minuterie) clearTimeout(minuterie);
    }
    var donnees = null;
    if (typeof corps === "string" && corps) { try { donnees = JSON.parse(corps); } catch (e) { donnees = null; } }
    return { statut: reponse.status, donnees: donnees, blob: o.blob ? corps : null, entetes: reponse.headers };
  }

  /** The API's reason, in French: « Erreur. Indice : … » (and the refused fields). */
  function motif(r) {
    if (r.reseau) return "Le serveur ne répond pas (pas de réseau ?).";
    var d = r.donnees || {};
    var texte = d.erreur ? point(majuscule(d.erreur)) : "Le serveur a répondu par une erreur (code " + r.statut + ").";
    if (d.details && d.details.length > 1) {
      texte += " " + d.details.map(function (x) { return (x.champ ? x.champ + " : " : "") + x.message; }).join(" ; ") + ".";
    }
    if (d.indice) texte += " Indice : " + point(d.indice);
    return texte;
  }

  // --- connexion -------------------------------------------------------------------------------------------
  function montrerConnexion(texte) {
    $("chargement").hidden = true;
    $("espace").hidden = true;
    $("maison").hidden = true;
    $("deconnexion").hidden = true;
    $("connexion").hidden = false;
    message("connexion-message", texte || "", texte ? "succes" : "");
  }

  function erreurConnexion(texte) {
    var champ = $("jeton");
    champ.setAttribute("aria-invalid", "true");
    message("connexion-message", texte, "erreur");
    champ.focus();
  }

  async function connecter(ev) {
    ev.preventDefault();
    if (occupe) return;
    var champ = $("jeton"), jeton = champ.value.trim();
    if (!jeton) return erreurConnexion("Saisissez le jeton d'accès de la Maison.");
    occupe = true;
    var r = await appel("moi", { jeton: jeton });
    occupe = false;
    if (r.reseau) {
      return erreurConnexion("Le jeton n'a pas pu être vérifié : le serveur ne répond pas. Vérifiez la connexion " +
                             "au réseau puis réessayez.");
    }
    if (r.statut !== 200 || !r.donnees) return erreurConnexion("Jeton refusé. " + motif(r));
    if (r.donnees.role !== "agent" || !r.donnees.maison) {
      return erreurConnexion("Ce jeton de relecture ne permet pas de saisir des visites. Indice : utilisez le " +
                             "jeton d'agent de votre Maison.");
    }
    try {
      garderSession({ jeton: jeton, maison: r.donnees.maison, nom: r.donnees.nom || r.donnees.maison },
                    $("souvenir").checked);
    } catch (e) {
      return erreurConnexion("Ce navigateur ne permet pas de garder le jeton (stockage désactivé ou plein).");
    }
    champ.value = "";
    champ.removeAttribute("aria-invalid");
    message("connexion-message", "");
    await ouvrirEspace(true);
  }

  function deconnecter() {
    var s = session();
    var n = s ? enFile(s.maison).length : 0;
    if (n && !window.confirm(nombre(n, "visite") + " pas encore envoyée" + (n > 1 ? "s" : "") + " : elles restent " +
                             "gardées sur cet appareil et partiront à la prochaine connexion avec un jeton de cette " +
                             "Maison. Se déconnecter quand même ?")) return;
    oublierSession();
    localStorage.removeItem(CLE.compteur);
    montrerConnexion("Vous êtes déconnecté. Saisissez un jeton pour reprendre la saisie.");
    $("jeton").focus();
  }

  // --- le formulaire, construit à partir des listes de référence --------------------------------------------
  async function chargerListes() {
    var gardees = lire(CLE.listes, null);
    if (gardees) {
      construire(gardees);
      appel("referentiels").then(function (r) {  // mises à jour des listes : en arrière-plan
        if (r.statut === 200 && r.donnees && JSON.stringify(r.donnees) !== JSON.stringify(gardees)) {
          ecrireSiPossible(CLE.listes, r.donnees);
          construire(r.donnees);
        }
      });
      return true;
    }
    var r = await appel("referentiels");
    if (r.statut !== 200 || !r.donnees) return false;
    ecrireSiPossible(CLE.listes, r.donnees);
    construire(r.donnees);
    return true;
  }

  function construire(listes) {
    var formulaire = $("form-visite"), valeurs = formulaire.dataset.pret ? valeursActuelles() : lire(CLE.choix, {});
    Array.prototype.forEach.call(formulaire.querySelectorAll("fieldset[data-liste]"), function (groupe) {
      var champ = groupe.dataset.champ, items = (listes[groupe.dataset.liste] || []).slice();
      var options = document.createElement("div");
      options.className = "options";
      if (groupe.dataset.vide) items.push({ id: "", nom: groupe.dataset.vide });
      items.forEach(function (item, i) {
        var label = document.createElement("label"), input = document.createElement("input");
        label.className = "option";
        input.type = "radio"; input.name = champ; input.value = item.id; input.id = champ + "-" + i;
        if (groupe.dataset.obligatoire) input.required = true;
        label.appendChild(input);
        label.appendChild(document.createTextNode(item.nom));
        options.appendChild(label);
      });
      var ancien = groupe.querySelector(".options");
      if (ancien) groupe.replaceChild(options, ancien); else groupe.appendChild(options);
    });
    Array.prototype.forEach.call(formulaire.querySelectorAll("select[data-liste]"), function (select) {
      while (select.options.length > 1) select.remove(1);
      (listes[select.dataset.liste] || []).forEach(function (item) { select.add(new Option(item.nom, item.id)); });
    });
    formulaire.dataset.pret = "oui";
    appliquer(valeurs || {});
  }

  function valeursActuelles() {
    var f = $("form-visite"), v = {};
    CHOIX.forEach(function (champ) {
      var el = f.elements[champ];
      v[champ] = el ? el.value : "";
    });
    return v;
  }

  function appliquer(valeurs) {
    var f = $("form-visite");
    CHOIX.forEach(function (champ) {
      var el = f.elements[champ], valeur = valeurs[champ] == null ? "" : String(valeurs[champ]);
      if (!el) return;
      if (el.tagName === "SELECT") {
        el.value = valeur;
        if (el.value !== valeur) el.value = "";
      } else {  // RadioNodeList
        Array.prototype.forEach.call(el, function (radio) { radio.checked = radio.value === valeur; });
      }
    });
  }

  // --- saisie d'une visite ---------------------------------------------------------------------------------
  function lireVisite() {
    var f = $("form-visite"), v = valeursActuelles(), erreurs = [];
    Array.prototype.forEach.call(f.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    Array.prototype.forEach.call(f.querySelectorAll(".invalide"), function (el) { el.classList.remove("invalide"); });
    function refus(champ, cible, texte) { erreurs.push({ cible: cible, texte: texte }); marquer(champ); }
    function marquer(champ) {
      var el = f.elements[champ];
      var liste = el && el.tagName ? [el] : Array.prototype.slice.call(el || []);
      liste.forEach(function (x) { x.setAttribute("aria-invalid", "true"); });
      var groupe = $("groupe-" + champ);
      if (groupe) groupe.classList.add("invalide");
    }
    Object.keys(OBLIGATOIRES).forEach(function (champ) {
      if (!v[champ]) {
        var el = f.elements[champ], cible = el && el.tagName ? el.id : champ + "-0";
        refus(champ, cible, OBLIGATOIRES[champ] + " : choisissez une valeur");
      }
    });
    var duree = $("duree").value.trim();
    if ($("duree").validity && $("duree").validity.badInput) duree = "x";
    if (duree && !(/^\d+$/.test(duree) && +duree >= 1 && +duree <= 480)) {
      refus("duree_minutes", "duree", "Durée : un nombre entier de minutes, de 1 à 480");
    }
    var quand = quandModifie ? $("quand").value : maintenant();
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(quand)) {
      refus("quand", "quand", "Date et heure de la visite : à remplir (jour et heure)");
    } else if (quand.slice(0, 10) > aujourdhui()) {
      refus("quand", "quand", "Date et heure de la visite : la date est dans le futur");
    }
    if (erreurs.length) {
      montrerErreurs(erreurs);
      return null;
    }
    message("erreurs", "");
    var visite = { quand: quand.slice(0, 16) };
    CHOIX.forEach(function (champ) { if (v[champ]) visite[champ] = v[champ]; });
    if (duree) visite.duree_minutes = +duree;
    return visite;
  }

  function montrerErreurs(erreurs) {
    var zone = $("erreurs"), liste = document.createElement("ul");
    zone.textContent = "";
    erreurs.forEach(function (e) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#" + e.cible; a.textContent = e.texte;
      li.appendChild(a); liste.appendChild(li);
    });
    var titre = document.createElement("p");
    titre.textContent = "La visite n'est pas enregistrée : " +
      (erreurs.length > 1 ? erreurs.length + " champs à corriger." : "un champ à corriger.");
    zone.appendChild(titre);
    zone.appendChild(liste);
    var premier = $(erreurs[0].cible);
    if (premier) premier.focus();
  }

  async function enregistrer(ev) {
    ev.preventDefault();
    var s = session();
    if (!s || occupe) return;
    var visite = lireVisite();
    if (!visite) return;
    var element = { id: uuid(), maison: s.maison, visite: visite };
    signalees[element.id] = true;
    try {
      var f = file();
      f.attente.push(element);
      ecrire(CLE.file, f);
    } catch (e) {
      montrerErreurs([{ cible: "quand", texte: "La visite n'a pas pu être gardée sur cet appareil (stockage plein " +
                                              "ou désactivé) : elle n'est pas enregistrée" }]);
      return;
    }
    var choix = {};
    CHOIX.forEach(function (champ) { choix[champ] = visite[champ] || ""; });
    ecrireSiPossible(CLE.choix, choix);
    $("duree").value = "";
    quandModifie = false;
    $("quand").value = maintenant();
    message("statut", "Envoi de la visite…");
    afficherFile();
    occupe = true;
    $("enregistrer").setAttribute("aria-disabled", "true");
    var fin = synchroniser();
    await Promise.race([fin, new Promise(function (ok) { setTimeout(ok, 3000); })]);
    occupe = false;
    $("enregistrer").removeAttribute("aria-disabled");
    await fin;
    delete signalees[element.id];
    var attente = enFile(s.maison).length;
    if (numeros[element.id]) {
      message("statut", "Visite enregistrée (n° " + numeros[element.id] + ").", "succes");
    } else if (file().refuses.some(function (l) {
      return l.visites.some(function (x) { return x.id === element.id; });
    })) {
      message("statut", "Visite refusée par le serveur : le motif est affiché plus haut.", "erreur");
    } else if (attente) {
      message("statut", "Visite gardée sur cet appareil : elle sera envoyée au retour du réseau (" +
              nombre(attente, "visite") + " en attente d'envoi).");
    }
  }

  // --- la file et l'envoi ----------------------------------------------------------------------------------
  function enFile(maison) {
    var f = file(), liste = f.attente.filter(function (e) { return e.maison === maison; });
    f.lots.forEach(function (lot) { if (lot.maison === maison) liste = liste.concat(lot.visites); });
    return liste;
  }

  /** The batch to send next: a batch already formed (its key kept), or a new one, stored before it is sent. */
  function prochainLot(maison) {
    var f = file();
    for (var i = 0; i < f.lots.length; i++) if (f.lots[i].maison === maison) return f.lots[i];
    var pris = f.attente.filter(function (e) { return e.maison === maison; }).slice(0, TAILLE_LOT);
    if (!pris.length) return null;
    var lot = { cle: uuid(), maison: maison, visites: pris, forme_le: new Date().toISOString() };
    f.attente = f.attente.filter(function (e) { return pris.indexOf(e) < 0; });
    f.lots.push(lot);
    ecrire(CLE.file, f);
    return lot;
  }

  function retirerLot(cle, refus) {
    var f = file(), lot = null;
    f.lots = f.lots.filter(function (l) { if (l.cle === cle) lot = l; return l.cle !== cle; });
    if (lot && refus) f.refuses.push(Object.assign(lot, refus));
    ecrire(CLE.file, f);
  }

  function synchroniser() {
    if (synchro) { encore = true; return synchro; }
    synchro = (async function () {
      try {
        do { encore = false; await passe(); } while (encore);
      } catch (e) {
        message("synchro", "L'envoi des visites a échoué : " + (e && e.message ? e.message : e), "erreur");
      } finally {
        synchro = null;
      }
    })();
    return synchro;
  }

  function plusTard(ms) {
    if (relance) clearTimeout(relance);
    relance = setTimeout(function () { relance = null; synchroniser(); }, ms);
  }

  async function passe() {
    var s = session();
    if (!s) return;
    var envoyees = 0, autres = 0, probleme = false;
    for (;;) {
      if (navigator.onLine === false) { probleme = true; message("synchro", horsLigne()); break; }
      var lot = prochainLot(s.maison);
      if (!lot) break;
      var r = await appel("maisons/" + encodeURIComponent(s.maison) + "/visites/lot", {
        methode: "POST", cle: lot.cle, jeton: s.jeton,
        corps: { visites: lot.visites.map(function (e) { return e.visite; }) }
      });
      if (r.statut >= 200 && r.statut < 300) {
        var recues = (r.donnees && r.donnees.visites) || [];
        lot.visites.forEach(function (e, i) { if (recues[i]) numeros[e.id] = recues[i].id; });
        retirerLot(lot.cle);
        compter(lot.visites);
        envoyees += lot.visites.length;
        autres += lot.visites.filter(function (e) { return !signalees[e.id]; }).length;
        continue;
      }
      probleme = true;
      if (r.reseau || r.statut >= 500 || r.statut === 408) {
        message("synchro", r.reseau ? horsLigne() : "Le serveur a un problème (code " + r.statut + ") : nouvel " +
                "essai dans 30 secondes. Les visites restent gardées sur cet appareil.");
        plusTard(PERIODE);
        break;
      }
      if (r.statut === 429) {
        var delai = Math.max(1, parseInt(r.entetes.get("Retry-After"), 10) || 5);
        message("synchro", "Le serveur demande de patienter : nouvel essai dans " + nombre(delai, "seconde") + ".");
        plusTard(delai * 1000);
        break;
      }
      if (r.statut === 401 || r.statut === 403 || r.statut === 404) {
        message("synchro", "Envoi impossible. " + motif(r) + " Les visites restent gardées sur cet appareil.", "erreur");
        break;
      }
      // 409, 422…: the batch will never be accepted as it is; keep it aside with the reason
      retirerLot(lot.cle, { statut: r.statut, motif: motif(r), refuse_le: new Date().toISOString() });
      message("synchro", "Des visites ont été refusées par le serveur : voir le motif ci-dessous.", "erreur");
      afficherFile();
    }
    if (envoyees && !probleme) {
      message("synchro", !autres ? "" : autres > 1 ? autres + " visites en attente envoyées." :
              "1 visite en attente envoyée.", "succes");
    }
    afficherFile();
    if (envoyees) await rafraichirCompteur();
  }

  function horsLigne() {
    return "Hors ligne : les visites sont gardées sur cet appareil et partiront au retour du réseau.";
  }

  // --- affichage de la file et du compteur du jour ---------------------------------------------------------
  function afficherFile() {
    var s = session();
    if (!s) return;
    var n = enFile(s.maison).length;
    $("attente").hidden = n === 0;
    $("attente-texte").textContent = nombre(n, "visite") + " en attente d'envoi";
    var refuses = file().refuses.filter(function (l) { return l.maison === s.maison; });
    var liste = $("refuses-liste");
    liste.textContent = "";
    refuses.forEach(function (lot) {
      var li = document.createElement("li"), heures = lot.visites.map(function (e) {
        return dateFr(e.visite.quand) + " " + e.visite.quand.slice(11, 16);
      });
      li.textContent = nombre(lot.visites.length, "visite") + " (" + heures.join(", ") + ") : " + lot.motif;
      liste.appendChild(li);
    });
    $("refuses").hidden = refuses.length === 0;
    afficherCompteur();
  }

  /** The server's count of the day (last known) plus the visits of the day still on this device. */
  function afficherCompteur() {
    var s = session();
    if (!s) return;
    var date = aujourdhui(), c = lire(CLE.compteur, null);
    var enAttente = enFile(s.maison).filter(function (e) { return e.visite.quand.slice(0, 10) === date; }).length;
    var connu = c && c.maison === s.maison && c.date === date;
    var texte = "Aujourd'hui : " + nombre((connu ? c.visites : 0) + enAttente, "visite");
    if (enAttente) texte += " (dont " + enAttente + " en attente d'envoi)";
    if (!connu) texte += " — le total du serveur n'est pas encore connu";
    $("compteur").textContent = texte;
  }

  function compter(visites) {
    var s = session(), c = lire(CLE.compteur, null), date = aujourdhui();
    generation++;
    if (c && s && c.maison === s.maison && c.date === date) {
      c.visites += visites.filter(function (e) { return e.visite.quand.slice(0, 10) === date; }).length;
      ecrireSiPossible(CLE.compteur, c);
    }
  }

  async function rafraichirCompteur() {
    var s = session();
    if (!s) return;
    var date = aujourdhui(), avant = generation;
    var r = await appel("maisons/" + encodeURIComponent(s.maison) + "/aujourdhui?date=" + date);
    if (r.statut === 200 && r.donnees && avant === generation) {
      ecrireSiPossible(CLE.compteur, { maison: s.maison, date: date, visites: r.donnees.visites });
    }
    afficherCompteur();
  }

  function retirerRefuses() {
    var s = session();
    if (!s || !window.confirm("Retirer définitivement de cet appareil les visites refusées ?")) return;
    var f = file();
    f.refuses = f.refuses.filter(function (l) { return l.maison !== s.maison; });
    ecrireSiPossible(CLE.file, f);
    message("synchro", "Visites refusées retirées de l'appareil.");
    afficherFile();
    $("visite-titre").focus();
  }

  // --- export CSV ------------------------------------------------------------------------------------------
  async function exporter(ev) {
    ev.preventDefault();
    var s = session(), du = $("du"), au = $("au");
    [du, au].forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var faux = !du.value ? du : !au.value ? au : du.value > au.value ? au : null;
    if (faux) {
      faux.setAttribute("aria-invalid", "true");
      message("export-message", faux === au && au.value ? "La date de fin précède la date de début." :
              "Indiquez les deux dates de la période (jour/mois/année).", "erreur");
      faux.focus();
      return;
    }
    message("export-message", "Préparation du fichier…");
    var r = await appel("maisons/" + encodeURIComponent(s.maison) + "/export.csv?du=" + du.value + "&au=" + au.value,
                        { blob: true });
    if (r.reseau) return message("export-message", "Export impossible : le serveur ne répond pas (pas de réseau ?).", "erreur");
    if (r.statut !== 200) return message("export-message", "Export impossible. " + motif(r), "erreur");
    var nom = "visites-" + s.maison + "-" + du.value + "-au-" + au.value + ".csv";
    var url = URL.createObjectURL(r.blob), lien = document.createElement("a");
    lien.href = url; lien.download = nom; lien.hidden = true;
    document.body.appendChild(lien);
    lien.click();
    document.body.removeChild(lien);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    message("export-message", "Fichier téléchargé : " + nom + ".", "succes");
  }

  // --- démarrage -------------------------------------------------------------------------------------------
  async function ouvrirEspace(apresConnexion) {
    var s = session();
    $("chargement").hidden = true;
    $("connexion").hidden = true;
    $("maison").textContent = s.nom;
    $("maison").hidden = false;
    $("deconnexion").hidden = false;
    var pret = $("form-visite").dataset.pret || await chargerListes();
    if (!pret) {
      $("espace").hidden = false;
      message("synchro", "Les listes du formulaire n'ont pas pu être chargées : vérifiez la connexion au réseau " +
              "puis rechargez la page.", "erreur");
      return;
    }
    if (!quandModifie) $("quand").value = maintenant();
    var d = new Date();
    if (!$("au").value) $("au").value = jour(d);
    if (!$("du").value) $("du").value = jour(new Date(d.getFullYear(), d.getMonth(), 1));
    $("espace").hidden = false;
    afficherFile();
    if (navigator.onLine === false) message("synchro", horsLigne());
    if (apresConnexion) {
      message("statut", "Connecté : " + s.nom + ".", "succes");
      $("visite-titre").focus();
    }
    rafraichirCompteur();
    synchroniser();
  }

  function demarrer() {
    $("form-connexion").addEventListener("submit", connecter);
    $("voir-jeton").addEventListener("change", function () { $("jeton").type = this.checked ? "text" : "password"; });
    $("deconnexion").addEventListener("click", deconnecter);
    $("form-visite").addEventListener("submit", enregistrer);
    $("quand").addEventListener("input", function () { quandModifie = true; });
    $("form-export").addEventListener("submit", exporter);
    $("envoyer").addEventListener("click", function () { message("synchro", "Envoi en cours…"); synchroniser(); });
    $("refuses-retirer").addEventListener("click", retirerRefuses);
    window.addEventListener("online", function () {
      message("synchro", "");
      if (session()) { synchroniser(); rafraichirCompteur(); }
    });
    window.addEventListener("offline", function () { if (session()) { message("synchro", horsLigne()); afficherFile(); } });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && session() && !$("espace").hidden) { synchroniser(); rafraichirCompteur(); }
    });
    window.addEventListener("storage", function (e) {  // another tab of the form changed the queue
      if (e.key === CLE.file || e.key === CLE.compteur) afficherFile();
    });
    setInterval(function () {
      if (!quandModifie && document.activeElement !== $("quand")) $("quand").value = maintenant();
      var s = session();
      if (s && enFile(s.maison).length && !relance) synchroniser();
    }, PERIODE);
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(function (e) {
        console.warn("Formulaire hors ligne indisponible :", e);
      });
    }
    if (session()) ouvrirEspace(false); else montrerConnexion();
  }

  window.msapSaisie = { synchroniser: synchroniser };
  demarrer();
})();
