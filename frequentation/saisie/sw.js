/* Service worker du formulaire de saisie : garde les fichiers du formulaire pour qu'il s'ouvre hors ligne.
   Réseau d'abord (une nouvelle version arrive dès qu'on est en ligne), la copie gardée sinon.
   Seuls les fichiers de /saisie/ passent ici : les appels à l'API ne sont jamais mis en cache. */
"use strict";
var CACHE = "msap-saisie-v1";
var FICHIERS = ["./", "index.html", "saisie.css", "saisie.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(FICHIERS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (noms) {
    return Promise.all(noms.filter(function (nom) { return nom.indexOf("msap-saisie-") === 0 && nom !== CACHE; })
      .map(function (nom) { return caches.delete(nom); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var requete = event.request, url = new URL(requete.url), portee = new URL(self.registration.scope);
  if (requete.method !== "GET" || url.origin !== portee.origin || url.pathname.indexOf(portee.pathname) !== 0 ||
      url.pathname.indexOf("/api/") !== -1) {
    return;  // l'API et tout le reste : directement au réseau, sans cache
  }
  event.respondWith(fetch(requete).then(function (reponse) {
    if (reponse.ok && reponse.type === "basic") {
      var copie = reponse.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(requete, copie); }));
    }
    return reponse;
  }).catch(function () {
    return caches.match(requete, { ignoreSearch: true }).then(function (gardee) {
      return gardee || (requete.mode === "navigate" ? caches.match("./") : Response.error());
    });
  }));
});
