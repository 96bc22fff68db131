import { performance } from 'node:perf_hooks'
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { packMessage, unpackMessage } from '../agents/reference/didcomm/envelope.js'
import { ensureAskarLibrary } from '../agents/reference/native/askarLibrary.js'

// A ~200-byte DIDComm plaintext, the size of a typical trust ping or ack.
const MESSAGE = JSON.stringify({
  '@type': 'https://didcomm.org/trust_ping/1.0/ping',
  '@id': '4f8d3c4e-2b6a-4e0f-9c1d-7a5b3e2f1d0c',
  response_requested: true,
  comment: 'benchmark payload for RFC 0019 envelope pack and unpack',
  '~timing': { out_time: '2024-01-01T00:00:00Z' },
})

const WARM_UP_MS = 500

/** Authcrypt pack + unpack round trips per second for one recipient, on the calling thread. */
export async function benchEnvelope(durationMs = 3000): Promise<{ packUnpackPerSecond: number; iterations: number }> {
  await ensureAskarLibrary()
  const senderKey = Key.generate(KeyAlgorithm.Ed25519)
  const recipientKey = Key.generate(KeyAlgorithm.Ed25519)
  try {
    const sender = { verkey: bs58.encode(senderKey.publicBytes), key: senderKey }
    const recipientVerkey = bs58.encode(recipientKey.publicBytes)
    const findKey = async (verkey: string) => (verkey === recipientVerkey ? recipientKey : undefined)
    const roundTrip = async () => {
      const unpacked = await unpackMessage(packMessage(MESSAGE, [recipientVerkey], sender), findKey)
      if (unpacked.plaintext !== MESSAGE) throw new Error('round trip changed the message')
    }
    for (const end = performance.now() + WARM_UP_MS; performance.now() < end;) await roundTrip()
    let iterations = 0
    const start = performance.now()
    let elapsed = 0
    while (elapsed < durationMs) {
      await roundTrip()
      iterations++
      elapsed = performance.now() - start
    }
    return { packUnpackPerSecond: Math.round((iterations * 1000) / elapsed), iterations }
  } finally {
    senderKey.handle.free()
    recipientKey.handle.free()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { packUnpackPerSecond, iterations } = await benchEnvelope()
  console.log(`envelope authcrypt pack+unpack: ${packUnpackPerSecond}/s (${iterations} round trips)`)
}
