// The http-client handlers each hop is sent with: they adjust the request's options only.
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { Agent as HttpAgent, type Agent, type RequestOptions as NodeRequestOptions } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { bypassesProxy, noProxyEnv } from './proxy.js'

/** An http-client handler that only adjusts each request's options. */
const preparing = (prepareRequest: (options: NodeRequestOptions) => void): RequestHandler => ({
  prepareRequest,
  canHandleAuthentication: () => false,
  handleAuthentication: () => Promise.reject(new Error('no authentication handler')),
})

/** Hands every request (and an https_proxy CONNECT) the signal that ends the attempt. */
export const abortingOn = (signal: AbortSignal) =>
  preparing((options) => {
    options.signal = signal
    // With a proxy, http-client's tunnel agent sends the CONNECT with its own proxyOptions; a
    // proxy that never answers it would otherwise hold the socket, and the process, forever.
    const tunnel = options.agent as { proxyOptions?: NodeRequestOptions } | undefined
    if (tunnel?.proxyOptions) tunnel.proxyOptions.signal = signal
  })

/** Puts `agent` in place of the client's own agent of the same kind: never of a proxy's tunnel, nor of the other scheme. */
export const reusing = (agent: Agent) =>
  preparing((options) => {
    if (options.agent && options.agent.constructor === agent.constructor) options.agent = agent
  })

/**
 * Goes around a proxy that NO_PROXY names in a form http-client does not read (`*.domain`, CIDR),
 * and connects straight to an IPv6 literal (http-client passes it on in brackets, which no lookup finds).
 */
export const directWhenBypassed = (url: URL) =>
  preparing((options) => {
    const tunnel = options.agent as { proxyOptions?: unknown } | undefined
    if (tunnel?.proxyOptions && bypassesProxy(url, noProxyEnv())) options.agent = new (url.protocol === 'https:' ? HttpsAgent : HttpAgent)()
    if (!(options.agent as typeof tunnel)?.proxyOptions) options.host = options.host?.replace(/^\[(.*)\]$/, '$1')
  })
