#!/usr/bin/env node
// `npm run dist`: build, then package the desktop app for this platform with electron-builder,
// from the Electron binary npm installed (electronDist), so packaging never goes looking for one.
// Where that binary is missing, say so and stop instead of hanging on a download.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command, args) {
  const npmCli = process.env.npm_execpath;
  const viaNpm = command === 'npm' && npmCli && /npm-cli\.js$/.test(npmCli);
  const result = spawnSync(viaNpm ? process.execPath : command, viaNpm ? [npmCli, ...args] : args, {
    cwd: root,
    stdio: 'inherit',
    shell: command === 'npm' && !viaNpm && process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npm', ['run', 'build']);
const { findElectronBinary } = await import(pathToFileURL(path.join(root, 'dist/main/electron/detect.js')).href);
const electron = findElectronBinary();
if (!electron.ok) {
  process.stderr.write(`npm run dist: cannot package Docent: ${electron.reason}\n`);
  process.stderr.write('npm run dist packages the Electron binary that npm installed; run it where that binary could be downloaded.\n');
  process.exit(1);
}
const builder = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
run(process.execPath, [builder, '--publish', 'never', `-c.electronDist=${electron.distDir}`, `-c.electronVersion=${electron.version}`, ...process.argv.slice(2)]);
