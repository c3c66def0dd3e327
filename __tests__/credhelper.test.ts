import { needsRefresh, registryHost } from '../src/credhelper.js'

describe('credential helper logic', () => {
  it('refreshes with five minutes left, or half the lifetime of a short-lived token', () => {
    const hour = { token: 't', iat: 0, exp: 3600 }
    expect(needsRefresh(hour, 3000)).toBe(false)
    expect(needsRefresh(hour, 3301)).toBe(true)
    const minute = { token: 't', iat: 0, exp: 60 }
    expect(needsRefresh(minute, 29)).toBe(false)
    expect(needsRefresh(minute, 31)).toBe(true)
    expect(needsRefresh(undefined, 0)).toBe(true)
  })

  it('reads the registry host from what docker passes', () => {
    expect(registryHost('cgr.dev')).toBe('cgr.dev')
    expect(registryHost('https://cgr.dev')).toBe('cgr.dev')
    expect(registryHost('https://CGR.dev/v2/\n')).toBe('cgr.dev')
    expect(registryHost('localhost:5000')).toBe('localhost:5000')
    expect(registryHost('https://index.docker.io/v1/')).toBe('index.docker.io')
  })
})
