/**
 * Who is signed in (the key's name and role, or an anonymous role), shared with every page so
 * actions the role may not do are shown disabled with the reason instead of failing on click.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { ROLES } from './api/enums';
import type { Role } from './api/types';

export interface Session {
  /** the key's name; null when browsing anonymously (ANONYMOUS_ROLE) */
  name: string | null;
  role: Role;
  signOut: () => void;
}

export const SessionContext = createContext<Session>({ name: null, role: 'VIEWER', signOut: () => undefined });

export function useSession(): Session {
  return useContext(SessionContext);
}

/** Roles are cumulative: ADMIN may do everything TRAINER may, and so on. */
export function roleAllows(role: Role, need: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(need);
}

/** Why the signed-in role may not do `action`, or null when it may. */
export function useDenied(need: Role, action: string): string | null {
  const { role, name } = useSession();
  if (roleAllows(role, need)) return null;
  return `${action} needs the ${need} role; ${name ? `key "${name}" is` : 'anonymous access is'} ${role}.`;
}

/** Renders `children` when the role allows it, else the reason (in place of the control). */
export function RoleGate({ need, action, children }: { need: Role; action: string; children: ReactNode }) {
  const denied = useDenied(need, action);
  if (!denied) return <>{children}</>;
  return (
    <p className="role-note" data-testid="role-note">
      {denied}
    </p>
  );
}
