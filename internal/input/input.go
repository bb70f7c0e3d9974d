// Package input reads the files gen takes as input with bounds, so that a
// hostile repository or flag cannot make gen block or exhaust memory:
// only regular files are read (a FIFO, a device such as /dev/zero, a
// socket are refused before they are opened) and every read is capped.
package input

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// The caps (issue 11.8).
const (
	// MaxConfig bounds gen.yaml: 4 MiB, about 14,000 apps in the
	// synthetic monorepo's shape (5,000 apps x 3 environments, the
	// benchmarks' repository, is 1.4 MB).
	MaxConfig = 4 << 20
	// MaxFile bounds any other YAML file gen reads.
	MaxFile = 16 << 20
	// MaxBuild bounds all the files one kustomize build reads together.
	MaxBuild = 256 << 20
)

var (
	// ErrNotRegular: the path is a FIFO, device, socket or directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file, or a build's inputs together, exceed a cap.
	ErrTooLarge = errors.New("too large")
)

// ReadFile reads the regular file at path, refusing it when it holds more
// than max bytes. The check is made on the file before it is opened and
// again on what is read (the file may grow meanwhile). ctx is checked
// before reading.
func ReadFile(ctx context.Context, path string, max int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(st.Mode()))
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", path, ErrTooLarge, st.Size(), max)
	}
	// O_NONBLOCK: should the path be swapped for a FIFO after the Stat,
	// opening it still does not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	// Sized from the Stat, as os.ReadFile does: io.ReadAll grows from
	// 512 bytes, copying the 1.4 MB gen.yaml of make bench over and
	// over (18 ms of gen promote there, mostly clearing new memory).
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", path, ErrTooLarge, max)
	}
	return data, nil
}

func kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return m.Type().String()
}
