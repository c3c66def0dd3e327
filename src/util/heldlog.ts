// Log lines of work that runs alongside the registry login, held back until the login's own
// lines are out, so that the log reads in the same order every run; after that, printed as they come.
import * as core from '@actions/core'

export class HeldLog {
  private held: Array<() => void> | undefined = []

  readonly info = (line: string) => this.print(() => core.info(line))
  readonly warning = (line: string) => this.print(() => core.warning(line))

  private print(line: () => void): void {
    if (this.held) this.held.push(line)
    else line()
  }

  /** Prints what was held, and from now on every line at once. */
  release(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const line of held) line()
  }
}
