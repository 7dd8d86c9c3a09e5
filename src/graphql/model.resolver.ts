import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { DatasetRecord } from '../datasets/datasets.js';
import type { ModelActivationRecord, ModelVersionRecord } from '../registry/types.js';
import type { AppServices } from '../services.js';
import { subscriptionServices } from './common.types.js';
import type { GraphQLContext } from './context.js';
import { Dataset } from './dataset.types.js';
import { BadUserInputError } from '../errors.js';
import { ModelActivation, ModelVersion } from './model.types.js';
import { RequiresRole } from './authorization.js';

/** The activation history's actor: the caller's key name (or the anonymous role). */
const actorOf = (ctx: GraphQLContext) => ctx.auth.key?.name ?? `anonymous ${ctx.auth.role ?? 'caller'}`;

@Resolver(() => ModelVersion)
export class ModelResolver {
  constructor(private readonly services: AppServices) {}

  @RequiresRole('VIEWER')
  @Query(() => [ModelVersion], { description: 'Every registered version, newest first' })
  async models(): Promise<ModelVersionRecord[]> {
    return this.services.registry.list();
  }

  @RequiresRole('VIEWER')
  @Query(() => ModelVersion, { nullable: true, description: 'NOT_FOUND for an unknown version' })
  async model(@Arg('version', () => Int) version: number): Promise<ModelVersionRecord> {
    return this.services.registry.mustGet(version);
  }

  @RequiresRole('VIEWER')
  @Query(() => ModelVersion, { nullable: true, description: 'The ACTIVE version (null before any model exists)' })
  async activeModel(): Promise<ModelVersionRecord | null> {
    return this.services.registry.active();
  }

  @RequiresRole('VIEWER')
  @Query(() => [ModelActivation], { description: 'History of active-model changes, newest first' })
  async modelActivations(@Arg('first', () => Int, { nullable: true }) first: number | null): Promise<ModelActivationRecord[]> {
    const n = first ?? 50;
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new BadUserInputError('first: expected an integer from 1 to 1000', 'first');
    return this.services.registry.activations(n);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => ModelVersion, { description: 'Activates a version by hand (CONFLICT if already active)' })
  async promoteModel(@Arg('version', () => Int) version: number, @Ctx() ctx: GraphQLContext): Promise<ModelVersionRecord> {
    return this.services.registry.promote(version, actorOf(ctx));
  }

  @RequiresRole('ADMIN')
  @Mutation(() => ModelVersion, { description: 'Back to the previously active version (CONFLICT when there is none)' })
  async rollbackModel(@Ctx() ctx: GraphQLContext): Promise<ModelVersionRecord> {
    return this.services.registry.rollback(actorOf(ctx));
  }

  @FieldResolver(() => [Dataset], { description: 'the datasets the version was trained on' })
  async datasets(@Root() model: ModelVersionRecord): Promise<DatasetRecord[]> {
    return model.datasetIds.length === 0 ? [] : this.services.datasets.getMany(model.datasetIds);
  }

  @RequiresRole('VIEWER')
  @Subscription(() => ModelVersion, {
    description: 'Each change of the active model, in any process',
    subscribe: ({ info }) => subscriptionServices(info).registry.activeModelChanges(),
  })
  activeModelChanged(@Root() model: ModelVersionRecord): ModelVersionRecord {
    return model;
  }
}
