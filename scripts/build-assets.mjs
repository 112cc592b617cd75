// Builds GOV.UK Frontend for this service: compiled from Sass with Arial (the GDS Transport font
// is for gov.uk only) and assets served from our own static path. Output goes to build/static,
// which is git-ignored and picked up by Django's STATICFILES_DIRS.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(root, "static", "scss", "app.scss"), {
  style: "compressed",
  loadPaths: [join(root, "node_modules")],
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "slash-div", "color-functions"],
});
writeFileSync(join(out, "css", "app.css"), result.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
// Images and the web manifest; not the fonts, which we do not use.
cpSync(join(govuk, "assets", "images"), join(out, "assets", "images"), { recursive: true });
cpSync(join(govuk, "assets", "manifest.json"), join(out, "assets", "manifest.json"));
// axe-core for the accessibility checks in the browser tests.
cpSync(join(root, "node_modules", "axe-core", "axe.min.js"), join(root, "build", "axe.min.js"));
// Working without signal (docs/offline.md): the page's script and the service worker, each one
// file with idb and Workbox inside. The service worker is js/service-worker.js, loaded by the
// few bytes the service answers at /sw.js (yourchoice/web/views.py).
const bundle = { bundle: true, minify: true, target: ["es2020"], legalComments: "none", logLevel: "warning" };
await esbuild.build({
  ...bundle,
  entryPoints: [join(root, "static", "js", "offline", "page.mjs")],
  outfile: join(out, "js", "offline.js"),
  format: "esm",
});
await esbuild.build({
  ...bundle,
  entryPoints: [join(root, "static", "js", "offline", "sw.mjs")],
  outfile: join(out, "js", "service-worker.js"),
  format: "iife",
  // Workbox's own logging is for development builds only.
  define: { "process.env.NODE_ENV": '"production"' },
});
console.log("Built build/static (css/app.css, js/govuk-frontend.min.js, js/offline.js, js/service-worker.js, assets/)");
