#!/usr/bin/env node
// Runs in `prepare`, before the build. Electron is an optional dependency: where its postinstall
// cannot download the binary, npm removes the whole package, and with it Electron's type
// declarations, so the shell (main/electron, preload) cannot even type-check. This puts the
// package back exactly as ELECTRON_SKIP_BINARY_DOWNLOAD=1 would have left it: the npm tarball of
// the locked version (fetched through npm, integrity checked against package-lock.json),
// extracted without running its install script. `require('electron')` then throws Electron's own
// "failed to install correctly" error, which `npm start` reports before falling back to the
// browser. Where the binary did install, this does nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'node_modules', 'electron');
/** Written into the package so the launcher can say why the binary is missing. */
const MARKER = '.docent-no-binary';

function log(message) {
  process.stderr.write(`ensure-electron: ${message}\n`);
}

function lockedElectron() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const entry = lock.packages?.['node_modules/electron'];
  if (entry?.version) return { version: entry.version, integrity: entry.integrity ?? null };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const version = pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron;
  return version ? { version, integrity: null } : null;
}

function npm(args, cwd) {
  // npm_execpath is set when this runs as an npm script; it avoids npm.cmd quirks on Windows.
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] =
    npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  return spawnSync(command, commandArgs, {
    cwd,
    encoding: 'utf8',
    shell: command === 'npm' && process.platform === 'win32',
    timeout: 5 * 60_000,
  });
}

function main() {
  if (fs.existsSync(path.join(target, 'package.json'))) return;
  const locked = lockedElectron();
  if (!locked) {
    log('electron is not a dependency; nothing to do.');
    return;
  }
  log(
    `node_modules/electron is missing (its install could not download the binary, so npm removed it as an optional dependency). ` +
      `Installing electron@${locked.version} without its binary, for its types and so \`npm start\` can say why it falls back to the browser.`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-electron-'));
  try {
    const packed = npm(['pack', `electron@${locked.version}`, '--json', '--prefer-offline', '--pack-destination', work], work);
    if (packed.error || packed.status !== 0) {
      throw new Error(`npm pack electron@${locked.version} failed: ${(packed.error?.message ?? packed.stderr ?? '').trim()}`);
    }
    const jsonStart = packed.stdout.indexOf('[');
    const [info] = JSON.parse(packed.stdout.slice(jsonStart));
    if (locked.integrity && info.integrity !== locked.integrity) {
      throw new Error(`electron@${locked.version} from the registry has integrity ${info.integrity}, package-lock.json says ${locked.integrity}.`);
    }
    const staging = fs.mkdtempSync(path.join(root, 'node_modules', '.electron-staging-'));
    try {
      // node-tar refuses entries that would land outside the folder (absolute paths, "..").
      tar.x({ file: path.join(work, info.filename), cwd: staging, strip: 1, sync: true });
      if (!['package.json', 'electron.d.ts'].every((f) => fs.existsSync(path.join(staging, f)))) {
        throw new Error('the electron tarball lacks package.json or electron.d.ts.');
      }
      fs.writeFileSync(
        path.join(staging, MARKER),
        "Installed by scripts/ensure-electron.mjs without Electron's binary: Electron's own install failed to download it, " +
          'so npm had removed the optional package. To get the desktop app, delete ' +
          'node_modules/electron and run `npm install` where github.com (or $ELECTRON_MIRROR) can be reached.\n',
      );
      fs.chmodSync(staging, 0o755);
      fs.renameSync(staging, target);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
    log(`installed node_modules/electron ${locked.version} (types only; no binary).`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  // Without the package the shell cannot type-check, so the build after this would fail anyway; say why here.
  log(`could not install electron's package without its binary: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
