interface ImportMetaEnv {
  /** `true` in the build the browser tests run (the test hooks are in it); absent in production. */
  readonly VITE_TEST_HOOKS?: string;
}
