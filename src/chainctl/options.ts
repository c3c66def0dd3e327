// What the action does about chainctl, as the inputs gave it.

/** What to do about chainctl itself. */
export interface ChainctlOptions {
  install: boolean
  /** X.Y.Z or 'latest'. */
  version: string
  /** Where releases live: <downloadUrl>/<version>/chainctl_<os>_<arch>. */
  downloadUrl: string
  apkHost: string
  librariesHost: string
  /** Export HTTP_AUTH for apk tooling. */
  envAuth: boolean
  /** chainctl's -v level, 0-5. */
  verbosity: number
  /** CHAINCTL_CONFIG for chainctl, '' for its default. */
  configPath: string
}
