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
import zlib from 'node:zlib';

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

/** A minimal tar reader for npm tarballs: regular files and directories, pax and GNU long names. */
function extractTar(buffer, destination) {
  const files = [];
  let offset = 0;
  let longName = null;
  const field = (block, start, length) => block.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
  while (offset + 512 <= buffer.length) {
    const header = buffer.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = field(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = null;
    const body = buffer.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (match) longName = match[1];
      continue;
    }
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type !== '0' && type !== '5') continue;
    name = name.replace(/^package\//, '');
    const file = path.resolve(destination, name);
    if (!file.startsWith(destination + path.sep)) throw new Error(`refusing tar entry outside the package: ${name}`);
    if (type === '5') {
      fs.mkdirSync(file, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, body, { mode: name === 'cli.js' ? 0o755 : 0o644 });
    files.push(name);
  }
  return files;
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
      const files = extractTar(zlib.gunzipSync(fs.readFileSync(path.join(work, info.filename))), staging);
      if (!files.includes('package.json') || !files.includes('electron.d.ts')) throw new Error('the electron tarball lacks package.json or electron.d.ts.');
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
