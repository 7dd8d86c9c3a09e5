/**
 * Output types of predictions (emitted into schema/schema.graphql). Plain data objects are declared
 * with `simpleResolvers`: graphql-js reads their properties directly instead of calling a
 * type-graphql wrapper per field (a predict response has 11 fields; this is the hot path).
 */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { RatingClass } from './enums.js';

@ObjectType({ description: 'The probability the model gives one class', simpleResolvers: true })
export class ClassProbability {
  @Field(() => RatingClass)
  label!: RatingClass;

  @Field(() => Float)
  probability!: number;
}

@ObjectType({ description: 'A predicted rating class with its probabilities and the model version that answered', simpleResolvers: true })
export class Prediction {
  @Field(() => RatingClass)
  label!: RatingClass;

  @Field(() => Float, { description: 'probability of the predicted label' })
  confidence!: number;

  @Field(() => [ClassProbability], { description: 'one per class, in the order LOW, MEDIUM, HIGH' })
  probabilities!: ClassProbability[];

  @Field(() => Int)
  modelVersion!: number;
}

@ObjectType({ description: 'One row of a scored file: its prediction, or why it could not be scored', simpleResolvers: true })
export class PredictionRowResult {
  @Field(() => Int, { description: '1-based data row number (the header is not counted)' })
  row!: number;

  @Field(() => Prediction, { nullable: true })
  prediction!: Prediction | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class ClassCount {
  @Field(() => RatingClass)
  label!: RatingClass;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'A scored CSV file: summary, per-row results and where to download the scored CSV', simpleResolvers: true })
export class BatchPredictionResult {
  @Field(() => Int, { description: 'data rows in the file' })
  rows!: number;

  @Field(() => Int)
  scored!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => [ClassCount])
  classCounts!: ClassCount[];

  /** Resolved by PredictionResolver from the compact per-row arrays, only when asked for. */
  results?: PredictionRowResult[];

  @Field(() => String, { description: 'GET it (same server) for the scored CSV: input columns + predicted_label + probability_<CLASS> + error' })
  downloadUrl!: string;

  @Field(() => Int)
  modelVersion!: number;
}
