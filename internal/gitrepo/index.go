package gitrepo

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
)

// The index is edited as bytes rather than decoded and re-encoded with
// go-git: go-git's encoder drops every extension (the cache-tree among
// them, which makes the next git commit rebuild every tree), and a
// one-entry change then costs a walk over all entries instead of a copy.
// Format: git's Documentation/gitformat-index.txt.

const (
	indexHeaderLen   = 12
	entryFixedLen    = 62 // stat data, mode, ids, size, sha1, flags
	flagExtended     = 0x4000
	flagNameMask     = 0x0fff
	extSkipWorktree  = 0x4000
	extIntentToAdd   = 0x2000
	indexChecksumLen = 20
)

// entryStat is the stat data of one index entry.
type entryStat struct {
	ctimeSec, ctimeNsec, mtimeSec, mtimeNsec uint32
	dev, ino, uid, gid, size                 uint32
}

// rawIndex is an index file held as bytes, parsed only as far as needed.
type rawIndex struct {
	data []byte
	// mtime of the index file when read: entries modified at or after it
	// are "racily clean" (git's Documentation/technical/racy-git.txt).
	mtimeSec   uint32
	version    uint32
	count      uint32
	entriesEnd int // offset of the first extension; set by lookup
}

func parseIndex(data []byte) (*rawIndex, error) {
	if len(data) < indexHeaderLen+indexChecksumLen || string(data[:4]) != "DIRC" {
		return nil, errors.New("not a git index file")
	}
	x := &rawIndex{
		data:    data,
		version: binary.BigEndian.Uint32(data[4:]),
		count:   binary.BigEndian.Uint32(data[8:]),
	}
	if x.version < 2 || x.version > 4 {
		return nil, fmt.Errorf("index version %d is not supported (2, 3 or 4)", x.version)
	}
	body := data[:len(data)-indexChecksumLen]
	sum := data[len(data)-indexChecksumLen:]
	// index.skipHash writes a zero checksum; git skips the check then too.
	if !bytes.Equal(sum, make([]byte, indexChecksumLen)) {
		if got := sha1.Sum(body); !bytes.Equal(got[:], sum) {
			return nil, errors.New("index checksum mismatch (corrupt index)")
		}
	}
	return x, nil
}

// indexEntry is one entry located in rawIndex.data.
type indexEntry struct {
	off, end int    // byte span in data
	nameOff  int    // where the encoded name starts (after the flags)
	name     []byte // full path (a fresh slice in v4, a sub-slice otherwise)
	stage    int
	extFlags uint16
	hash     plumbing.Hash
	mode     uint32
}

// entryAt decodes the entry at off; prev is the previous entry's name,
// needed by version 4's prefix compression.
func (x *rawIndex) entryAt(off int, prev []byte) (indexEntry, error) {
	d := x.data[:len(x.data)-indexChecksumLen]
	if off+entryFixedLen > len(d) {
		return indexEntry{}, errors.New("truncated")
	}
	flags := binary.BigEndian.Uint16(d[off+60:])
	e := indexEntry{off: off, stage: int(flags>>12) & 3, mode: binary.BigEndian.Uint32(d[off+24:])}
	copy(e.hash[:], d[off+40:off+60])
	p := off + entryFixedLen
	if flags&flagExtended != 0 {
		if x.version < 3 {
			return indexEntry{}, errors.New("extended flags in a version 2 index")
		}
		if p+2 > len(d) {
			return indexEntry{}, errors.New("truncated")
		}
		e.extFlags = binary.BigEndian.Uint16(d[p:])
		p += 2
	}
	e.nameOff = p
	if x.version == 4 {
		strip, n := decodeIndexVarint(d[p:])
		if n == 0 || int(strip) > len(prev) {
			return indexEntry{}, errors.New("bad name prefix length")
		}
		p += n
		nul := bytes.IndexByte(d[p:], 0)
		if nul < 0 {
			return indexEntry{}, errors.New("unterminated name")
		}
		e.name = append(append(make([]byte, 0, len(prev)-int(strip)+nul), prev[:len(prev)-int(strip)]...), d[p:p+nul]...)
		e.end = p + nul + 1
		return e, nil
	}
	nameLen := int(flags & flagNameMask)
	if nameLen == flagNameMask {
		nul := bytes.IndexByte(d[p:], 0)
		if nul < 0 {
			return indexEntry{}, errors.New("unterminated name")
		}
		nameLen = nul
	}
	if p+nameLen > len(d) {
		return indexEntry{}, errors.New("truncated")
	}
	e.name = d[p : p+nameLen]
	e.end = off + ((p - off + nameLen + 8) &^ 7)
	if e.end > len(d) {
		return indexEntry{}, errors.New("truncated")
	}
	return e, nil
}

