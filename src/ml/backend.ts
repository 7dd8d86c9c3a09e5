/**
 * TensorFlow.js backend selection: @tensorflow/tfjs-node when installed (optional dependency), else
 * WebAssembly, else the pure-JS cpu backend. A preferred backend (TRELLIS_TF_BACKEND, read by
 * src/config.ts and passed in) starts the list.
 *
 * Why wasm before cpu: for this MLP (about 250 inputs, 64/32 hidden units, batch 16) a training step
 * measured 1.4 ms on wasm against 5.1 ms on cpu on the 2-core dev machine (scripts/bench-train.ts
 * prints both), so wasm is the default when tfjs-node is absent.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TF_BACKENDS, type BackendName } from './backend-names.js';

export type { BackendName };

let wasmRegistered = false;

async function tryTensorflow(): Promise<boolean> {
  try {
    // Optional dependency: absent in most installs (no prebuilt binary offline).
    const moduleName = '@tensorflow/tfjs-node';
    await import(moduleName);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmRegistered) {
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
      wasmRegistered = true;
    }
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Selects and initialises a backend: `preferred` (default tensorflow), falling back down the list
 * tensorflow → wasm → cpu. Returns the backend name in use.
 */
export async function initBackend(preferred?: BackendName, log: (msg: string) => void = () => {}): Promise<string> {
  tf.env().set('PROD', true);
  const wanted = preferred ?? 'tensorflow';
  const order = TF_BACKENDS.slice(TF_BACKENDS.indexOf(wanted));
  if (tf.getBackend() === wanted) return wanted;
  for (const name of order) {
    const ok = name === 'tensorflow' ? await tryTensorflow() : name === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      if (name !== wanted) log(`tfjs backend ${wanted} unavailable, using ${name}`);
      log(`tfjs backend: ${tf.getBackend()}`);
      return tf.getBackend();
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

export { tf };
