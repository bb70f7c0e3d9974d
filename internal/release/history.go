package release

import (
	"context"
	"errors"
	"fmt"
)

// History is the Git history of one file (gitrepo.History provides it):
// the commits that changed it, newest first, as far as the repository
// holds them, and a way to fetch more.
type History interface {
	// FileLog lists the commits that changed path; complete=false when
	// the history held ends (a shallow boundary, a missing object) before
	// the file's first commit.
	// At most max commits are listed (0: all); a list of max may go on.
	FileLog(ctx context.Context, path string, max int) (commits []string, complete bool, err error)
	ReadFile(rev, path string) ([]byte, error)
	// Deepen fetches more history; false when it cannot (a checkout, or
	// the --max-depth bound reached).
	Deepen(ctx context.Context) (bool, error)
}

// ErrHistoryEnds: the history available ends (a shallow boundary, a
// missing object, --max-depth) before the answer; gen never guesses.
var ErrHistoryEnds = errors.New("the history available ends before the answer")

// EntryHistory is what the history says of a file's images: entry.
type EntryHistory struct {
	// Current is the entry at HEAD; SetBy the commit that set it (the
	// oldest of the newest run of commits pinning it).
	Current Version
	SetBy   string
	// Previous is the entry before Current; nil when the file was created
	// with Current.
	Previous *Version
}

// ReadEntryHistory walks the commits that changed file, newest first,
// reading image's entry in each, until the entry differs from HEAD's. A
// commit that changed other lines (or only the digest of another entry)
// does not count as setting the entry. When the history held ends first,
// it is deepened (bounded) and read again; when it cannot grow, the
// answer is ErrHistoryEnds, never the oldest commit seen.
func ReadEntryHistory(ctx context.Context, h History, file, image string) (EntryHistory, error) {
	var eh EntryHistory
	cur, err := entryAt(h, "HEAD", file, image)
	if err != nil {
		return eh, err
	}
	eh.Current = cur
	// The log is read one commit first, then doubling: git log stops at
	// the n-th change instead of walking the whole history, and the entry
	// before the newest run is read from its oldest commit's parent (what
	// git log -1 and a git show of the parent cost).
	for n := 1; ; {
		commits, complete, err := h.FileLog(ctx, file, n)
		if err != nil {
			return eh, err
		}
		eh.SetBy, eh.Previous = "", nil
		for _, c := range commits {
			v, err := entryAt(h, c, file, image)
			if err != nil {
				// A blob a partial clone left on its promisor, a file
				// deleted and re-created: no entry gen could stand behind.
				return eh, fmt.Errorf("%s at %s: %v: %w", file, c, err, ErrHistoryEnds)
			}
			if v != cur {
				eh.Previous = &v
				break
			}
			eh.SetBy = c
		}
		if eh.SetBy != "" && (eh.Previous != nil || complete) {
			return eh, nil
		}
		if eh.SetBy != "" {
			// The list ended inside the run: the parent of its oldest
			// commit holds the entry before, unless the file was created
			// there or the parent is not held (then read on).
			if v, err := entryAt(h, eh.SetBy+"^", file, image); err == nil && v != cur {
				eh.Previous = &v
				return eh, nil
			}
		}
		if len(commits) == n {
			n *= 2 // cut at n: read further before deepening
			continue
		}
		if complete {
			return eh, fmt.Errorf("%s: %s %s is not committed: %w", file, image, cur, ErrHistoryEnds)
		}
		more, err := h.Deepen(ctx)
		if err != nil {
			return eh, err
		}
		if !more {
			what := "the commit that set it"
			if eh.SetBy != "" {
				what = "the entry before it"
			}
			return eh, fmt.Errorf("%s: %s %s: %w (%s is older than the history held, %d commits changing the file)", file, image, cur, ErrHistoryEnds, what, len(commits))
		}
	}
}

// EntryAt reads image's entry in file at rev.
func EntryAt(r FileReader, rev, file, image string) (Version, error) {
	return entryAt(r, rev, file, image)
}
