// L'index des communes du portail (assets/msap/communes/*.tsv, écrits par generator/portal/features/localisateur.py) et
// la recherche d'une commune par son nom ou son code postal, hors ligne : « Près de chez moi », la page de
// recherche et le champ de l'accueil s'en servent. Sans accents ni majuscules, début du nom, « St » pour
// « Saint » ; le nom exact d'abord, puis les communes les plus peuplées. L'index est rangé par les deux premiers
// caractères de ce qu'on tape (« ob.tsv » pour Objat, « 19.tsv » pour 19130) : une recherche charge un fichier
// de quelques kilo-octets, pas l'index entier.
(function () {
  "use strict";
  function plier(texte) {
    var t = texte.replace(/œ/g, "oe").replace(/Œ/g, "OE").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
    return t.replace(/^st /, "saint ").replace(/^ste /, "sainte ").replace(/ st /g, " saint ").replace(/ ste /g, " sainte ");
  }
  function sansArticle(t) { return t.replace(/^(le|la|les|l) /, ""); }
  function lireCommunes(texte) {
    var liste = [], dep = "", nomDep = "", nom = "", cps = [], lat = 0, lon = 0;
    texte.split("\n").forEach(function (ligne) {
      if (!ligne) return;
      if (ligne.charAt(0) === "#") {
        var t = ligne.slice(1).split("\t"); dep = t[0]; nomDep = t[1]; nom = ""; lat = 0; lon = 0; cps = []; return;
      }
      var c = ligne.split("\t");
      nom = nom.slice(0, c[0] ? parseInt(c[0], 10) : 0) + c[1];
      if (c[2] === "-") cps = [];
      else if (c[2]) cps = c[2].split(" ").map(function (cp) { return cp.length === 5 ? cp : dep + cp; });
      lat += parseInt(c[3], 10); lon += parseInt(c[4], 10);
      var cle = plier(nom);
      liste.push({ nom: nom, dep: dep, nomDep: nomDep, cps: cps, lat: lat / 1000, lon: lon / 1000,
                   cle: cle, cle2: sansArticle(cle), taille: c[5] ? parseInt(c[5], 36) : 0 });
    });
    return liste;
  }
  function chercher(communes, requete, dep) {
    var q = plier(requete || ""), out = [];
    if (!q) return out;
    var parCode = /^[0-9]{2,5}$/.test(q.replace(/ /g, ""));
    if (parCode) {
      var cp = q.replace(/ /g, "");
      communes.forEach(function (c) {
        if (c.cps.some(function (x) { return x.indexOf(cp) === 0; })) out.push({ c: c, rang: c.cps.indexOf(cp) >= 0 ? 0 : 1 });
      });
    } else {
      communes.forEach(function (c) {
        if (c.cle === q) out.push({ c: c, rang: 0 });
        else if (c.cle.indexOf(q) === 0) out.push({ c: c, rang: 1 });
        else if (c.cle2.indexOf(q) === 0) out.push({ c: c, rang: 2 });
      });
    }
    if (dep) out = out.filter(function (o) { return o.c.dep === dep; });
    // the exact name first, then the most populated (Brive: Brive-la-Gaillarde before Brives), then the shorter
    out.sort(function (a, b) {
      return a.rang - b.rang || b.c.taille - a.c.taille || (parCode ? 0 : a.c.cle.length - b.c.cle.length)
        || (a.c.cle < b.c.cle ? -1 : a.c.cle > b.c.cle ? 1 : 0) || (a.c.dep < b.c.dep ? -1 : 1);
    });
    return out.map(function (o) { return o.c; });
  }
  // The file of a typed text (localisateur.shard_of in Python): its first two characters, spaces left out.
  function fichier(requete) {
    var compact = plier(requete || "").replace(/ /g, "");
    if (/^[0-9]+$/.test(compact)) return compact.length >= 2 ? compact.slice(0, 2) : "";
    return compact ? (compact + "_").slice(0, 2) : "";
  }
  var promesses = {};
  // The communes a text may name: its file of the index under ``racine`` (an empty list when there is none).
  function charger(racine, requete) {
    var nom = fichier(requete);
    if (!nom) return Promise.resolve([]);
    var url = racine + nom + ".tsv";
    if (!promesses[url]) {
      promesses[url] = fetch(url).then(function (r) {
        if (r.status === 404) return "";  // nothing begins so
        if (!r.ok) throw new Error(url);
        return r.text();
      }).then(lireCommunes);
      promesses[url].catch(function () { delete promesses[url]; });  // a failed load is tried again next time
    }
    return promesses[url];
  }
  window.msapCommunes = { charger: charger, chercher: chercher, plier: plier, fichier: fichier };
})();
