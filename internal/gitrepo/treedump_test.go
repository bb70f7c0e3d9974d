package gitrepo

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dumpCacheTree renders the index's TREE extension as "path count
// subtrees hash" lines, for assertions and failure messages.
func dumpCacheTree(t testing.TB, indexFile string) string {
	t.Helper()
	data, err := os.ReadFile(indexFile)
	if err != nil {
		t.Fatal(err)
	}
	x, err := parseIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.lookup(""); err != nil {
		t.Fatal(err)
	}
	d := data[:len(data)-20]
	for off := x.entriesEnd; off+8 <= len(d); {
		size := int(uint32(d[off+4])<<24 | uint32(d[off+5])<<16 | uint32(d[off+6])<<8 | uint32(d[off+7]))
		if string(d[off:off+4]) == "TREE" {
			var b strings.Builder
			var walk func(in []byte, prefix string) []byte
			walk = func(in []byte, prefix string) []byte {
				nul, end, count, subtrees, err := cacheTreeHeader(in)
				if err != nil {
					t.Fatal(err)
				}
				p := prefix + string(in[:nul])
				h := "-"
				if count >= 0 {
					h = hex.EncodeToString(in[end-20 : end])
				}
				fmt.Fprintf(&b, "%q %d %d %s\n", p, count, subtrees, h)
				rest := in[end:]
				for i := 0; i < subtrees; i++ {
					sep := p + "/"
					if p == "" {
						sep = ""
					}
					rest = walk(rest, sep)
				}
				return rest
			}
			walk(d[off+8:off+8+size], "")
			return b.String()
		}
		off += 8 + size
	}
	return "(no TREE extension)\n"
}

func (g *gitRepo) cacheTree(t testing.TB) string {
	return dumpCacheTree(t, filepath.Join(g.dir, ".git", "index"))
}
