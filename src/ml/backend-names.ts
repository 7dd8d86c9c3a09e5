/** The TensorFlow.js backends Trellis can run on, in fallback order (a light module: config.ts validates TRELLIS_TF_BACKEND with it). */
export const TF_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof TF_BACKENDS)[number];
