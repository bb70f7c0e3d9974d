package validate

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO in a pull request must not block gen validate (issue 11.8): it is
// refused before it is opened, for a whole file read and for Open alike.
func TestOnDiskWithinRefusesFIFOs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "kustomization.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	fs := OnDiskWithin(dir)
	done := make(chan [2]error, 1)
	go func() {
		_, errRead := fs.ReadFile(fifo)
		_, errOpen := fs.Open(fifo)
		done <- [2]error{errRead, errOpen}
	}()
	select {
	case errs := <-done:
		for i, err := range errs {
			if err == nil {
				t.Errorf("read %d of a FIFO succeeded; want it refused", i)
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reading a FIFO blocked: it must be refused before it is opened")
	}
}
