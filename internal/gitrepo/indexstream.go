package gitrepo

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// indexStream is an index file edited without holding it in memory:
// 40k entries are 4.8 MB, and held whole they were most of what a bump
// keeps live (and the GC lets the heap grow to twice what is live). A
// first pass reads the entries through a small window and keeps what
// rawIndex.lookup finds, the offsets of racy entries and the extensions;
// writeWithEntry then copies the file's bytes to the new index around the
// changed entry. The entry parsing and the new entry are rawIndex's own
// (entryAt, newIndexEntry), so both paths write the same bytes.
//
// The file stays open until close: CommitFile's undo rewrites the old
// index from it after the new one has been renamed over it.
type indexStream struct {
	f          indexFile
	size       int64
	version    uint32
	count      uint32
	mtimeSec   uint32
	window     int
	entriesEnd int64
	racy       []int64   // entries to smudge (zero size), in file order
	ext        *rawIndex // the extensions and checksum; its entries end at 0
}

// indexWindow is the read window: far larger than an entry (~100 bytes),
// far smaller than a big index.
const indexWindow = 64 << 10

// errEntryTooLong: an entry (its path) is longer than the read window.
var errEntryTooLong = errors.New("entry longer than the read window")

// streamLookup is indexLookup with offsets in the file, plus the bytes of
// it that writeWithEntry needs.
type streamLookup struct {
	indexLookup
	fixed      []byte // found: the entry's 62 fixed bytes
	nextPrefix []byte // v4 insert: the next entry's bytes before its name
}

func openIndexStream(path string, window int) (*indexStream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	s, err := newIndexStream(f, window)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read index %q: %w", path, err)
	}
	return s, nil
}

// indexFile is what an indexStream reads: the index file, or an edited
// index in memory (the next edit of a transaction that changes several
// entries).
type indexFile interface {
	io.ReaderAt
	io.Closer
}

func newIndexStream(f *os.File, window int) (*indexStream, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return newIndexStreamAt(f, fi.Size(), indexStat(fi).mtimeSec, window)
}

// memIndex is an index held in memory as an indexFile.
type memIndex struct{ *bytes.Reader }

func (memIndex) Close() error { return nil }

// newIndexStreamAt reads an index of size bytes from f; mtimeSec is the
// index file's mtime, against which entries are judged racy.
func newIndexStreamAt(f indexFile, size int64, mtimeSec uint32, window int) (*indexStream, error) {
	var hdr [indexHeaderLen]byte
	if size < indexHeaderLen+indexChecksumLen {
		return nil, errors.New("not a git index file")
	}
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, err
	}
	if string(hdr[:4]) != "DIRC" {
		return nil, errors.New("not a git index file")
	}
	s := &indexStream{
		f:        f,
		size:     size,
		version:  binary.BigEndian.Uint32(hdr[4:]),
		count:    binary.BigEndian.Uint32(hdr[8:]),
		mtimeSec: mtimeSec,
		window:   window,
	}
	if s.version < 2 || s.version > 4 {
		return nil, fmt.Errorf("index version %d is not supported (2, 3 or 4)", s.version)
	}
	return s, nil
}

func (s *indexStream) close() error { return s.f.Close() }

