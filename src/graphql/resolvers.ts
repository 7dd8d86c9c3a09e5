import { AccessResolver } from './access.resolver.js';
import { DatasetResolver, DatasetStatsResolver } from './dataset.resolver.js';
import { ModelResolver } from './model.resolver.js';
import { PredictionResolver } from './prediction.resolver.js';
import { ServerInfoResolver } from './server-info.resolver.js';
import { TrainingJobResolver } from './training-job.resolver.js';
import { WebhookResolver } from './webhook.resolver.js';

/** Every resolver class of the schema. Each is constructed once with the AppServices. */
export const RESOLVERS = [
  ServerInfoResolver, PredictionResolver, DatasetResolver, DatasetStatsResolver, TrainingJobResolver, ModelResolver, AccessResolver, WebhookResolver,
] as const;
