// Small helpers shared by the tools/ scripts: where the repository is, file
// times, atomic writes, and running commands with their output streamed and
// their failures loud. Node built-ins only: these run before `npm ci`.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// A path inside the repository, whatever the caller's working directory.
export const repoPath = (...parts) => join(REPO_ROOT, ...parts);

// True when the module at `moduleUrl` is the script node was started with,
// so each tool is both importable and a CLI.
export function isMain(moduleUrl) {
  if (!process.argv[1]) return false;
  try {
    return pathToFileURL(realpathSync(process.argv[1])).href === moduleUrl;
  } catch {
    return false;
  }
}

// Modification time in ms, or null when the file does not exist.
export async function mtimeMs(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

// True when any output is missing or older than the newest input.
export async function isStale(outputs, inputs) {
  const inTimes = await Promise.all(inputs.map(mtimeMs));
  const newestInput = Math.max(0, ...inTimes.filter((t) => t !== null));
  for (const out of outputs) {
    const t = await mtimeMs(out);
    if (t === null || t < newestInput) return true;
  }
  return false;
}

// Readers never see a half-written file: write beside it, then rename
// (atomic on one file system). Teammates may read web/data while we write.
export async function writeFileAtomic(path, data) {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

export const formatBytes = (n) =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1 << 10 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

// The value after `--name` in a command line's arguments, or the fallback.
export function optionValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

// How a command reads in messages: quoted only where needed.
export const showCommand = (cmd, args = []) =>
  [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

// Runs a command with stdio inherited (its output streams as it comes) and
// rejects with the command line and exit status if it fails.
export function run(cmd, args = [], { cwd = REPO_ROOT, env = process.env, stdin = 'ignore' } = {}) {
  const shown = showCommand(cmd, args);
  console.log(`$ ${shown}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [stdin, 'inherit', 'inherit'] });
    child.on('error', (e) => {
      const why = e.code === 'ENOENT' ? `${cmd}: command not found (running: ${shown})` : `${shown}: ${e.message}`;
      reject(new Error(why, { cause: e }));
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`command failed (${signal ? `signal ${signal}` : `exit ${code}`}): ${shown}`));
    });
  });
}

// Runs a CLI entry point: prints an Error's message (not a stack) and exits 1.
export async function runCli(main) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    console.error(`\nerror: ${e?.message ?? e}`);
    process.exitCode = 1;
  }
}
