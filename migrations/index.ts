import { InitialSchema1764230400000 } from './1764230400000-InitialSchema.js';
import { PipelineColumns1764400000000 } from './1764400000000-PipelineColumns.js';
import { PredictionDownloads1764500000000 } from './1764500000000-PredictionDownloads.js';

/** Every migration, in order. Run at startup (never `synchronize`). */
export const MIGRATIONS = [InitialSchema1764230400000, PipelineColumns1764400000000, PredictionDownloads1764500000000];
