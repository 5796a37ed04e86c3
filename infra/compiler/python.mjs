// `node python.mjs MOUNTS CODE`: runs the Python CODE in Pyodide's CPython (the runtime's version,
// package.json), with MOUNTS, a JSON object {"/path/inside": "/host/folder", ...}, mounted read-write.
// infra/bytecode.py compiles the bytecode shipped to Lambda this way, and tests/infra imports the
// synthesized assets with it. What CODE prints goes to stdout; an exception fails the process, with
// its traceback on stderr.
import path from "node:path";
import { loadPyodide } from "pyodide";

const [mounts, code] = process.argv.slice(2);
const python = await loadPyodide({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
for (const [inside, folder] of Object.entries(JSON.parse(mounts))) {
  python.FS.mkdirTree(inside);
  python.FS.mount(python.FS.filesystems.NODEFS, { root: path.resolve(folder) }, inside);
}
try {
  python.runPython(code);
} catch (error) {
  process.stderr.write(String(error.message ?? error) + "\n");
  process.exit(1);
}
