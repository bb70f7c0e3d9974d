// Package testtool finds the outside tools integration tests run (git,
// kubectl, ...). A missing tool skips the test on a developer's machine,
// loudly, and fails it in CI (CI set), where the project installs it.
package testtool
