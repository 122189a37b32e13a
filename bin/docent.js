#!/usr/bin/env node
// The `docent` command: a shim onto the compiled CLI (npm install builds dist/ in `prepare`).
import '../dist/main/cli/docent.js';
