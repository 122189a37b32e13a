import { z } from 'zod';

// Zod compiles fast object parsers with `new Function`, which the window's CSP forbids (and the
// attempt alone logs a CSP violation). This module is imported first, before any schema exists.
z.config({ jitless: true });
