import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import { MAX_TEXT_LENGTH } from '../ml/clean.js';
import { DEFAULT_HYPERPARAMETERS, HYPERPARAMETER_LIMITS } from '../ml/hyperparameters.js';
import type { AppServices } from '../services.js';
import { Role } from './access.types.js';
import { InputLimits, type NumberRange } from './server-info.types.js';

@ObjectType({ description: 'What this Trellis process is' })
export class ServerInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String, { description: 'all | api | worker' })
  role!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Role, { nullable: true, description: 'the role of callers without a key (ANONYMOUS_ROLE); null: a key is needed' })
  anonymousRole!: Role | null;

  @Field(() => InputLimits, { description: 'what the API accepts in its inputs (text lengths, hyperparameter defaults and ranges)' })
  inputLimits!: InputLimits;
}

@Resolver()
export class ServerInfoResolver {
  constructor(private readonly services: AppServices) {}

  @Query(() => ServerInfo, { description: 'What this process is, and whether a key is needed' })
  serverInfo(): ServerInfo {
    return {
      version: TRELLIS_VERSION,
      role: this.services.config.role,
      startedAt: this.services.startedAt,
      anonymousRole: this.services.config.auth.anonymousRole,
      inputLimits: inputLimits(),
    };
  }
}

function range(limit: { min: number; max: number; integer: boolean; minExclusive?: boolean; maxExclusive?: boolean }): NumberRange {
  return { min: limit.min, max: limit.max, minExclusive: limit.minExclusive ?? false, maxExclusive: limit.maxExclusive ?? false, integer: limit.integer };
}

/** The ML core's own limits (the ones `validateFacilityInput` and `resolveHyperparameters` enforce). */
function inputLimits(): InputLimits {
  const l = HYPERPARAMETER_LIMITS;
  return {
    textMaxLength: MAX_TEXT_LENGTH,
    hyperparameterDefaults: { ...DEFAULT_HYPERPARAMETERS, hiddenUnits: [...DEFAULT_HYPERPARAMETERS.hiddenUnits] },
    hyperparameterRanges: {
      learningRate: range(l.learningRate), batchSize: range(l.batchSize), epochs: range(l.epochs), patience: range(l.patience),
      dropout: range(l.dropout), l2: range(l.l2), seed: range(l.seed), hiddenUnits: range(l.hiddenUnits), hiddenLayersMax: l.hiddenUnits.maxLayers,
    },
  };
}

export const TRELLIS_VERSION = '0.1.0';
