import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresRole } from './authorization.js';
import type { GraphQLContext } from './context.js';
import { BadUserInputError } from '../errors.js';
import type { AppServices } from '../services.js';
import type { WebhookAttemptRecord, WebhookRecord } from '../webhooks/webhooks.js';
import { CreatedWebhook, CreateWebhookInput, Webhook, WebhookDelivery } from './webhook.types.js';

const MAX_ATTEMPTS_LISTED = 200;

@Resolver(() => Webhook)
export class WebhookResolver {
  constructor(private readonly services: AppServices) {}

  @RequiresRole('ADMIN')
  @Query(() => [Webhook], { description: 'Every webhook, newest first' })
  async webhooks(): Promise<WebhookRecord[]> {
    return this.services.webhooks.list();
  }

  @RequiresRole('ADMIN')
  @Query(() => [WebhookDelivery], { description: "A webhook's delivery attempts, newest first" })
  async webhookDeliveries(
    @Arg('webhookId', () => ID) webhookId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: `at most ${MAX_ATTEMPTS_LISTED}` }) first: number,
  ): Promise<WebhookAttemptRecord[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_ATTEMPTS_LISTED) throw new BadUserInputError(`first: expected 1 to ${MAX_ATTEMPTS_LISTED}`, 'first');
    return this.services.webhooks.attempts(webhookId, first);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => CreatedWebhook, { description: 'Subscribes a URL to events; the signing secret is returned this once' })
  async createWebhook(@Arg('input', () => CreateWebhookInput) input: CreateWebhookInput, @Ctx() ctx: GraphQLContext): Promise<CreatedWebhook> {
    return this.services.webhooks.create(input.url, input.events, ctx.auth.key?.name ?? null);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Webhook, { description: 'Deletes a webhook; its pending deliveries are dropped' })
  async deleteWebhook(@Arg('id', () => ID) id: string): Promise<WebhookRecord> {
    return this.services.webhooks.delete(id);
  }
}
