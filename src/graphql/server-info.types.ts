/**
 * What the API accepts in its inputs, published on `serverInfo.inputLimits` so clients (the web
 * UI's forms) check the same bounds the server enforces without copying them.
 */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Hyperparameters } from './common.types.js';

@ObjectType({ description: 'An accepted numeric range: from min to max, each bound included unless marked exclusive' })
export class NumberRange {
  @Field(() => Float) min!: number;
  @Field(() => Float) max!: number;
  @Field(() => Boolean, { description: 'min itself is refused' }) minExclusive!: boolean;
  @Field(() => Boolean, { description: 'max itself is refused' }) maxExclusive!: boolean;
  @Field(() => Boolean, { description: 'whole numbers only' }) integer!: boolean;
}

@ObjectType({ description: 'The accepted range of each retrain hyperparameter' })
export class HyperparameterRanges {
  @Field(() => NumberRange) learningRate!: NumberRange;
  @Field(() => NumberRange) batchSize!: NumberRange;
  @Field(() => NumberRange) epochs!: NumberRange;
  @Field(() => NumberRange) patience!: NumberRange;
  @Field(() => NumberRange) dropout!: NumberRange;
  @Field(() => NumberRange) l2!: NumberRange;
  @Field(() => NumberRange) seed!: NumberRange;
  @Field(() => NumberRange, { description: 'the size of each hidden layer' }) hiddenUnits!: NumberRange;
  @Field(() => Int, { description: 'hidden layers: at least 1, at most this many' }) hiddenLayersMax!: number;
}

@ObjectType({ description: 'What the API accepts in its inputs; the web UI checks its forms against these' })
export class InputLimits {
  @Field(() => Int, { description: 'the longest text a facility field may hold (characters)' }) textMaxLength!: number;
  @Field(() => Hyperparameters, { description: 'what retrain uses for each hyperparameter left out' }) hyperparameterDefaults!: Hyperparameters;
  @Field(() => HyperparameterRanges) hyperparameterRanges!: HyperparameterRanges;
}
