/** did:peer:4 long and short forms name the same DID; agents store either. Other DIDs compare exactly. */
export function sameDid(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false
  return shortForm(a) === shortForm(b)
}

function shortForm(did: string): string {
  return did.startsWith('did:peer:4') ? did.split(':').slice(0, 3).join(':') : did
}
