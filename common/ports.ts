import net from 'node:net'

/** A port that cannot be had: taken by another process, or not ours to bind. */
export class PortUnavailableError extends Error {}

async function listen(host: string, port: number): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port }, resolve)
  })
  return server
}

/**
 * Free ports for the requested ones left undefined; given ones are checked, so a clash fails before
 * anything is spawned, with the port's name and a way out.
 */
export async function reservePorts(
  host: string,
  requested: { name: string; port: number | undefined }[],
): Promise<number[]> {
  const servers: net.Server[] = []
  try {
    for (const { name, port } of requested) {
      try {
        servers.push(await listen(host, port ?? 0))
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        throw new PortUnavailableError(
          `${name} port ${port} on ${host} is not available (${code}): choose another port`,
        )
      }
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port)
  } finally {
    // Held together until here so that two picked ports cannot coincide.
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}
