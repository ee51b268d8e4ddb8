import { createPublicKey, generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface AccessKeyPair {
  privateKey: KeyObject
  publicKeyPem: string
}

const KEY_FILE = 'surreal-access-key.pem'

function fromPrivatePem (pem: string): AccessKeyPair {
  const privateKey = createPrivateKey(pem)

  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('SURREAL_ACCESS_KEY must be an Ed25519 private key in PKCS#8 PEM')
  }

  return {
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  }
}

export function generateAccessKey (): AccessKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519')
  return fromPrivatePem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
}

/**
 * The API signs a short-lived SurrealDB token per request with this key, and
 * SurrealDB holds only the public half. A configured key wins (every API
 * instance must share it); otherwise one is kept in the data directory, or
 * kept in memory when the data itself lives in memory.
 */
export async function loadAccessKey (options: {
  configuredPem?: string
  dataDir?: string
}): Promise<AccessKeyPair> {
  if (options.configuredPem !== undefined) return fromPrivatePem(options.configuredPem.replace(/\\n/g, '\n'))
  if (options.dataDir === undefined) return generateAccessKey()

  const path = join(options.dataDir, KEY_FILE)
  try {
    return fromPrivatePem(await readFile(path, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }

  const created = generateAccessKey()
  await mkdir(options.dataDir, { recursive: true })
  await writeFile(path, created.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  return created
}
