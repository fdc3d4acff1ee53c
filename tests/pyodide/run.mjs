// Run Python inside Pyodide under Node, driven by the pytest process over stdio (JSON lines).
//
// Usage: node run.mjs <repo-root> <wheel>...   Loads Pyodide from this folder's node_modules
// (pinned by package-lock.json) and the given local wheel files; nothing is fetched from a CDN.
// The repository is mounted read-only-in-spirit at /repo (NODEFS), so tests/core can be
// collected from there. Every line on stdin is {"id": n, "code": "..."}: the Python code runs
// with runPythonAsync and its value (a str) comes back as {"id": n, "ok": true, "value": ...};
// an exception as {"id": n, "ok": false, "error": "..."}. Python's own stdout and stderr go to
// this process's stderr, so stdout carries only protocol lines. The first line written is
// {"ready": true} once everything is loaded.
//
// fetch is wrapped so that a request to anything but a loopback host fails: no test traffic,
// and no package download, can leave the machine.
import { createInterface } from "node:readline";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const here = dirname(fileURLToPath(import.meta.url));
const [repoRoot, ...wheels] = process.argv.slice(2);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === "string" ? input : input.url);
  if (!LOOPBACK.has(url.hostname)) {
    return Promise.reject(new TypeError(`run.mjs refuses a non-loopback fetch: ${url.host}`));
  }
  return realFetch(input, init);
};

const write = (message) => process.stdout.write(JSON.stringify(message) + "\n");

const pyodide = await loadPyodide({
  indexURL: resolve(here, "node_modules/pyodide") + "/",
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
await pyodide.loadPackage(wheels.map((wheel) => resolve(wheel)), {
  messageCallback: () => {},
  checkIntegrity: false,
});
pyodide.FS.mkdirTree("/repo");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: resolve(repoRoot) }, "/repo");
write({ ready: true });

let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { id, code } = JSON.parse(line);
  queue = queue.then(async () => {
    try {
      const value = await pyodide.runPythonAsync(code);
      write({ id, ok: true, value: value === undefined ? null : String(value) });
    } catch (error) {
      write({ id, ok: false, error: String(error && error.message ? error.message : error) });
    }
  });
});
lines.on("close", () => queue.then(() => process.exit(0)));
