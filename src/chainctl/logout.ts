// The post step's half of chainctl: logs out with the very chainctl that logged in. Kept apart
// from setup.ts so the post bundle does not carry the install code.
import { lastLine, run } from '../util/exec.js'

/** chainctl auth logout, with the job's copy that logged in and its token cache. */
export interface ChainctlUndo {
  kind: 'chainctl-logout'
  chainctl: string
  /** The variables pointing chainctl at the job's own token cache. */
  env?: Record<string, string>
}

export async function logoutChainctl(step: ChainctlUndo): Promise<string> {
  const { code, output } = await run(step.chainctl, ['auth', 'logout'], { env: { ...process.env, ...step.env } })
  if (code !== 0) throw new Error(`chainctl auth logout failed: ${lastLine(output)}`)
  return 'Logged chainctl out'
}
