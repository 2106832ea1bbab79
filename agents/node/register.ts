// `node --import meshscope/agents/node/register app.js`: instruments the application before its first
// line runs. Settings come from the environment (see agents/node/README.md).
import { register } from 'node:module';
import { start } from './index.js';

// ES modules can only be patched through a loader hook registered before they are imported; CommonJS
// modules are patched by the instrumentations themselves.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

try {
  await start();
} catch (error) {
  // A misconfiguration is a deployment error: say which setting, once, and stop before the app starts.
  console.error(`meshscope node agent: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
