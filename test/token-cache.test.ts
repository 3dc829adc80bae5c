// Verified tokens are remembered for a minute (src/auth/tokens.ts): a repeated token is not verified again,
// yet expiry is judged on every use, and a token differing in any byte is verified on its own.
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { localTokenVerifier } from '../src/auth/tokens.ts'

async function signer() {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const verifier = localTokenVerifier({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }, { maxTokenAgeS: 3600 })
  const sign = (expiresInS: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(randomUUID())
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
      .sign(privateKey)
  return { verifier, sign }
}

afterEach(() => vi.useRealTimers())

describe('verified tokens are remembered', () => {
  it('answers a repeated token from memory, and still refuses it once expired (with the clock tolerance)', async () => {
    const { verifier, sign } = await signer()
    const token = await sign(10)
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)
    // Within the minute it is remembered, past exp and its 30 s tolerance: refused as expired.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 45_000 })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized', message: 'token expired' })
  })

  it('verifies a token that differs from a remembered one by its signature on its own', async () => {
    const { verifier, sign } = await signer()
    const token = await sign(600)
    await verifier.verify(token)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ code: 'unauthorized' })
  })
})

describe('verified tokens are remembered per verifier', () => {
  it('does not let one verifier accept what another verifier remembered', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const keys = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }
    const forA = localTokenVerifier(keys, { audience: 'a', issuer: 'auth', maxTokenAgeS: 3600 })
    const forB = localTokenVerifier(keys, { audience: 'b', issuer: 'auth', maxTokenAgeS: 3600 })
    const short = localTokenVerifier(keys, { audience: 'a', issuer: 'auth', maxTokenAgeS: 60 })
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(randomUUID())
      .setIssuer('auth')
      .setAudience('a')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey)
    await forA.verify(token)
    await forA.verify(token)
    await expect(forB.verify(token)).rejects.toMatchObject({ code: 'unauthorized' })
    await expect(short.verify(token)).rejects.toMatchObject({ code: 'unauthorized' })
  })
})
