// horaires.js, « ouvert maintenant / ouvre à … » in the Maison's own time zone, exceptions included, at fixed
// instants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { charger } from "./charger.mjs";

function a(instant) {  // the script as a page would run it at ``instant`` (its « new Date() »)
  const fixe = new Date(instant).getTime();
  class Horloge extends Date {
    constructor(...args) { if (args.length) super(...args); else super(fixe); }
    static now() { return fixe; }
  }
  return charger("horaires.js", { Date: Horloge }).msapOuverture;
}
const h = (t) => { const [x, y] = t.split(":").map(Number); return x * 60 + y; };
const SEMAINE = [[[h("09:00"), h("12:00")], [h("13:30"), h("17:00")]], [[h("09:00"), h("12:00")]], [], [], [], [], []];
const gueret = { tz: "Europe/Paris", semaine: SEMAINE, exceptions: [] };

test("open, closed for lunch, closed until the next opening day", () => {
  // Monday 30 November 2026: Paris is UTC+1
  assert.deepEqual({ ...a("2026-11-30T09:30:00Z").statut(gueret) },  // an object of the script's own realm
                   { ouvert: true, texte: "Ouvert maintenant, jusqu'à 12:00" });
  assert.equal(a("2026-11-30T11:30:00Z").statut(gueret).texte, "Fermé — ouvre aujourd'hui à 13:30");
  assert.equal(a("2026-11-30T17:00:00Z").statut(gueret).texte, "Fermé — ouvre demain à 09:00");
  assert.equal(a("2026-12-01T12:00:00Z").statut(gueret).texte, "Fermé — ouvre lundi à 09:00");
});

test("an exception closes the day and says why", () => {
  const fetes = { ...gueret, exceptions: [{ du: "2026-11-30", au: "2026-12-01", motif: "Inventaire", creneaux: [] }] };
  assert.equal(a("2026-11-30T09:30:00Z").statut(fetes).texte, "Fermé aujourd'hui (Inventaire) — ouvre lundi à 09:00");
});

test("the Maison's own clock: the same instant is morning in Cayenne", () => {
  const cayenne = { ...gueret, tz: "America/Cayenne" };  // UTC-3
  assert.equal(a("2026-11-30T13:00:00Z").statut(gueret).texte, "Ouvert maintenant, jusqu'à 17:00");
  assert.equal(a("2026-11-30T13:00:00Z").statut(cayenne).texte, "Ouvert maintenant, jusqu'à 12:00");
});

test("no opening in two weeks is said", () => {
  const fermee = { tz: "Europe/Paris", semaine: [[], [], [], [], [], [], []], exceptions: [] };
  assert.equal(a("2026-11-30T09:30:00Z").statut(fermee).texte, "Fermé — pas d'ouverture prévue dans les deux semaines");
});
