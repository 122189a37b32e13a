import eslint from '@eslint/js';
import type { Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * Lint, including DESIGN.md's layer rules:
 * - main/core imports neither electron nor the renderer;
 * - preload/contract imports only zod (and its own files);
 * - renderer imports the contract and its own files, nothing from main/ and no Node built-ins.
 */
const layer = (files: string[], patterns: object[]): Linter.Config => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tests/.generated/**', 'bench/.results/**', 'out/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(['main/core/**/*.ts'], [
    { group: ['electron', 'electron/*'], message: 'main/core must not import electron (DESIGN.md: one core, three doors).' },
    { regex: '(^|/)renderer(/|$)', message: 'main/core must not import from renderer/.' },
    { regex: '(^|/)main/(electron|server|cli)(/|$)|^\\.\\./(electron|server|cli)(/|$)', message: 'main/core must not import its doors.' },
  ]),
  layer(['preload/contract/**/*.ts'], [
    { regex: '^(?!zod$)(?!\\./)', message: 'preload/contract imports only zod and its own files.' },
  ]),
  layer(['renderer/**/*.{ts,tsx}'], [
    { regex: '(^|/)main/', message: 'renderer/ talks only to the contract, never to main/.' },
    { regex: '^(node:|electron$)', message: 'renderer/ runs in the browser: no Node or Electron imports.' },
  ]),
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
