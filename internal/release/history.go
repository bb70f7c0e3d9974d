package release

import (
	"context"
	"errors"
	"fmt"
)

// History is the local Git history of one file (gitrepo.Repo provides it).
type History interface {
	FileLog(ctx context.Context, path string) ([]string, error)
	ReadFile(rev, path string) ([]byte, error)
}

// ErrHistoryEnds: the history available locally ends (first commit, a
// shallow boundary) before the answer; gen never guesses.
var ErrHistoryEnds = errors.New("the local history ends before the answer")

// EntryHistory is what the history says of a file's images: entry.
type EntryHistory struct {
	// Current is the entry at HEAD; SetBy the commit that set it (the
	// oldest of the newest run of commits pinning it).
	Current Version
	SetBy   string
	// Previous is the entry before Current, when the history reaches it.
	Previous *Version
}

// ReadEntryHistory walks the commits that changed file, newest first,
// reading image's entry in each, until the entry differs from HEAD's. A
// commit that changed other lines (or only the digest of another entry)
// does not count as setting the entry.
func ReadEntryHistory(ctx context.Context, h History, file, image string) (EntryHistory, error) {
	var eh EntryHistory
	cur, err := entryAt(h, "HEAD", file, image)
	if err != nil {
		return eh, err
	}
	eh.Current = cur
	commits, err := h.FileLog(ctx, file)
	if err != nil {
		return eh, err
	}
	for _, c := range commits {
		v, err := entryAt(h, c, file, image)
		if err != nil || v != cur {
			if err == nil {
				eh.Previous = &v
			}
			break
		}
		eh.SetBy = c
	}
	if eh.SetBy == "" {
		return eh, fmt.Errorf("%s: %s %s is not committed: %w", file, image, cur, ErrHistoryEnds)
	}
	return eh, nil
}

// EntryAt reads image's entry in file at rev.
func EntryAt(r FileReader, rev, file, image string) (Version, error) {
	return entryAt(r, rev, file, image)
}
