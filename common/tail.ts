import { open } from 'node:fs/promises'

/** How far back a tail reads: enough for any log tail we show, cheap however large the log grows. */
const MAX_BYTES = 256 * 1024

/** The last `lines` lines of a text file, or '' if there is no such file. */
export async function tailFile(file: string, lines = 40): Promise<string> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch {
    return ''
  }
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, MAX_BYTES)
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length)
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } finally {
    await handle.close()
  }
}