// lookup is rawIndex.lookup over the file; it also checks the checksum
// (rawIndex does that when parsing) and reads the extensions.
func (s *indexStream) lookup(path string) (streamLookup, error) {
	want := []byte(path)
	var res streamLookup
	res.insertAt = -1
	s.racy = s.racy[:0]
	h := sha1.New()
	body := io.TeeReader(io.NewSectionReader(s.f, 0, s.size-indexChecksumLen), h)
	if _, err := io.CopyN(io.Discard, body, indexHeaderLen); err != nil {
		return res, err
	}
	// buf[:n] holds the file from offset base; the indexChecksumLen bytes
	// after n stand in for the checksum, which entryAt leaves out.
	buf := make([]byte, s.window+indexChecksumLen)
	n, base, eof := 0, int64(indexHeaderLen), false
	fill := func() error {
		for n < s.window && !eof {
			m, err := body.Read(buf[n:s.window])
			n += m
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return err
			}
		}
		return nil
	}
	if err := fill(); err != nil {
		return res, err
	}
	w := &rawIndex{version: s.version, mtimeSec: s.mtimeSec}
	off := int64(indexHeaderLen)
	var prev []byte
	for i := uint32(0); i < s.count; i++ {
		var e indexEntry
		var err error
		for {
			w.data = buf[:n+indexChecksumLen]
			e, err = w.entryAt(int(off-base), prev)
			k := int(off - base)
			if err == nil || eof {
				break
			}
			if k == 0 && n == s.window {
				return res, fmt.Errorf("index entry %d: %w", i, errEntryTooLong)
			}
			// The entry runs past the window: slide it to the front.
			n = copy(buf, buf[k:n])
			base = off
			if err := fill(); err != nil {
				return res, err
			}
		}
		if err != nil {
			return res, fmt.Errorf("index entry %d: %w", i, err)
		}
		at := func(rel int) int64 { return base + int64(rel) }
		switch c := bytes.Compare(e.name, want); {
		case c == 0 && e.stage == 0:
			res.found = true
			res.fixed = append([]byte(nil), w.data[e.off:e.off+entryFixedLen]...)
			res.entry = e
			res.entry.name = append([]byte(nil), e.name...)
			res.entry.off, res.entry.end, res.entry.nameOff = int(at(e.off)), int(at(e.end)), int(at(e.nameOff))
		case c == 0:
			res.conflicted = true
		case c > 0 && res.insertAt < 0:
			res.insertAt, res.prevName = int(at(e.off)), append([]byte(nil), prev...)
			ne := e
			ne.name = append([]byte(nil), e.name...)
			ne.off, ne.end, ne.nameOff = int(at(e.off)), int(at(e.end)), int(at(e.nameOff))
			res.next = &ne
			res.nextPrefix = append([]byte(nil), w.data[e.off:e.nameOff]...)
		}
		if len(e.name) < len(want) && want[len(e.name)] == '/' && bytes.HasPrefix(want, e.name) ||
			len(e.name) > len(want) && e.name[len(want)] == '/' && bytes.HasPrefix(e.name, want) {
			res.dfConflict = string(e.name)
		}
		if w.isRacy(e) {
			s.racy = append(s.racy, at(e.off))
		}
		// v4 names are fresh slices; v2/v3 ones point into buf, and only
		// v4 reads prev.
		prev, off = e.name, at(e.end)
	}
	if res.insertAt < 0 {
		res.insertAt, res.prevName = int(off), append([]byte(nil), prev...)
	}
	s.entriesEnd = off

	// The extensions: what the window holds past the entries, and the rest.
	var ext []byte
	if k := int(off - base); k <= n {
		ext = append(ext, buf[k:n]...)
	}
	rest, err := io.ReadAll(body)
	if err != nil {
		return res, err
	}
	ext = append(ext, rest...)
	var sum [indexChecksumLen]byte
	if _, err := s.f.ReadAt(sum[:], s.size-indexChecksumLen); err != nil {
		return res, err
	}
	if sum != [indexChecksumLen]byte{} && !bytes.Equal(h.Sum(nil), sum[:]) {
		return res, errors.New("index checksum mismatch (corrupt index)")
	}
	s.ext = &rawIndex{data: append(ext, sum[:]...), version: s.version}
	return res, nil
}

// rewriteExtensions is rawIndex.rewriteExtensions on the extensions read
// by lookup.
func (s *indexStream) rewriteExtensions(path string) ([][]byte, error) {
	return s.ext.rewriteExtensions(path)
}

// writeWithEntry is rawIndex.writeWithEntry, copying from the file.
func (s *indexStream) writeWithEntry(w io.Writer, l streamLookup, path string, hash plumbing.Hash, mode uint32, st entryStat, ext [][]byte) error {
	h := sha1.New()
	hw := io.MultiWriter(w, h)
	e := newIndexEntry(s.version, s.count, l.indexLookup, path, hash, mode, st, l.fixed, l.nextPrefix)
	buf := make([]byte, 32<<10)
	var err error
	if l.found {
		err = s.copyRange(hw, buf, 0, int64(l.entry.off))
		if err == nil {
			_, err = hw.Write(e.entry)
		}
		if err == nil {
			err = s.copyRange(hw, buf, int64(l.entry.off)+entryFixedLen, s.entriesEnd)
		}
	} else {
		_, err = hw.Write(e.header)
		if err == nil {
			err = s.copyRange(hw, buf, indexHeaderLen, int64(l.insertAt))
		}
		if err == nil {
			_, err = hw.Write(e.entry)
		}
		if err == nil {
			err = s.copyRange(hw, buf, int64(e.rest), s.entriesEnd)
		}
	}
	for _, seg := range ext {
		if err != nil {
			return err
		}
		_, err = hw.Write(seg)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(h.Sum(nil))
	return err
}

// writeUnchanged is rawIndex.writeUnchanged: the file as read, racy
// entries smudged, with a fresh checksum.
func (s *indexStream) writeUnchanged(w io.Writer) error {
	h := sha1.New()
	if err := s.copyRange(io.MultiWriter(w, h), make([]byte, 32<<10), 0, s.size-indexChecksumLen); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// copyRange copies the file's bytes [from, to) to w, with the size field
// of racy entries zeroed (smudged) as rawIndex.lookup does in memory.
func (s *indexStream) copyRange(w io.Writer, buf []byte, from, to int64) error {
	var zero [4]byte
	i := sort.Search(len(s.racy), func(i int) bool { return s.racy[i]+36 >= from })
	for ; i < len(s.racy) && s.racy[i]+40 <= to; i++ {
		field := s.racy[i] + 36
		if _, err := io.CopyBuffer(w, io.NewSectionReader(s.f, from, field-from), buf); err != nil {
			return err
		}
		if _, err := w.Write(zero[:]); err != nil {
			return err
		}
		from = field + 4
	}
	_, err := io.CopyBuffer(w, io.NewSectionReader(s.f, from, to-from), buf)
	return err
}
