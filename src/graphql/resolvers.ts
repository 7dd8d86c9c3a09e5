import { PredictionResolver } from './prediction.resolver.js';
import { ServerInfoResolver } from './server-info.resolver.js';

/** Every resolver class of the schema. Each is constructed once with the AppServices. */
export const RESOLVERS = [ServerInfoResolver, PredictionResolver] as const;
