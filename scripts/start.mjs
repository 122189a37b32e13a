#!/usr/bin/env node
// `npm start`: build what is out of date, then open the desktop window (or, where Electron cannot
// run, serve the same UI to a browser; dist/main/electron/launch.js says which and why).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['main', 'preload', 'renderer', 'package.json', 'tsconfig.base.json', 'tsconfig.build.json', 'vite.config.ts'];
const OUTPUTS = ['dist/main/electron/launch.js', 'dist/main/electron/main.js', 'dist/preload/index.cjs'];

function newest(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of fs.readdirSync(entry)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    latest = Math.max(latest, newest(path.join(entry, name)));
  }
  return latest;
}

function outOfDate() {
  const outputs = OUTPUTS.map((file) => path.join(root, file));
  // The renderer's build output only counts once the renderer has sources.
  if (fs.existsSync(path.join(root, 'renderer', 'index.html'))) outputs.push(path.join(root, 'dist', 'renderer', 'index.html'));
  const oldestOutput = Math.min(...outputs.map((file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0)));
  return SOURCES.some((source) => newest(path.join(root, source)) > oldestOutput);
}

if (outOfDate()) {
  process.stderr.write('Docent: building (npm run build)...\n');
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
  const build = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: command === 'npm' && process.platform === 'win32' });
  if (build.status !== 0) {
    process.stderr.write('Docent: the build failed; not starting.\n');
    process.exit(build.status ?? 1);
  }
}

const { launch } = await import(pathToFileURL(path.join(root, 'dist/main/electron/launch.js')).href);
await launch(process.argv.slice(2));