// isRacy reports whether e was modified no earlier than the index file
// was written, in whole seconds: git built without USE_NSEC (the default)
// compares only seconds, so an entry from the index's second must be
// treated as racy even when its nanoseconds are older.
func (x *rawIndex) isRacy(e indexEntry) bool {
	if x.mtimeSec == 0 {
		return false
	}
	return binary.BigEndian.Uint32(x.data[e.off+8:]) >= x.mtimeSec
}

// indexLookup is what the index says about one path.
type indexLookup struct {
	entry      indexEntry // stage-0 entry, valid when found
	found      bool
	conflicted bool   // stages 1-3 present: an unresolved merge
	dfConflict string // an entry that is a parent directory or a child of path
	insertAt   int    // offset before which a new entry for path belongs
	prevName   []byte // name of the entry before insertAt (v4 compression)
	next       *indexEntry
}

// lookup scans every entry once (entries are variable-length, so the
// extensions can only be found by walking past all of them) and reports
// what it saw of path.
func (x *rawIndex) lookup(path string) (indexLookup, error) {
	want := []byte(path)
	var res indexLookup
	res.insertAt = -1
	off := indexHeaderLen
	var prev []byte
	for i := uint32(0); i < x.count; i++ {
		e, err := x.entryAt(off, prev)
		if err != nil {
			return res, fmt.Errorf("index entry %d: %w", i, err)
		}
		switch c := bytes.Compare(e.name, want); {
		case c == 0 && e.stage == 0:
			res.entry, res.found = e, true
		case c == 0:
			res.conflicted = true
		case c > 0 && res.insertAt < 0:
			res.insertAt, res.prevName = e.off, prev
			ne := e
			res.next = &ne
		}
		if len(e.name) < len(want) && want[len(e.name)] == '/' && bytes.HasPrefix(want, e.name) ||
			len(e.name) > len(want) && e.name[len(want)] == '/' && bytes.HasPrefix(e.name, want) {
			res.dfConflict = string(e.name)
		}
		if x.isRacy(e) {
			// Once rewritten, the index is newer than this entry, and git
			// would trust stat data that may hide a change made in the
			// same clock tick. Git smudges such entries when it writes an
			// index (zero size: "re-check the content"); so do we.
			binary.BigEndian.PutUint32(x.data[e.off+36:], 0)
		}
		prev, off = e.name, e.end
	}
	if res.insertAt < 0 {
		res.insertAt, res.prevName = off, prev
	}
	x.entriesEnd = off
	return res, nil
}

