//go:build unix

package input

import "syscall"

const nonblock = syscall.O_NONBLOCK
