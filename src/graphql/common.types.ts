/**
 * Small GraphQL types shared by the dataset, training-job and model resolvers: hyperparameters,
 * epoch metrics, page info (the enums are in enums.ts). Shapes follow schema/schema.graphql.
 */
import type { GraphQLSchema } from 'graphql';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { AppServices } from '../services.js';

@ObjectType({ description: 'Training hyperparameters (defaults filled in)' })
export class Hyperparameters {
  @Field(() => Float) learningRate!: number;
  @Field(() => Int) batchSize!: number;
  @Field(() => Int, { description: 'maximum epochs; early stopping usually ends sooner' }) epochs!: number;
  @Field(() => Int) patience!: number;
  @Field(() => [Int]) hiddenUnits!: number[];
  @Field(() => Float) dropout!: number;
  @Field(() => Float) l2!: number;
  @Field(() => Int) seed!: number;
}

@ObjectType({ description: 'One finished training epoch' })
export class EpochMetrics {
  @Field(() => ID) jobId!: string;
  @Field(() => Int) epoch!: number;
  @Field(() => Float) loss!: number;
  @Field(() => Float) accuracy!: number;
  @Field(() => Float, { nullable: true }) valLoss!: number | null;
  @Field(() => Float, { nullable: true }) valAccuracy!: number | null;
  @Field(() => Float) learningRate!: number;
  @Field(() => Float) durationMs!: number;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

/**
 * Subscriptions' `subscribe` functions are static in type-graphql (no resolver instance), so the
 * process's services are looked up by the schema executing them (bound once in app.ts).
 */
const servicesBySchema = new WeakMap<GraphQLSchema, AppServices>();
export function bindSubscriptionServices(schema: GraphQLSchema, services: AppServices): void {
  servicesBySchema.set(schema, services);
}
export function subscriptionServices(info: { schema: GraphQLSchema }): AppServices {
  const services = servicesBySchema.get(info.schema);
  if (!services) throw new Error('subscription services are not bound to this schema (see bindSubscriptionServices)');
  return services;
}
