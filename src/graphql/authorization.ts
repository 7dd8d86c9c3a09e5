/**
 * Who may run what. Each root field that needs a role carries it once, with `@RequiresRole`:
 * type-graphql's `@Authorized` (checked by `authChecker` before the resolver or subscription
 * starts) plus a field extension that (1) puts the role into the field's description, so the
 * SDL shows it, and (2) lets `OperationAccess` refuse a whole operation before any of it runs.
 */
import {
  GraphQLObjectType, Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { Authorized, Extensions, type AuthCheckerFn } from 'type-graphql';
import type { Principal } from '../auth/principal.js';
import { higherRole, roleAtLeast, type AccessRole } from '../auth/roles.js';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { GraphQLContext } from './context.js';
import { operationOf } from './limits.js';

const REQUIRED_ROLE = 'requiredRole';
/** Introspection is for callers with a key (any role) or ANONYMOUS_ROLE; `__typename` is open. */
const INTROSPECTION_ROLE: AccessRole = 'VIEWER';

/** The field needs at least `role` (roles are cumulative). */
export function RequiresRole(role: AccessRole): MethodDecorator {
  const authorized = Authorized<AccessRole>(role);
  const extension = Extensions({ [REQUIRED_ROLE]: role });
  return (target, key, descriptor) => {
    authorized(target, key, descriptor);
    extension(target, key, descriptor);
  };
}

/** The role a field declared with `@RequiresRole`, or null for an open field. */
export function requiredRoleOf(field: { extensions?: Record<string, unknown> | null }): AccessRole | null {
  return (field.extensions?.[REQUIRED_ROLE] as AccessRole | undefined) ?? null;
}

/** Throws UNAUTHENTICATED (no role at all) or FORBIDDEN (too low) unless `principal` has `need`. */
export function assertRole(principal: Principal, need: AccessRole, what: string): void {
  if (roleAtLeast(principal.role, need)) return;
  if (principal.role === null) throw new UnauthenticatedError(`${what} needs an API key with the ${need} role (or higher): send "Authorization: Bearer <key>"`);
  throw new ForbiddenError(`${what} needs the ${need} role (or higher); ${principal.key ? `key "${principal.key.name}" has` : 'anonymous callers have'} ${principal.role}`, need);
}

/** type-graphql's check, before each `@Authorized` resolver (and subscription) runs. */
export const authChecker: AuthCheckerFn<GraphQLContext, AccessRole> = ({ context, info }, roles) => {
  for (const role of roles) assertRole(context.auth, role, `${info.parentType.name}.${info.fieldName}`);
  return true;
};

/** Appends "Requires the X role." to every root field's description that has one (the SDL shows it). */
export function describeRequiredRoles(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const role = requiredRoleOf(field);
      const note = role ? `Requires the ${role} role (or higher).` : 'Open to every caller, with or without a key.';
      field.description = field.description ? `${field.description}\n${note}` : note;
    }
  }
}

/**
 * The highest role an operation's root fields need (through fragments), computed once per parsed
 * document: the operation is refused before it starts when the caller is below it, so a mutation
 * next to a forbidden one is not half done.
 */
export class OperationAccess {
  private readonly cache = new WeakMap<DocumentNode, Map<string, { role: AccessRole | null; field: string }>>();

  constructor(private readonly schema: GraphQLSchema) {}

  assert(principal: Principal, document: DocumentNode, operationName: string | null | undefined): void {
    const key = operationName ?? '';
    let byName = this.cache.get(document);
    let need = byName?.get(key);
    if (!need) {
      const operation = operationOf(document, operationName);
      need = operation ? this.requiredRole(document, operation) : { role: null, field: '' };
      if (!byName) this.cache.set(document, (byName = new Map()));
      byName.set(key, need);
    }
    if (need.role) assertRole(principal, need.role, need.field);
  }

  private requiredRole(document: DocumentNode, operation: OperationDefinitionNode): { role: AccessRole | null; field: string } {
    const root = operation.operation === 'query' ? this.schema.getQueryType() : operation.operation === 'mutation' ? this.schema.getMutationType() : this.schema.getSubscriptionType();
    const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    let best: { role: AccessRole | null; field: string } = { role: null, field: '' };
    const seen = new Set<string>();
    const walk = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const role = name === '__schema' || name === '__type' ? INTROSPECTION_ROLE : root instanceof GraphQLObjectType ? requiredRoleOf(root.getFields()[name] ?? {}) : null;
          const higher = higherRole(best.role, role);
          if (higher !== best.role) best = { role: higher, field: `${root?.name ?? 'root'}.${name}` };
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          walk(selection.selectionSet);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment && !seen.has(fragment.name.value)) {
            seen.add(fragment.name.value);
            walk(fragment.selectionSet);
          }
        }
      }
    };
    walk(operation.selectionSet);
    return best;
  }
}
