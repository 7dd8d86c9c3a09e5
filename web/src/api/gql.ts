/**
 * What the generated documents (documents.ts) are made of: each operation's text followed by the
 * fragments it spreads, as a string typed with the operation's result `R` and variables `V`.
 * Strings, not parsed documents: they are sent as they are over fetch, XHR and graphql-ws, so no
 * GraphQL parser ships to the browser.
 */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

export class TypedDocumentString<R, V> extends String implements DocumentTypeDecoration<R, V> {
  /** carries the types only; never set */
  declare __apiType?: DocumentTypeDecoration<R, V>['__apiType'];
}

/** The tag documents.ts uses: the text with each fragment document it interpolates (operations list every fragment they need once). */
export function gql(text: TemplateStringsArray, ...fragments: TypedDocumentString<unknown, unknown>[]): TypedDocumentString<unknown, unknown> {
  return new TypedDocumentString(String.raw(text, ...fragments));
}
