// `node python.mjs MOUNTS CODE [CODE ...]`: runs each Python CODE, in order, in a fresh interpreter
// of Pyodide's CPython (the runtime's version, package.json), with MOUNTS, a JSON object
// {"/path/inside": "/host/folder", ...}, mounted read-write. infra/bytecode.py compiles the bytecode
// shipped to Lambda this way; tests/infra imports the synthesized assets with it, and the bench times
// imports with it. What a CODE prints goes to stdout; an exception stops the process with exit status
// 1 and its traceback on stderr.
import path from "node:path";
import { loadPyodide } from "pyodide";

const [mounts, ...codes] = process.argv.slice(2);
for (const code of codes) {
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
}
