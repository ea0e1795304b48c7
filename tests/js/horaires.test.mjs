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

test("the next passage of a stop: monthly ranks, every second week, today until its last slot ends", () => {
  // Tuesday 1 December 2026, 10:00 in Paris (UTC+1)
  const o = a("2026-12-01T09:00:00Z");
  const mensuel = { jour: "jeudi", frequence: "mensuelle", semaines: [1, 3], horaires: ["09:00-12:00"] };
  assert.deepEqual({ ...o.prochainPassage(mensuel, "Europe/Paris") }, { iso: "2026-12-03", texte: "jeudi 3 décembre" });
  const cinquieme = { jour: "mardi", frequence: "mensuelle", semaines: [5], horaires: [] };
  assert.equal(o.prochainPassage(cinquieme, "Europe/Paris").iso, "2026-12-29");
  const quinzaine = { jour: "mardi", frequence: "bimensuelle", semaines: [], premier_passage: "2026-11-24",
                      horaires: ["14:00-16:00"] };
  assert.equal(o.prochainPassage(quinzaine, "Europe/Paris").iso, "2026-12-08");
  const aujourdhui = { ...quinzaine, premier_passage: "2026-12-01" };
  assert.equal(o.prochainPassage(aujourdhui, "Europe/Paris").texte, "aujourd'hui");
  const fini = { ...aujourdhui, horaires: ["08:00-09:30"] };  // over at 10:00: in two weeks
  assert.equal(o.prochainPassage(fini, "Europe/Paris").texte, "mardi 15 décembre");
  assert.equal(o.prochainPassage({ ...quinzaine, premier_passage: null }, "Europe/Paris"), null);
});

test("the next passage on the stop's own clock", () => {
  // 21:30 UTC on Tuesday 1 December: already Wednesday 01:30 in Réunion (UTC+4)
  const o = a("2026-12-01T21:30:00Z");
  const mercredi = { jour: "mercredi", frequence: "hebdomadaire", semaines: [], horaires: ["08:00-12:00"] };
  assert.equal(o.prochainPassage(mercredi, "Indian/Reunion").texte, "aujourd'hui");
  assert.equal(o.prochainPassage(mercredi, "Europe/Paris").texte, "demain");
});
