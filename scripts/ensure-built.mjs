// `npm start` runs this first: build once if the compiled server or the web UI is missing
// (e.g. `npm install --ignore-scripts` skipped `prepare`). A normal install has built both already.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('dist/src/main.js')) execSync('npm run build:server', { stdio: 'inherit' });
if (!existsSync('web/dist/index.html') && existsSync('web/vite.config.ts')) execSync('npm run build:web', { stdio: 'inherit' });
