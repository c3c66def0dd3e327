// See package.json: only @actions/http-client's getAgentDispatcher() would reach this.
export class ProxyAgent {
  constructor() {
    throw new Error('undici is not bundled with setup-chainctl (HttpClient.getAgentDispatcher is unsupported)')
  }
}
