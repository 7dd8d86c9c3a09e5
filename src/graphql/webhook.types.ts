import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WEBHOOK_EVENTS, type WebhookEventName } from '../webhooks/webhooks.js';

export const WebhookEvent = {
  MODEL_REGISTERED: 'MODEL_REGISTERED',
  MODEL_ACTIVATED: 'MODEL_ACTIVATED',
  TRAINING_JOB_FINISHED: 'TRAINING_JOB_FINISHED',
  DATASET_UPLOADED: 'DATASET_UPLOADED',
} as const satisfies Record<(typeof WEBHOOK_EVENTS)[number], WebhookEventName>;
export type WebhookEvent = (typeof WebhookEvent)[keyof typeof WebhookEvent];

registerEnumType(WebhookEvent, {
  name: 'WebhookEvent',
  description: 'What a webhook is told about: a model version registered or activated, a training job finished (any terminal status), a dataset stored',
});

@ObjectType({ description: 'An HTTPS endpoint told about events by signed POST requests (X-Trellis-Signature: sha256=<HMAC-SHA256 of the raw body>)' })
export class Webhook {
  @Field(() => ID) id!: string;
  @Field(() => String) url!: string;
  @Field(() => [WebhookEvent]) events!: WebhookEvent[];
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { nullable: true, description: 'the API key name that created it' }) createdBy!: string | null;
}

@ObjectType({ description: 'A new webhook and its signing secret, shown this once' })
export class CreatedWebhook {
  @Field(() => String) secret!: string;
  @Field(() => Webhook) webhook!: Webhook;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => String, { description: 'http(s) URL; private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true' }) url!: string;
  @Field(() => [WebhookEvent]) events!: WebhookEvent[];
}

@ObjectType({ description: 'One attempt to deliver an event to a webhook' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID, { description: 'the X-Trellis-Delivery id, the same on every attempt of one event' }) deliveryId!: string;
  @Field(() => WebhookEvent) event!: WebhookEvent;
  @Field(() => Int, { description: '1 for the first try' }) attempt!: number;
  @Field(() => Int, { nullable: true, description: 'the HTTP status answered; null on a network error or timeout' }) statusCode!: number | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Float) durationMs!: number;
  @Field(() => Boolean, { description: 'a 2xx answer' }) succeeded!: boolean;
  @Field(() => String, { description: "the delivery's state now: PENDING (retries left), DELIVERED or FAILED" }) deliveryStatus!: string;
  @Field(() => Date) createdAt!: Date;
}