// writeWithEntry writes a new index file to w: path's stage-0 entry set
// to hash and st (added with mode if absent), the cache-tree invalidated
// along path, optional extensions that describe the old entries dropped,
// and a fresh checksum. Nothing else changes. The file is streamed in
// slices of the one read, so memory stays at one copy of the index.
//
// ext is the result of rewriteExtensions(path), computed by the caller
// before it touches anything, so an unsupported index fails early.
func (x *rawIndex) writeWithEntry(w io.Writer, l indexLookup, path string, hash plumbing.Hash, mode uint32, st entryStat, ext [][]byte) error {
	h := sha1.New()
	hw := io.MultiWriter(w, h)
	var fixed, nextPrefix []byte
	if l.found {
		fixed = x.data[l.entry.off : l.entry.off+entryFixedLen]
	} else if l.next != nil {
		nextPrefix = x.data[l.next.off:l.next.nameOff]
	}
	e := newIndexEntry(x.version, x.count, l, path, hash, mode, st, fixed, nextPrefix)
	var segments [][]byte
	if l.found {
		segments = [][]byte{x.data[:l.entry.off], e.entry, x.data[l.entry.off+entryFixedLen : x.entriesEnd]}
	} else {
		segments = [][]byte{e.header, x.data[indexHeaderLen:l.insertAt], e.entry, x.data[e.rest:x.entriesEnd]}
	}
	for _, seg := range append(segments, ext...) {
		if _, err := hw.Write(seg); err != nil {
			return err
		}
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// newEntry is what writeWithEntry puts in place of the old bytes.
type newEntry struct {
	header []byte // the 12-byte header with one more entry (insert only)
	entry  []byte // the new entry (insert, v4: and the next one re-encoded)
	rest   int    // insert: where the old entries resume
}

// newIndexEntry builds path's entry: from the old fixed part (62 bytes,
// flags kept) when found, else a new one inserted at l.insertAt; in
// version 4 the next entry, compressed against the name before ours,
// is re-encoded against ours from nextPrefix (its bytes up to the name).
func newIndexEntry(version, count uint32, l indexLookup, path string, hash plumbing.Hash, mode uint32, st entryStat, fixed, nextPrefix []byte) newEntry {
	if l.found {
		entry := append([]byte(nil), fixed...)
		putEntryData(entry, hash, l.entry.mode, st)
		return newEntry{entry: entry}
	}
	header := make([]byte, indexHeaderLen)
	copy(header, "DIRC")
	binary.BigEndian.PutUint32(header[4:], version)
	binary.BigEndian.PutUint32(header[8:], count+1)
	entry := make([]byte, entryFixedLen, entryFixedLen+len(path)+16)
	putEntryData(entry, hash, mode, st)
	binary.BigEndian.PutUint16(entry[60:], uint16(min(len(path), flagNameMask)))
	rest := l.insertAt
	if version == 4 {
		strip := len(l.prevName) - commonPrefix(l.prevName, []byte(path))
		entry = appendIndexVarint(entry, uint64(strip))
		entry = append(append(entry, path[len(l.prevName)-strip:]...), 0)
		if l.next != nil {
			n := l.next
			entry = append(entry, nextPrefix...)
			strip := len(path) - commonPrefix([]byte(path), n.name)
			entry = appendIndexVarint(entry, uint64(strip))
			entry = append(append(entry, n.name[len(path)-strip:]...), 0)
			rest = n.end
		}
	} else {
		// At least one NUL: it also terminates names of 0xfff bytes or more.
		entry = append(entry, path...)
		entry = append(entry, make([]byte, ((entryFixedLen+len(path)+8)&^7)-entryFixedLen-len(path))...)
	}
	return newEntry{header: header, entry: entry, rest: rest}
}

// writeUnchanged writes the index as read (racy entries smudged, which
// is always valid) with a fresh checksum: the undo of writeWithEntry.
func (x *rawIndex) writeUnchanged(w io.Writer) error {
	body := x.data[:len(x.data)-indexChecksumLen]
	sum := sha1.Sum(body)
	if _, err := w.Write(body); err != nil {
		return err
	}
	_, err := w.Write(sum[:])
	return err
}

func putEntryData(b []byte, hash plumbing.Hash, mode uint32, st entryStat) {
	be := binary.BigEndian
	be.PutUint32(b[0:], st.ctimeSec)
	be.PutUint32(b[4:], st.ctimeNsec)
	be.PutUint32(b[8:], st.mtimeSec)
	be.PutUint32(b[12:], st.mtimeNsec)
	be.PutUint32(b[16:], st.dev)
	be.PutUint32(b[20:], st.ino)
	be.PutUint32(b[24:], mode)
	be.PutUint32(b[28:], st.uid)
	be.PutUint32(b[32:], st.gid)
	be.PutUint32(b[36:], st.size)
	copy(b[40:60], hash[:])
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// rewriteExtensions keeps the cache-tree (invalidated along path) and the
// resolve-undo data, and drops the other optional extensions: the
// untracked cache, fsmonitor data and entry offset tables describe the old
// file and git rebuilds them when missing. Required (lowercase)
// extensions — split index, sparse index — are refused: entries would not
// be where this code looks for them.
//
// The result is the new extensions as segments to write in order, most of
// them slices of x.data: the cache-tree of a 40k-file repository is a few
// MB, of which only the nodes on path change.
func (x *rawIndex) rewriteExtensions(path string) ([][]byte, error) {
	d := x.data[:len(x.data)-indexChecksumLen]
	var out [][]byte
	for off := x.entriesEnd; off < len(d); {
		if off+8 > len(d) {
			return nil, errors.New("index extension header truncated")
		}
		sig := string(d[off : off+4])
		size := int(binary.BigEndian.Uint32(d[off+4:]))
		if off+8+size > len(d) || size < 0 {
			return nil, fmt.Errorf("index extension %q truncated", sig)
		}
		payload := d[off+8 : off+8+size]
		switch {
		case sig == "TREE":
			parts, err := splitRepoPath(path)
			if err != nil {
				return nil, err
			}
			t, err := invalidateCacheTree(payload, parts)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, seg := range t {
				n += len(seg)
			}
			out = append(out, binary.BigEndian.AppendUint32([]byte("TREE"), uint32(n)))
			out = append(out, t...)
		case sig == "REUC":
			out = append(out, d[off:off+8+size])
		case sig[0] >= 'A' && sig[0] <= 'Z':
			// optional: dropped
		case sig == "link":
			return nil, errors.New("split index (core.splitIndex) is not supported; run: git update-index --no-split-index")
		case sig == "sdir":
			return nil, errors.New("sparse index is not supported; run: git sparse-checkout reapply --no-sparse-index (or git config index.sparse false)")
		default:
			return nil, fmt.Errorf("index has required extension %q that this tool does not understand", sig)
		}
		off += 8 + size
	}
	return out, nil
}

// invalidateCacheTree rewrites a TREE extension payload, marking the root
// and every directory on the way to path invalid (entry count -1, no
// hash) and removing a cached subtree named like the leaf — what git's
// cache_tree_invalidate_path does on git add. Everything off the path is
// kept byte for byte (as slices of in), so the next git commit rebuilds
// only these trees.
func invalidateCacheTree(in []byte, parts []string) ([][]byte, error) {
	rest, out, err := copyCacheTreeNode(in, parts)
	if err != nil {
		return nil, fmt.Errorf("index TREE extension: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("index TREE extension: trailing bytes")
	}
	return out, nil
}

// cacheTreeHeader parses "name NUL count SP subtrees LF [hash]" and returns
// the offsets of the name's NUL and of the node's end.
func cacheTreeHeader(in []byte) (nul, end, count, subtrees int, err error) {
	nul = bytes.IndexByte(in, 0)
	if nul < 0 {
		return 0, 0, 0, 0, errors.New("unterminated name")
	}
	sp := bytes.IndexByte(in[nul+1:], ' ')
	if sp < 0 {
		return 0, 0, 0, 0, errors.New("missing entry count")
	}
	sp += nul + 1
	nl := bytes.IndexByte(in[sp+1:], '\n')
	if nl < 0 {
		return 0, 0, 0, 0, errors.New("missing subtree count")
	}
	nl += sp + 1
	if count, err = parseDecimal(in[nul+1 : sp]); err != nil {
		return 0, 0, 0, 0, err
	}
	if subtrees, err = parseDecimal(in[sp+1 : nl]); err != nil || subtrees < 0 {
		return 0, 0, 0, 0, errors.New("bad subtree count")
	}
	end = nl + 1
	if count >= 0 {
		end += 20
	}
	if end > len(in) {
		return 0, 0, 0, 0, errors.New("truncated")
	}
	return nul, end, count, subtrees, nil
}

// skipCacheTreeNode returns what follows a node and all its subtrees.
func skipCacheTreeNode(in []byte) ([]byte, error) {
	_, end, _, subtrees, err := cacheTreeHeader(in)
	if err != nil {
		return nil, err
	}
	rest := in[end:]
	for i := 0; i < subtrees; i++ {
		if rest, err = skipCacheTreeNode(rest); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// copyCacheTreeNode rewrites a node on the way to the changed file, and
// its subtrees; parts is what remains of the path below it. It returns
// what follows the node in in, and the node as segments: a new header,
// then runs of untouched subtrees as slices of in around the rewritten
// ones.
func copyCacheTreeNode(in []byte, parts []string) (rest []byte, segs [][]byte, err error) {
	nul, end, _, subtrees, err := cacheTreeHeader(in)
	if err != nil {
		return nil, nil, err
	}
	var children [][]byte
	kept := 0
	rest = in[end:]
	run := rest // untouched subtrees not yet in children start here
	flush := func() {
		if n := len(run) - len(rest); n > 0 {
			children = append(children, run[:n])
		}
	}
	for i := 0; i < subtrees; i++ {
		cn := bytes.IndexByte(rest, 0)
		if cn < 0 {
			return nil, nil, errors.New("unterminated name")
		}
		name := string(rest[:cn])
		switch {
		case len(parts) > 1 && name == parts[0]:
			flush()
			var sub [][]byte
			rest, sub, err = copyCacheTreeNode(rest, parts[1:])
			children = append(children, sub...)
			run = rest
			kept++
		case len(parts) == 1 && name == parts[0]:
			flush()
			rest, err = skipCacheTreeNode(rest) // dropped, as git does
			run = rest
		default:
			rest, err = skipCacheTreeNode(rest)
			kept++
		}
		if err != nil {
			return nil, nil, err
		}
	}
	flush()
	header := fmt.Appendf(append([]byte(nil), in[:nul+1]...), "-1 %d\n", kept)
	return rest, append([][]byte{header}, children...), nil
}

func parseDecimal(b []byte) (int, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 9 {
		return 0, fmt.Errorf("bad number %q", b)
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", b)
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// decodeIndexVarint reads git's offset varint (varint.c), which differs
// from LEB128 by adding one per continuation byte. n is 0 on error.
func decodeIndexVarint(b []byte) (val uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	val = uint64(c & 127)
	n = 1
	for c&128 != 0 {
		if n >= len(b) || n > 9 {
			return 0, 0
		}
		val++
		c = b[n]
		n++
		val = val<<7 | uint64(c&127)
	}
	return val, n
}

func appendIndexVarint(out []byte, val uint64) []byte {
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(val & 127)
	for val >>= 7; val != 0; val >>= 7 {
		val--
		pos--
		buf[pos] = 128 | byte(val&127)
	}
	return append(out, buf[pos:]...)
}
