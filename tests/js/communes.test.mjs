// communes.js, the offline commune search of the home box, the locator and the search page: its folding agrees
// with the Python index (generator/portal/features/localisateur.py) on every commune, and its answers on the real index.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { charger } from "./charger.mjs";

const DONNEES = process.env.MSAP_JS_DONNEES;  // written by tests/test_javascript.py from data/geo/
const lire = (nom) => readFileSync(`${DONNEES}/${nom}`, "utf-8");
const fetch = async (url) => {
  const nom = url.split("/").pop();
  try {
    const texte = lire(`communes/${nom}`);
    return { ok: true, status: 200, text: async () => texte };
  } catch {
    return { ok: false, status: 404, text: async () => "" };
  }
};
const { msapCommunes: C } = charger("communes.js", { fetch });

test("the folding and the file of every commune's name are the Python index's", () => {
  const lignes = lire("cles.tsv").split("\n").filter(Boolean);
  assert.ok(lignes.length > 35000);
  const differentes = lignes.map((l) => l.split("\t"))
    .filter(([nom, cle, fichier]) => C.plier(nom) !== cle || C.fichier(nom) !== fichier);
  assert.deepEqual(differentes, []);
});

const premiere = async (texte, dep) => (await C.charger("communes/", texte).then((l) => C.chercher(l, texte, dep)))[0];

test("a typed name or postcode finds the commune a person means", async () => {
  assert.equal((await premiere("Brive")).nom, "Brive-la-Gaillarde");  // the most populated first
  assert.equal((await premiere("19130")).nom, "Objat");
  assert.equal((await premiere("gueret")).nom, "Guéret");  // without accents
  assert.equal((await premiere("St Denis", "93")).nom, "Saint-Denis");  // « St », the département chosen
  assert.equal((await premiere("Saint-Denis", "974")).dep, "974");
  assert.equal((await premiere("havre")).nom, "Le Havre");  // without the article
  assert.equal(await premiere("zzzz"), undefined);
  assert.equal((await C.charger("communes/", "")).length, 0);  // nothing typed: nothing loaded
});
