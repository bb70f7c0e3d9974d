package input

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Issue 11.8: /dev/zero, a FIFO and an oversize file are refused before
// anything is read into memory, and nothing blocks.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		path string
		want error
	}{
		{"/dev/zero", ErrNotRegular},
		{fifo, ErrNotRegular},
		{dir, ErrNotRegular},
		{big, ErrTooLarge},
	} {
		if _, err := ReadFile(ctx, tt.path, 1024); !errors.Is(err, tt.want) {
			t.Errorf("ReadFile(%s) = %v, want %v", tt.path, err, tt.want)
		}
	}
	if b, err := ReadFile(ctx, ok, 1024); err != nil || string(b) != "a: 1\n" {
		t.Errorf("ReadFile(ok) = %q, %v", b, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadFile(cancelled, ok, 1024); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
