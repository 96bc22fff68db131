import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { createDidCommPeerDid } from '../../agents/reference/dids/didcommPeerDid.js'
import { peer4LongToShort } from '../../agents/reference/dids/peer4.js'
import { provisionRawStore } from '../../common/askarStore.js'
import type { StoreAccess } from '../../contract/storeSnapshot.js'

export interface OldLayoutStore {
  access: StoreAccess
  /** The DIDs written, by kind, and the verkey of each. */
  posted: { nym: string; verkey: string }
  unposted: { nym: string; verkey: string }
  peer4: { long: string; short: string; verkey: string }
  peer2: { did: string; verkey: string }
  invitationKey: string
  connections: number
}

/**
 * A store in the layout ACA-Py 0.12.8 writes (storage.md §2): keys named by verkey with no tags, `did`
 * records `{did, method, verkey, verkey_type, metadata}` (a posted public did:sov, an unposted
 * "unqualified peer DID", a did:peer:4 in both forms, a did:peer:2), a public DID pointer, an
 * invitation key of no DID, and `connections` connection records: the first on the unqualified DID, each
 * other on an unqualified DID of its own, as connections/1.0 made them.
 */
export async function writeOldLayoutStore(sqlitePath: string, connections = 1): Promise<OldLayoutStore> {
  const { store, access } = await provisionRawStore(sqlitePath)
  const session = await store.transaction().open()
  const newKey = async () => {
    const key = Key.generate(KeyAlgorithm.Ed25519)
    const verkey = bs58.encode(key.publicBytes)
    await session.insertKey({ name: verkey, key, metadata: '{}' })
    key.handle.free()
    return verkey
  }
  const did = async (name: string, method: string, verkey: string, metadata: Record<string, unknown>) => {
    const value = { did: name, method, verkey, verkey_type: 'ed25519', metadata }
    await session.insert({
      category: 'did',
      name,
      value: JSON.stringify(value),
      tags: { method, verkey, verkey_type: 'ed25519' },
    })
  }
  const nymOf = (verkey: string) => bs58.encode(bs58.decode(verkey).subarray(0, 16))
  const postedKey = await newKey()
  const posted = { nym: nymOf(postedKey), verkey: postedKey }
  await did(posted.nym, 'sov', postedKey, { posted: true, endpoint: 'http://127.0.0.1:8020' })
  await session.insert({ category: 'config', name: 'default_public_did', value: JSON.stringify({ did: posted.nym }) })
  const unpostedKey = await newKey()
  const unposted = { nym: nymOf(unpostedKey), verkey: unpostedKey }
  await did(unposted.nym, 'sov', unpostedKey, {})
  const peer4Key = await newKey()
  const long = createDidCommPeerDid({ numalgo: 4, verkey: peer4Key, serviceEndpoint: 'http://127.0.0.1:8020' }).did
  const peer4 = { long, short: peer4LongToShort(long), verkey: peer4Key }
  await did(peer4.long, 'did:peer:4', peer4Key, {})
  await did(peer4.short, 'did:peer:4', peer4Key, {})
  const peer2Key = await newKey()
  const peer2 = {
    did: createDidCommPeerDid({ numalgo: 2, verkey: peer2Key, serviceEndpoint: 'http://127.0.0.1:8020' }).did,
    verkey: peer2Key,
  }
  await did(peer2.did, 'did:peer:2', peer2Key, {})
  const invitationKey = await newKey()
  for (let i = 0; i < connections; i++) {
    let myDid = unposted.nym
    if (i > 0) {
      const verkey = await newKey()
      myDid = nymOf(verkey)
      await did(myDid, 'sov', verkey, {})
    }
    const id = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`
    const value = {
      connection_id: id,
      my_did: myDid,
      their_did: `did:peer:4zQm${i}`,
      state: 'active',
      their_role: 'invitee',
    }
    await session.insert({
      category: 'connection',
      name: id,
      value: JSON.stringify(value),
      tags: { my_did: myDid, their_did: value.their_did, state: 'active', their_role: 'invitee' },
    })
  }
  await session.commit()
  await store.close()
  return { access, posted, unposted, peer4, peer2, invitationKey, connections }
}
